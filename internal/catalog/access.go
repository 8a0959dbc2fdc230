package catalog

import (
	"context"

	"github.com/govshare/govshare/internal/errs"
)

// Reader is how the platform reads a mounted entry's data: the mount and,
// for a table, its datasource's driver and credentials.
type Reader struct {
	Mount  Mount
	Driver string
	DSN    string
}

// Column returns the column that holds an item.
func (r Reader) Column(item string) string {
	if c, ok := r.Mount.Columns[item]; ok && c != "" {
		return c
	}
	return item
}

// Reader returns the first healthy mount of the given kind of an entry,
// with what is needed to read it. Callers are data paths that the sharing
// policy has already allowed; it is not for people.
func (s *Service) Reader(ctx context.Context, code, kind string) (Reader, error) {
	ms, err := s.loadMounts(ctx, code)
	if err != nil {
		return Reader{}, err
	}
	for _, m := range ms {
		if m.Kind != kind || !m.OK {
			continue
		}
		r := Reader{Mount: m}
		if kind == MountTable {
			var d Datasource
			if err := s.db.QueryRow(ctx, "SELECT department_id, driver, dsn FROM catalog_datasources WHERE id = ?", m.DatasourceID).Scan(&d.DepartmentID, &d.Driver, &d.DSN); err != nil {
				return r, err
			}
			if r.DSN, err = s.Secrets.Open(d.DSN); err != nil {
				return r, errs.Wrap(err, errs.Internal, "the credentials of datasource %s cannot be read", m.DatasourceName)
			}
			// Checked again: the folder or the allowed hosts may have changed.
			if r.DSN, err = s.checkDatasource(ctx, d.DepartmentID, d.Driver, r.DSN); err != nil {
				return r, err
			}
			r.Driver = d.Driver
		}
		return r, nil
	}
	return Reader{}, errs.New(errs.Unavailable, msgNoWorkingMount, code, MountKinds.Arg(kind))
}
