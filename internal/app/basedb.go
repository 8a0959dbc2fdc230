package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/pdfdoc"
)

// newBaseDB returns the base databases' service with the population, legal
// entity and credit schemas.
func (p *platform) newBaseDB() *basedb.Service {
	svc := basedb.NewService(p.db, p.audit, p.org)
	svc.Register(basedb.Population())
	svc.Register(basedb.LegalEntities())
	svc.Register(basedb.Credit())
	// A source bound to an aggregation mandate is read from the table the
	// mandate's channel delivers into, in the data authority's datasource on
	// the platform; a mandate not confirmed, or delivering to a front-end
	// node, is not read.
	svc.SetDeliveries(func(ctx context.Context, id int64) (basedb.Delivery, error) {
		m, err := p.mandates.Delivery(ctx, id)
		if err != nil {
			return basedb.Delivery{}, err
		}
		if m.State != aggregation.Confirmed || m.Target.NodeID != "" {
			return basedb.Delivery{}, fmt.Errorf("mandate %d: %s, target node %q", id, m.State, m.Target.NodeID)
		}
		driver, dsn, err := p.catalog.DatasourceByName(ctx, m.AuthorityID, m.Target.Datasource)
		if err != nil {
			return basedb.Delivery{}, err
		}
		return basedb.Delivery{Driver: driver, DSN: dsn, Table: m.Target.Table}, nil
	})
	svc.SetFonts(&pdfdoc.Loader{Dir: p.cfg.PDFFonts})
	svc.SetMandates(func(ctx context.Context, id int64) (basedb.MandateInfo, error) {
		m, err := p.mandates.Delivery(ctx, id)
		if err != nil {
			return basedb.MandateInfo{}, err
		}
		return basedb.MandateInfo{Provider: m.ProviderID, Confirmed: m.State == aggregation.Confirmed}, nil
	})
	return svc
}

// runBaseDB builds the demo population when asked (in the background, so
// the console opens at once; its line says when it is ready), then merges
// the base databases every minute.
func (p *platform) runBaseDB(ctx context.Context, withDemo bool, out io.Writer) {
	if withDemo && p.cfg.DemoPeople > 0 {
		// The companies first: they are few, and show at once.
		if err := demo.LoadEntities(ctx, p.basedb, p.org, max(p.cfg.DemoPeople*demo.Companies/demo.People, 100), out); err != nil && ctx.Err() == nil {
			p.log.Error("demo legal entities", "err", err)
		}
		if err := demo.LoadPopulation(ctx, p.basedb, p.org, p.cfg.DemoPeople, out); err != nil && ctx.Err() == nil {
			p.log.Error("demo population", "err", err)
		}
	}
	p.basedb.Run(ctx, time.Minute, p.log)
}
