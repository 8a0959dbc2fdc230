package catalog

import (
	"context"
	"database/sql"
	"errors"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// DatasourceByName returns the driver and the unsealed DSN of department
// dept's datasource called name, for the exchange to connect with. It does
// no permission check: the caller (the exchange, acting for a channel it
// has authorised) decides who may use it, and the DSN never leaves the
// platform.
func (s *Service) DatasourceByName(ctx context.Context, dept int64, name string) (driver, dsn string, err error) {
	var sealed string
	err = s.db.QueryRow(ctx, "SELECT driver, dsn FROM catalog_datasources WHERE department_id = ? AND name = ?", dept, name).Scan(&driver, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errs.New(errs.NotFound, msgSourceNamed, name)
	}
	if err != nil {
		return "", "", err
	}
	if dsn, err = s.Secrets.Open(sealed); err != nil {
		return "", "", errs.Wrap(err, errs.Internal, "the credentials of datasource %s cannot be read", name)
	}
	// Checked again: the folder or the allowed hosts may have changed.
	if dsn, err = s.checkDatasource(ctx, dept, driver, dsn); err != nil {
		return "", "", err
	}
	return driver, dsn, nil
}

// AllDatasources lists every department's datasources, without their DSNs,
// for choosing the source and target of an exchange channel. The caller
// decides who may see the list.
func (s *Service) AllDatasources(ctx context.Context) ([]Datasource, error) {
	rows, err := s.db.Query(ctx, `SELECT s.id, s.department_id, d.name, s.name, s.driver, s.created_at FROM catalog_datasources s
		JOIN departments d ON d.id = s.department_id ORDER BY d.name_key, s.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Datasource
	for rows.Next() {
		var d Datasource
		var created string
		if err := rows.Scan(&d.ID, &d.DepartmentID, &d.DepartmentName, &d.Name, &d.Driver, &created); err != nil {
			return nil, err
		}
		d.CreatedAt, _ = store.ParseTime(created)
		out = append(out, d)
	}
	return out, rows.Err()
}
