package notice

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Recipient is the user a Sender delivers a notice to.
type Recipient struct {
	UserID   int64
	Username string
	Name     string // display name
}

// Sender delivers a notice outside the console: by SMS, by mail. Send
// should return within the context's deadline; an error is recorded on the
// notice and logged, and the notice stays in the console.
type Sender interface {
	Send(ctx context.Context, to Recipient, text, link string) error
}

// LogSender writes each notice to the log instead of sending it: the
// demo's sender, and the default until an SMS or mail gateway is set up.
type LogSender struct{ Log *slog.Logger }

// Send logs the notice.
func (l LogSender) Send(ctx context.Context, to Recipient, text, link string) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "notice sent", "sender", "log", "user", to.Username, "name", to.Name, "text", text, "link", link)
	return nil
}

// ParseSender reads the --notice-sender setting: "log" (LogSender) or
// "none" (notices stay in the console).
func ParseSender(spec string, log *slog.Logger) (Sender, error) {
	switch strings.TrimSpace(spec) {
	case "log":
		return LogSender{Log: log}, nil
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("want log or none, got %q (an SMS or mail sender is not built yet)", spec)
}
