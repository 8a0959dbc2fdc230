package app

import (
	"context"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/org"
)

// Licence feeds (证照汇聚): a channel whose target is the datasource
// licence.LibraryDatasource applies to the licence library, on the basis the
// channel records (an aggregation mandate, checked again at each start).

// withLibrary is r that also resolves the licence library as a channel's
// target.
func (p *platform) withLibrary(r exchange.Resolver) exchange.Resolver {
	return exchange.WithTarget(r, licence.LibraryDatasource, licence.LibraryStore, func(ctx context.Context, dept int64, table string) error {
		return p.licences.AcceptTarget(ctx, dept, table)
	})
}

// libraryTargets are the exchange's platform stores: the licence library.
func (p *platform) libraryTargets() map[string]exchange.OpenTarget {
	return map[string]exchange.OpenTarget{licence.LibraryStore: func(ctx context.Context, channel, table string, schema connector.Table) (exchange.Target, error) {
		t, err := p.licences.OpenFeed(ctx, channel, table, schema)
		if err != nil {
			return nil, err
		}
		return t, nil
	}}
}

// wireLicenceFeeds tells the library the basis and the state of its feeds'
// channels.
func (p *platform) wireLicenceFeeds() {
	p.licences.Basis = func(ctx context.Context, channel string) (licence.FeedBasis, error) {
		c, err := p.channels.Channel(ctx, org.System, channel)
		if err != nil {
			return licence.FeedBasis{}, err
		}
		b := licence.FeedBasis{Channel: c.ID, Name: c.Name, MandateID: c.MandateID, ProviderID: c.ProviderID, ConsumerID: c.ConsumerID, Type: c.Target.Table}
		if c.Target.Datasource != licence.LibraryDatasource || c.Target.NodeID != "" {
			b.MandateID = 0 // not a feed of the library
		}
		if c.MandateID != 0 {
			// The mandate must still be confirmed and aggregate into its authority.
			if _, err := p.mandates.Shape(ctx, c.MandateID, c.ConsumerID); err != nil {
				return licence.FeedBasis{}, err
			}
		}
		return b, nil
	}
	p.licences.ChannelState = func(ctx context.Context, channel string) (string, string) {
		c, err := p.channels.Channel(ctx, org.System, channel)
		if err != nil {
			return "", ""
		}
		if c.Stats.Running && c.State == exchange.ChannelActive {
			return "running", c.Stats.LastError
		}
		return c.State, c.Stats.LastError
	}
}
