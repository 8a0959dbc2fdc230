package catalog

import (
	"context"
	"database/sql"
	"errors"

	"github.com/govshare/govshare/internal/errs"
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
		return "", "", errs.E(errs.NotFound, "the department has no datasource named %q", name)
	}
	if err != nil {
		return "", "", err
	}
	if dsn, err = s.Secrets.Open(sealed); err != nil {
		return "", "", errs.Wrap(err, errs.Internal, "the credentials of datasource %s cannot be read", name)
	}
	return driver, dsn, nil
}
