package app

import (
	"context"
	"fmt"
	"io"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/geo"
)

// newGeo returns the geospatial layers' service, reading under the sharing
// service's grants.
func (p *platform) newGeo() *geo.Service {
	return geo.NewService(p.db, p.audit, p.org, p.sharing)
}

// loadDemoGeo builds the demo city's layers once the demo's departments
// and catalog exist.
func (p *platform) loadDemoGeo(ctx context.Context, svc demo.Services, out io.Writer) error {
	if err := demo.LoadGeo(ctx, p.geo, svc, out); err != nil {
		return fmt.Errorf("demo map: %w", err)
	}
	return nil
}
