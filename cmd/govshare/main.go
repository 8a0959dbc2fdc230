// Command govshare runs the government data sharing and exchange platform
// (政务数据共享交换平台) and its admin tools. See "govshare help".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/govshare/govshare/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, app.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "govshare:", err)
		os.Exit(1)
	}
}
