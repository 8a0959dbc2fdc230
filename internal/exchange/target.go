package exchange

import (
	"context"
	"fmt"

	"github.com/govshare/govshare/internal/connector"
)

// TargetDriver is the driver of a channel whose target is not a table of a
// datasource but a store the platform keeps itself (a Target), such as the
// licence library (电子证照库); the channel's target DSN names the store
// among Options.Targets, its target table what the store makes of it (the
// library: a licence type).
const TargetDriver = "platform"

// Target is a platform store a channel applies its batches to. Like
// connector.Sink, it records the batch's sequence in the same transaction
// as what the batch changed, so a redelivered batch changes nothing
// (applied false), and it answers the last sequence applied.
type Target interface {
	Checkpoint(ctx context.Context, channel string) (int64, error)
	ApplyRange(ctx context.Context, channel string, seq int64, rows, deletes [][]any, r *connector.Range) (applied bool, err error)
	ApplyFull(ctx context.Context, channel string, seq int64, rows, deletes [][]any, r *connector.Range) (applied bool, err error)
}

// OpenTarget opens a platform store for one channel's batches of a schema
// (the shaped source table). A *connector.SchemaError pauses the channel
// with the differences, as a target table that cannot hold the rows does.
type OpenTarget func(ctx context.Context, channel, table string, schema connector.Table) (Target, error)

func (e *Engine) openTarget(ctx context.Context, ch Channel, schema connector.Table) (Target, error) {
	open, ok := e.o.Targets[ch.Target.DSN]
	if !ok {
		return nil, fmt.Errorf("exchange: channel %q: no platform store %q", ch.ID, ch.Target.DSN)
	}
	return open(ctx, ch.ID, ch.Target.Table, schema)
}

// WithTarget is r that also resolves, for a consuming department that
// accept lets, the platform store named store by the datasource name
// datasource (with no node): a channel's target there is that store, its
// table what accept checked.
func WithTarget(r Resolver, datasource, store string, accept func(ctx context.Context, dept int64, table string) error) Resolver {
	return &targetResolver{Resolver: r, datasource: datasource, store: store, accept: accept}
}

type targetResolver struct {
	Resolver
	datasource, store string
	accept            func(ctx context.Context, dept int64, table string) error
}

func (t *targetResolver) Resolve(ctx context.Context, dept int64, ref TableRef) (string, string, error) {
	if ref.NodeID != "" || ref.Datasource != t.datasource {
		return t.Resolver.Resolve(ctx, dept, ref)
	}
	if err := t.accept(ctx, dept, ref.Table); err != nil {
		return "", "", err
	}
	return TargetDriver, t.store, nil
}

// Nodes is the wrapped resolver's node registry, if it has one.
func (t *targetResolver) Nodes() Nodes {
	if nr, ok := t.Resolver.(interface{ Nodes() Nodes }); ok {
		return nr.Nodes()
	}
	return nil
}
