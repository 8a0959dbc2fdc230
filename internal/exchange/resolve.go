package exchange

import (
	"context"

	"github.com/govshare/govshare/internal/errs"
)

// TableRef names a table as a channel's source or target: a datasource of
// the channel's providing (source) or consuming (target) department, on a
// front-end node or, with no node, registered on the platform.
type TableRef struct {
	NodeID     string `json:"node_id,omitempty" maxLength:"64" doc:"Front-end node (前置机) that holds the datasource, by its number; empty: a datasource registered on the platform"`
	Datasource string `json:"datasource" minLength:"1" maxLength:"50" doc:"Datasource name, as its department registered it"`
	Table      string `json:"table" minLength:"1" maxLength:"128" doc:"Table name"`
}

// Resolver turns a channel's table reference into what connector.Open
// takes. dept is the department that must own the datasource.
type Resolver interface {
	Resolve(ctx context.Context, dept int64, ref TableRef) (driver, dsn string, err error)
}

// Datasources finds a platform-registered datasource by department and
// name; catalog.Service implements it.
type Datasources interface {
	DatasourceByName(ctx context.Context, dept int64, name string) (driver, dsn string, err error)
}

// PlatformResolver resolves datasources registered on the platform and
// refuses node-hosted ones; NodeResolver accepts those too.
func PlatformResolver(ds Datasources) Resolver { return platformResolver{ds} }

type platformResolver struct{ ds Datasources }

func (r platformResolver) Resolve(ctx context.Context, dept int64, ref TableRef) (string, string, error) {
	if ref.NodeID != "" {
		return "", "", errs.New(errs.NotFound, msgNodesLater, ref.NodeID)
	}
	return r.ds.DatasourceByName(ctx, dept, ref.Datasource)
}
