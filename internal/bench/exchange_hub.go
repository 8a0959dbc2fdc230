package bench

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/exchange/leafnet"
)

// exchangeHub runs the platform's side of the exchange as its own process,
// so that it can be killed and started again like a node: the hub's NATS
// server (JetStream domain "hub", its store in o.Dir) listening for leaf
// nodes on the port of o.Hub, which stays the same across restarts so the
// nodes find it again. It reports {"ready":true,"url":...} with its client
// URL, reads a workerSpec from in, routes the channel (exchange.Engine.Route,
// retried while the nodes' leaf connections come up), reports
// {"routed":true} and runs until ctx ends or in closes.
func exchangeHub(ctx context.Context, o WorkerOptions, in io.Reader, report func(workerEvent)) error {
	u, err := url.Parse(o.Hub)
	if err != nil {
		return fmt.Errorf("hub: leaf URL %q: %w", o.Hub, err)
	}
	lp, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("hub: leaf URL %q needs a port", o.Hub)
	}
	ho, err := leafnet.Hub(filepath.Clean(o.Dir))
	if err != nil {
		return err
	}
	ho.LeafNode.Port = lp
	srv, err := leafnet.Start(ho)
	if err != nil {
		return err
	}
	defer srv.Stop()
	nc, err := srv.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	report(workerEvent{Ready: true, URL: srv.URL()})
	spec, ctx, cancel, err := readSpec(ctx, in)
	if err != nil {
		return ignoreEOF(err)
	}
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if len(spec.Sides) > 0 {
		if err := routeAll(ctx, js, spec.Sides); err != nil {
			report(workerEvent{Error: err.Error()})
			return err
		}
		report(workerEvent{Routed: true})
		<-ctx.Done()
		return nil
	}
	e := exchange.New(js, exchange.Options{Link: &benchLink})
	for deadline := time.Now().Add(time.Minute); ; {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		err = e.Route(rctx, spec.Channel)
		rcancel()
		if err == nil || ctx.Err() != nil {
			break
		}
		if time.Now().After(deadline) {
			report(workerEvent{Error: err.Error()})
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
	if ctx.Err() != nil {
		return nil
	}
	report(workerEvent{Routed: true})
	<-ctx.Done()
	return nil
}
