package catalog

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// A datasource registered on the platform is reached from the platform's
// own machine, so what a department may name is limited there:
//
//   - its DSN is rebuilt by connector.NormalizeDSN (allow-listed parameters
//     only) and the rebuilt DSN is what is stored and opened;
//   - a SQLite file must lie in the department's own folder,
//     SQLiteRoot/<credit code>/, after the path is normalised once
//     (file:, sqlite://, .., symbolic links); the same value is checked,
//     stored and opened, and checked again at every open;
//   - a postgres or mysql host must be allowed by Hosts (--datasource-hosts)
//     before anything connects;
//   - a failed connection answers one message, whatever the cause; the
//     cause goes to the log and to an audit entry.

var (
	msgSQLiteFolder = errs.Define("catalog.datasource.sqlite_folder",
		"a SQLite datasource of this department must lie in its folder %s",
		"本部门的 SQLite 数据源必须位于其文件夹 %s 中")
	msgSQLiteNoFile = errs.Define("catalog.datasource.sqlite_no_file",
		"no such SQLite file in the department's folder",
		"本部门文件夹中没有这个 SQLite 文件")
	msgSQLiteOff = errs.Define("catalog.datasource.sqlite_off",
		"this platform accepts no SQLite datasources",
		"本平台不接受 SQLite 数据源")
	msgSQLiteReplicas = errs.Define("catalog.datasource.sqlite_replicas",
		"this platform runs as replicas, which cannot share a SQLite file: register a PostgreSQL or MySQL datasource, or mount the table on the department's front-end node",
		"本平台以多副本运行，各副本无法共用 SQLite 文件：请登记 PostgreSQL 或 MySQL 数据源，或在本部门前置机上挂接该表")
	msgAPIHostOther = errs.Define("catalog.mount.api_host_other",
		"the platform calls this host directly for another department only (setting api-direct-hosts); mount an API of your department, or reach it through your front-end node",
		"平台只为其他部门直接调用该主机（设置项 api-direct-hosts）；请挂接本部门的接口，或经本部门前置机访问")
	msgConnect = errs.Define("catalog.datasource.connect",
		"cannot connect to the datasource; the platform admin can see why in the log",
		"无法连接数据源；平台管理员可在日志中查看原因")
)

// SQLiteFolder is the folder where department dept (by its unified social
// credit code) keeps its SQLite datasources: SQLiteRoot/<credit code>.
func (s *Service) SQLiteFolder(ctx context.Context, dept int64) (string, error) {
	if s.SQLiteRoot == "" {
		return "", errs.FieldMsg("dsn", msgSQLiteOff)
	}
	d, err := s.org.Department(ctx, dept)
	if err != nil {
		return "", err
	}
	if d.CreditCode == "" || strings.ContainsAny(d.CreditCode, `/\.`) {
		return "", errs.FieldMsg("dsn", msgSQLiteOff)
	}
	root, err := connector.NormalizeSQLitePath(s.SQLiteRoot)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, d.CreditCode), nil
}

// checkDatasource normalises a datasource's DSN and checks it for
// department dept: the SQLite folder, or the host. It returns the DSN to
// store and to open. It does not connect.
func (s *Service) checkDatasource(ctx context.Context, dept int64, driver, dsn string) (string, error) {
	norm, err := connector.NormalizeDSN(driver, dsn)
	if err != nil {
		return "", err
	}
	if driver != connector.SQLite {
		return norm, s.Hosts.Check(ctx, driver, norm)
	}
	folder, err := s.SQLiteFolder(ctx, dept)
	if err != nil {
		return "", err
	}
	if !connector.InFolder(folder, norm) {
		return "", errs.FieldMsg("dsn", msgSQLiteFolder, folder)
	}
	return norm, nil
}

// openChecked checks a stored datasource again and connects to it. A
// failed connection is logged and audited with its cause and answered with
// msgConnect only, so that the answer does not tell an open port from a
// closed one.
func (s *Service) openChecked(ctx context.Context, p org.Principal, d Datasource) (*connector.Source, error) {
	dsn, err := s.checkDatasource(ctx, d.DepartmentID, d.Driver, d.DSN)
	if err != nil {
		return nil, err
	}
	src, err := connector.Open(ctx, d.Driver, dsn)
	if err != nil {
		return nil, s.connectFailed(ctx, p, d, err)
	}
	return src, nil
}

// connectFailed logs and audits why a datasource did not answer and returns
// the one message callers get.
func (s *Service) connectFailed(ctx context.Context, p org.Principal, d Datasource, cause error) error {
	target := fmt.Sprintf("datasource:%d", d.ID)
	if d.ID == 0 {
		target = "datasource:" + d.Name
	}
	s.logger().Warn("datasource connection failed", "datasource", d.Name, "department_id", d.DepartmentID, "driver", d.Driver, "err", cause)
	e := org.Entry(p, "datasource.connect", target, audit.Failure, audit.Keyed(auditConnect, d.Name, d.Driver, cause.Error()))
	if p.UserID == 0 {
		e.Actor, e.DepartmentID = "system", d.DepartmentID
	}
	if err := s.audit.Record(ctx, e); err != nil {
		s.logger().Error("audit a failed datasource connection", "err", err)
	}
	fe := errs.FieldMsg("dsn", msgConnect)
	fe.Err = cause
	return fe
}

// refused audits a person's datasource registration that the rules refused.
func (s *Service) refused(ctx context.Context, p org.Principal, name string, err error) error {
	if rerr := s.audit.Record(ctx, org.Entry(p, "datasource.create", "datasource:"+name, audit.Denied, org.DenialDetail(err))); rerr != nil {
		s.logger().Error("audit a refused datasource", "err", rerr)
	}
	return err
}

// DepartmentCode returns the unified social credit code of department dept,
// which settings such as --api-direct-hosts name departments by.
func (s *Service) DepartmentCode(ctx context.Context, dept int64) (string, error) {
	d, err := s.org.Department(ctx, dept)
	if err != nil {
		return "", err
	}
	return d.CreditCode, nil
}

// checkAPIHost refuses an API mount of department provider on a host that
// --api-direct-hosts allows for other departments only: the platform would
// otherwise call another department's API on this mount's behalf.
func (s *Service) checkAPIHost(ctx context.Context, p org.Principal, code string, provider int64, u *url.URL) error {
	if s.APIHostOwners == nil {
		return nil
	}
	owners := s.APIHostOwners(u)
	if len(owners) == 0 {
		return nil
	}
	mine, err := s.DepartmentCode(ctx, provider)
	if err != nil {
		return err
	}
	if slices.Contains(owners, mine) {
		return nil
	}
	err = errs.FieldMsg("url", msgAPIHostOther)
	if rerr := s.audit.Record(ctx, org.Entry(p, "catalog.mount", "catalog:"+code, audit.Denied, audit.Keyed(auditRefusedHost, errs.TextOf(err), u.Host))); rerr != nil {
		return rerr
	}
	return err
}
