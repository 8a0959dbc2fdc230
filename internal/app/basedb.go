package app

import (
	"context"
	"io"
	"time"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/demo"
)

// newBaseDB returns the base databases' service with the population schema.
func (p *platform) newBaseDB() *basedb.Service {
	svc := basedb.NewService(p.db, p.audit, p.org)
	svc.Register(basedb.Population())
	return svc
}

// runBaseDB builds the demo population when asked (in the background, so
// the console opens at once; its line says when it is ready), then merges
// the base databases every minute.
func (p *platform) runBaseDB(ctx context.Context, withDemo bool, out io.Writer) {
	if withDemo && p.cfg.DemoPeople > 0 {
		if err := demo.LoadPopulation(ctx, p.basedb, p.org, p.cfg.DemoPeople, out); err != nil && ctx.Err() == nil {
			p.log.Error("demo population", "err", err)
		}
	}
	p.basedb.Run(ctx, time.Minute, p.log)
}
