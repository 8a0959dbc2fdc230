package sharing

import (
	"context"
	"fmt"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
)

// TableDelivery delivers table grants through exchange channels: approving
// creates the channel from the entry's mounted table to the consumer's
// target, revoking or expiring stops it, and every batch the channel sends
// is shaped by the policy check (granted columns, masking, row filter).
type TableDelivery struct {
	Sharing  *Service
	Channels *exchange.Manager
	// NodeSource, when set, answers where the provider keeps the grant's
	// table on one of its front-end nodes (前置机); the channel then reads
	// it there in place of the entry's mounted table. The demo sets it for
	// its police bureau's node; nil: always the mounted table.
	NodeSource func(ctx context.Context, g Grant) (exchange.TableRef, bool)
}

// Start creates the grant's channel.
func (d TableDelivery) Start(ctx context.Context, g Grant) (string, error) {
	if g.Target == nil {
		return "", fmt.Errorf("grant %d has no target table", g.ID)
	}
	r, err := d.Sharing.cat.Reader(ctx, g.EntryCode, catalog.MountTable)
	if err != nil {
		return "", err
	}
	e, err := d.Sharing.cat.Get(ctx, org.System, g.EntryCode, false)
	if err != nil {
		return "", err
	}
	in := exchange.ChannelInput{Name: fmt.Sprintf("授权%d %s", g.ID, e.Name), ProviderID: g.ProviderID, ConsumerID: g.ConsumerID,
		Source: exchange.TableRef{Datasource: r.Mount.DatasourceName, Table: r.Mount.Table},
		Target: exchange.TableRef{NodeID: g.Target.Node, Datasource: g.Target.Datasource, Table: g.Target.Table},
		Mode:   exchange.Full, Schedule: "0 2 * * *", GrantID: g.ID}
	if d.NodeSource != nil {
		if ref, ok := d.NodeSource(ctx, g); ok {
			in.Source = ref
		}
	}
	for _, it := range e.Items {
		if it.Timestamp {
			in.Mode, in.Schedule, in.Watermark = exchange.FullThenIncremental, "continuous", r.Column(it.Identifier)
		}
	}
	c, err := d.Channels.Create(ctx, org.System, in)
	if err != nil {
		return "", err
	}
	if in.Mode == exchange.Full { // the consumer gets the data now, not at the first scheduled run
		if _, err := d.Channels.Run(ctx, org.System, c.ID); err != nil {
			return c.ID, err
		}
	}
	return c.ID, nil
}

// Stop stops the grant's channels.
func (d TableDelivery) Stop(ctx context.Context, g Grant, reason string) error {
	ids, err := d.Channels.ChannelsOfGrant(ctx, g.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := d.Channels.Stop(ctx, org.System, id, reason); err != nil {
			return err
		}
	}
	return nil
}

// Shape answers what grant's channel may deliver now, through the policy
// check: it fails once the grant is revoked or expired.
func (d TableDelivery) Shape(ctx context.Context, grant, consumer int64) (*exchange.Shape, error) {
	g, err := d.Sharing.grantByID(ctx, grant)
	if err != nil {
		return nil, err
	}
	dec, err := d.Sharing.Check(ctx, Access{Path: PathExchange, Department: consumer, Actor: fmt.Sprintf("channel of grant %d", grant),
		Code: g.EntryCode, GrantID: grant})
	if err != nil {
		return nil, err
	}
	r, err := d.Sharing.cat.Reader(ctx, g.EntryCode, catalog.MountTable)
	if err != nil {
		return nil, err
	}
	delivered := map[string]string{}
	for _, id := range dec.Items {
		delivered[id] = dec.Masking[id]
	}
	sh := ItemsShape(r, dec.Entry.Items, delivered)
	sh.HashKey = dec.HashKey
	for _, c := range dec.Filter {
		sh.Filter = append(sh.Filter, exchange.RowCondition{Column: r.Column(c.Item), Op: c.Op, Values: c.Values})
	}
	return sh, nil
}

// ItemsShape is the shape of a channel that delivers some of an entry's
// items read through r: delivered maps each delivered item to its masking
// rule ("" or mask.None: in clear). The entry's key items travel too, so
// that rows stay distinct: hashed when they are not delivered or would be
// partly masked. A grant's channel and an aggregation mandate's channel are
// shaped by it alike.
func ItemsShape(r catalog.Reader, items []catalog.Item, delivered map[string]string) *exchange.Shape {
	sh := &exchange.Shape{Mask: map[string]string{}}
	for _, it := range items {
		col := r.Column(it.Identifier)
		rule, granted := delivered[it.Identifier]
		if !granted && !it.Key {
			continue
		}
		sh.Columns = append(sh.Columns, col)
		if !granted {
			rule = mask.Hash // a key outside the grant travels hashed, so rows stay distinct
		}
		if it.Key && mask.Level(rule) == 1 {
			rule = mask.Hash // a partly masked key would make distinct rows collide
		}
		if rule != "" && rule != mask.None {
			sh.Mask[col] = rule
		}
	}
	return sh
}
