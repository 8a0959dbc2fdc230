package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Datasource is a department's database that entries are mounted to. Until
// front-end nodes hold them, datasources are registered on the platform; the
// DSN is write-only through the API.
type Datasource struct {
	ID             int64     `json:"id" readOnly:"true"`
	DepartmentID   int64     `json:"department_id,omitempty" doc:"Defaults to the caller's department"`
	DepartmentName string    `json:"department_name,omitempty" readOnly:"true"`
	Name           string    `json:"name" maxLength:"50"`
	Driver         string    `json:"driver" enum:"postgres,mysql,sqlite"`
	DSN            string    `json:"dsn,omitempty" writeOnly:"true" maxLength:"1000" doc:"Connection string; never returned. Rebuilt from an allow-list of parameters per driver, any other parameter is refused by name. mysql: user:pw@tcp(host:3306)/db with charset, collation, parseTime, loc, time_zone, timeout, readTimeout, writeTimeout, tls (true, false, skip-verify, preferred), interpolateParams, maxAllowedPacket, allowNativePasswords (never allowAllFiles). postgres: URL or key=value with host, port, user, password, dbname, sslmode, connect_timeout, application_name, search_path, target_session_attrs (never sslkey, sslcert, sslrootcert, sslcrl, sslpassword, passfile, service, servicefile, nor a socket host). The host must be allowed by the datasource-hosts setting. sqlite: a file in DATA-DIR/datasources/<the department's credit code>/"`
	CreatedAt      time.Time `json:"created_at,omitzero" readOnly:"true"`
}

// Mount kinds (挂接资源类型).
const (
	MountTable = "table"
	MountAPI   = "api"
	MountFile  = "file"
)

// Mount binds an entry to a real table, API or file set.
type Mount struct {
	ID             int64             `json:"id" readOnly:"true"`
	Code           string            `json:"code" readOnly:"true"`
	Kind           string            `json:"kind" enum:"table,api,file"`
	DatasourceID   int64             `json:"datasource_id,omitempty" doc:"For a table"`
	DatasourceName string            `json:"datasource_name,omitempty" readOnly:"true"`
	Table          string            `json:"table,omitempty" maxLength:"128" doc:"Table or view, for a table mount"`
	Columns        map[string]string `json:"columns,omitempty" doc:"Item identifier → column name, where they differ"`
	Method         string            `json:"method,omitempty" enum:"GET,POST," doc:"For an API mount"`
	URL            string            `json:"url,omitempty" maxLength:"500" doc:"For an API mount"`
	Params         []APIParam        `json:"params,omitempty" maxItems:"50"`
	ResponseSchema string            `json:"response_schema,omitempty" maxLength:"20000" doc:"JSON Schema of the response"`
	Paths          []string          `json:"paths,omitempty" maxItems:"100" doc:"File paths or glob patterns, for a file mount"`
	OK             bool              `json:"ok" readOnly:"true"`
	Problems       []MountProblem    `json:"problems,omitempty" readOnly:"true"`
	CheckedAt      time.Time         `json:"checked_at,omitzero" readOnly:"true"`
}

// APIParam is one parameter of a mounted API.
type APIParam struct {
	Name     string `json:"name" maxLength:"64"`
	In       string `json:"in" enum:"query,path,header,body"`
	Item     string `json:"item,omitempty" doc:"The information item it carries"`
	Required bool   `json:"required,omitempty"`
}

// MountProblem is a mismatch between an item and the live resource.
type MountProblem struct {
	Item    string            `json:"item,omitempty"`
	Column  string            `json:"column,omitempty"`
	Problem string            `json:"problem" doc:"The problem in English"`
	Texts   map[string]string `json:"texts,omitempty" doc:"The problem by language (zh-CN, en)"`
}

// mountProblem says t about item and column in every language.
func mountProblem(item, column string, t errs.Text) MountProblem {
	p := MountProblem{Item: item, Column: column, Problem: t.String(), Texts: map[string]string{}}
	for _, l := range errs.Languages {
		p.Texts[l] = t.In(l)
	}
	return p
}

// In says the problem in lang; problems recorded before they had their
// texts are said as recorded.
func (p MountProblem) In(lang string) string {
	if t, ok := p.Texts[lang]; ok {
		return t
	}
	return p.Problem
}

// mountConfig is what a mount stores besides its columns.
type mountConfig struct {
	Columns        map[string]string `json:"columns,omitempty"`
	Method         string            `json:"method,omitempty"`
	Params         []APIParam        `json:"params,omitempty"`
	ResponseSchema string            `json:"response_schema,omitempty"`
	Paths          []string          `json:"paths,omitempty"`
}

var datasourceName = regexp.MustCompile(`^[\p{Han}A-Za-z0-9_.-]{1,50}$`)

// CanManageSources reports whether p registers datasources of department
// dept: a cataloger, department admin or node operator of that department.
func CanManageSources(p org.Principal, dept int64) bool {
	return dept != 0 && p.DepartmentID == dept && (p.Can(org.EditCatalog) || p.Can(org.ManageDeptUsers) || p.Can(org.OperateNodes))
}

// CreateDatasource registers a database of the caller's department after
// connecting to it once.
func (s *Service) CreateDatasource(ctx context.Context, p org.Principal, d Datasource) (Datasource, error) {
	if d.DepartmentID == 0 {
		d.DepartmentID = p.DepartmentID
	}
	if !CanManageSources(p, d.DepartmentID) {
		return Datasource{}, s.denied(ctx, p, "datasource.create", d.Name, errs.New(errs.Forbidden, msgForbiddenSources))
	}
	f := errs.Fields{}
	if !datasourceName.MatchString(d.Name) {
		f.AddMsg("name", msgSourceName)
	}
	if d.Driver != connector.Postgres && d.Driver != connector.MySQL && d.Driver != connector.SQLite {
		f.AddMsg("driver", msgDriver)
	}
	if d.Driver == connector.SQLite && s.Replicated {
		f.AddMsg("driver", msgSQLiteReplicas)
	}
	if strings.TrimSpace(d.DSN) == "" {
		f.AddMsg("dsn", msgRequired)
	}
	if err := f.Err(); err != nil {
		return Datasource{}, err
	}
	dsn, err := s.checkDatasource(ctx, d.DepartmentID, d.Driver, d.DSN)
	if err != nil {
		return Datasource{}, s.refused(ctx, p, d.Name, err)
	}
	if d.Driver == connector.SQLite {
		if fi, err := os.Stat(dsn); err != nil || !fi.Mode().IsRegular() {
			return Datasource{}, s.refused(ctx, p, d.Name, errs.FieldMsg("dsn", msgSQLiteNoFile))
		}
	}
	d.DSN = dsn // the value checked is the value stored and opened
	src, err := connector.Open(ctx, d.Driver, d.DSN)
	if err != nil {
		return Datasource{}, s.connectFailed(ctx, p, d, err)
	}
	src.Close()
	now := s.now().UTC().Truncate(time.Microsecond)
	err = s.write(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO catalog_datasources (department_id, name, driver, dsn, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			d.DepartmentID, d.Name, d.Driver, s.Secrets.Seal(d.DSN), store.FormatTime(now)).Scan(&d.ID); err != nil {
			if store.IsUnique(err) {
				return errs.New(errs.Conflict, msgDuplicateSource, d.Name)
			}
			return err
		}
		return s.audit.Append(ctx, tx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
			Action: "datasource.create", Target: fmt.Sprintf("datasource:%d", d.ID), Outcome: audit.Success, ClientAddr: p.ClientAddr, Detail: audit.Keyed(auditSource, d.Name, d.Driver)})
	})
	d.DSN, d.CreatedAt = "", now
	return d, err
}

// Datasources lists the datasources of the caller's department (all for the
// data authority's approvers).
func (s *Service) Datasources(ctx context.Context, p org.Principal) ([]Datasource, error) {
	reviewer, err := s.isAuthorityReviewer(ctx, p)
	if err != nil {
		return nil, err
	}
	q := `SELECT s.id, s.department_id, d.name, s.name, s.driver, s.created_at FROM catalog_datasources s JOIN departments d ON d.id = s.department_id`
	args := []any{}
	if !reviewer {
		q += " WHERE s.department_id = ?"
		args = append(args, p.DepartmentID)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY d.name_key, s.name", args...)
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

// open connects to a datasource the caller's department owns.
func (s *Service) open(ctx context.Context, p org.Principal, id int64) (*connector.Source, Datasource, error) {
	return s.openAs(ctx, p, p.DepartmentID, id)
}

// openFor connects to datasource id of department dept for the platform.
func (s *Service) openFor(ctx context.Context, dept, id int64) (*connector.Source, Datasource, error) {
	return s.openAs(ctx, org.Principal{}, dept, id)
}

// openAs connects to datasource id of department dept for p.
func (s *Service) openAs(ctx context.Context, p org.Principal, dept, id int64) (*connector.Source, Datasource, error) {
	var d Datasource
	err := s.db.QueryRow(ctx, "SELECT id, department_id, name, driver, dsn FROM catalog_datasources WHERE id = ?", id).Scan(&d.ID, &d.DepartmentID, &d.Name, &d.Driver, &d.DSN)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, d, errs.New(errs.NotFound, msgSourceNotFound, id)
	}
	if err != nil {
		return nil, d, err
	}
	if d.DepartmentID != dept {
		return nil, d, errs.New(errs.Forbidden, msgForeignSource, id)
	}
	if d.DSN, err = s.Secrets.Open(d.DSN); err != nil {
		return nil, d, errs.Wrap(err, errs.Internal, "the credentials of datasource %s cannot be read", d.Name)
	}
	src, err := s.openChecked(ctx, p, d)
	if err != nil {
		return nil, d, err
	}
	return src, d, nil
}

// Tables lists the tables of a datasource, for choosing one to mount.
func (s *Service) Tables(ctx context.Context, p org.Principal, datasource int64) ([]string, error) {
	src, _, err := s.open(ctx, p, datasource)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return src.Tables(ctx)
}

// compatible lists the column types that can hold each item data type.
var compatible = map[string][]connector.Type{
	"string":         {connector.TypeString, connector.TypeText, connector.TypeJSON},
	"text":           {connector.TypeText, connector.TypeString, connector.TypeJSON},
	"integer":        {connector.TypeInteger},
	"decimal":        {connector.TypeDecimal, connector.TypeInteger},
	"high_precision": {connector.TypeDecimal},
	"currency":       {connector.TypeDecimal},
	"float":          {connector.TypeFloat, connector.TypeDecimal},
	"date":           {connector.TypeDate, connector.TypeDateTime},
	"datetime":       {connector.TypeDateTime},
	"time":           {connector.TypeTime},
	"boolean":        {connector.TypeBoolean, connector.TypeInteger},
	"binary":         {connector.TypeBinary},
}

// CheckTable compares an entry's items with a live table: a missing column,
// a column of another type, or one too short for the item is a problem.
func CheckTable(e Entry, t connector.Table, columns map[string]string) []MountProblem {
	var out []MountProblem
	for _, it := range e.Items {
		col := it.Identifier
		if c, ok := columns[it.Identifier]; ok && c != "" {
			col = c
		}
		c, ok := t.Column(col)
		if !ok {
			out = append(out, mountProblem(it.Name, col, msgNoColumn.With(t.Name, col)))
			continue
		}
		if types, known := compatible[it.DataType]; known {
			okType := false
			for _, ty := range types {
				okType = okType || ty == c.Type
			}
			if !okType {
				out = append(out, mountProblem(it.Name, col, msgColumnType.With(c.DBType, c.Type, DataTypes.Arg(it.DataType))))
				continue
			}
		}
		if it.DataType == "string" && c.Type == connector.TypeString && c.Length > 0 && it.Length > c.Length {
			out = append(out, mountProblem(it.Name, col, msgColumnLength.With(c.Length, it.Length)))
		}
	}
	for item := range columns {
		found := false
		for _, it := range e.Items {
			found = found || it.Identifier == item
		}
		if !found {
			out = append(out, mountProblem(item, "", msgMappingUnknown.With()))
		}
	}
	return out
}

// AddMount mounts an entry to a resource; for a table it checks the mapping
// against the live schema and records what does not match. The entry counts
// as mounted once it has a mount without problems.
func (s *Service) AddMount(ctx context.Context, p org.Principal, code string, m Mount) (Mount, error) {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return Mount{}, err
	}
	if !canEdit(p, h.provider) {
		return Mount{}, s.denied(ctx, p, "catalog.mount", code, errs.New(errs.Forbidden, msgForbiddenMount))
	}
	e, err := s.version(ctx, s.db, code, h.mountVersion())
	if err != nil {
		return Mount{}, err
	}
	m.Code = code
	cfg := mountConfig{Columns: m.Columns, Method: m.Method, Params: m.Params, ResponseSchema: m.ResponseSchema, Paths: m.Paths}
	target := ""
	switch m.Kind {
	case MountTable:
		if m.DatasourceID == 0 || m.Table == "" {
			return Mount{}, errs.FieldMsg("table", msgTableNeeded)
		}
		if m.Problems, m.DatasourceName, err = s.checkTable(ctx, p, e, m.DatasourceID, m.Table, m.Columns); err != nil {
			return Mount{}, err
		}
		target = m.Table
	case MountAPI:
		u, perr := url.Parse(m.URL)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Mount{}, errs.FieldMsg("url", msgAPIURL)
		}
		if u.User != nil {
			return Mount{}, errs.FieldMsg("url", msgURLCredentials)
		}
		if err := s.checkAPIHost(ctx, p, code, h.provider, u); err != nil {
			return Mount{}, err
		}
		if m.Method == "" {
			m.Method, cfg.Method = "GET", "GET"
		}
		if m.ResponseSchema != "" && !json.Valid([]byte(m.ResponseSchema)) {
			return Mount{}, errs.FieldMsg("response_schema", msgBadJSON)
		}
		for i, prm := range m.Params {
			if prm.Name == "" || utf8.RuneCountInString(prm.Name) > 64 {
				return Mount{}, errs.FieldMsg(fmt.Sprintf("params[%d].name", i), msgParamName)
			}
		}
		target = m.URL
	case MountFile:
		if len(m.Paths) == 0 {
			return Mount{}, errs.FieldMsg("paths", msgFilePaths)
		}
		target = strings.Join(m.Paths, ";")
	default:
		return Mount{}, errs.FieldMsg("kind", msgMountKind)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return Mount{}, err
	}
	report, _ := json.Marshal(m.Problems)
	m.OK, m.CheckedAt = len(m.Problems) == 0, s.now().UTC().Truncate(time.Microsecond)
	var ds sql.NullInt64
	if m.Kind == MountTable {
		ds = sql.NullInt64{Int64: m.DatasourceID, Valid: true}
	}
	err = s.write(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO catalog_mounts (code, kind, datasource_id, target, config, ok, report, checked_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, code, m.Kind, ds, target, string(body), m.OK, string(report),
			store.FormatTime(m.CheckedAt), store.FormatTime(m.CheckedAt)).Scan(&m.ID); err != nil {
			return err
		}
		if err := s.refreshMounted(ctx, tx, code); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "catalog.mount", code, audit.Keyed(auditMount, auditMountKinds.Text(m.Kind), target, checked(m.OK)))
	})
	return m, err
}

func (s *Service) checkTable(ctx context.Context, p org.Principal, e Entry, datasource int64, table string, columns map[string]string) ([]MountProblem, string, error) {
	return s.checkTableFor(ctx, e.ProviderID, e, datasource, table, columns)
}

func (s *Service) checkTableFor(ctx context.Context, dept int64, e Entry, datasource int64, table string, columns map[string]string) ([]MountProblem, string, error) {
	src, d, err := s.openFor(ctx, dept, datasource)
	if err != nil {
		return nil, "", err
	}
	defer src.Close()
	t, err := src.Table(ctx, table)
	if errors.Is(err, connector.ErrNoTable) {
		return nil, d.Name, errs.FieldMsg("table", msgNoTable, d.Name, table)
	}
	if err != nil {
		return nil, d.Name, errs.WrapMsg(err, errs.Unavailable, msgReadSchema, table)
	}
	return CheckTable(e, t, columns), d.Name, nil
}

func (s *Service) refreshMounted(ctx context.Context, tx *store.Tx, code string) error {
	if _, err := tx.Exec(ctx, "UPDATE catalog_entries SET mounted = (SELECT count(*) > 0 FROM catalog_mounts WHERE code = ? AND ok) WHERE code = ?", code, code); err != nil {
		return err
	}
	return s.touch(ctx, tx, code)
}

// Mounts lists an entry's mounts. Where the data lives (datasource, table,
// columns, URL, paths) is shown only to the provider's department and the
// authority's reviewers; others see the kinds and whether they check out.
func (s *Service) Mounts(ctx context.Context, p org.Principal, code string) ([]Mount, error) {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	details := s.seesDrafts(ctx, p, h.provider)
	if !h.current.Valid && !details {
		return nil, errs.New(errs.NotFound, msgEntryNotFound, code)
	}
	ms, err := s.loadMounts(ctx, code)
	if err != nil || details {
		return ms, err
	}
	for i, m := range ms {
		ms[i] = Mount{ID: m.ID, Code: m.Code, Kind: m.Kind, OK: m.OK, CheckedAt: m.CheckedAt}
	}
	return ms, nil
}

// loadMounts reads an entry's mounts with every detail.
func (s *Service) loadMounts(ctx context.Context, code string) ([]Mount, error) {
	rows, err := s.db.Query(ctx, `SELECT m.id, m.kind, COALESCE(m.datasource_id, 0), COALESCE(s.name, ''), m.target, m.config, m.ok, m.report, m.checked_at
		FROM catalog_mounts m LEFT JOIN catalog_datasources s ON s.id = m.datasource_id WHERE m.code = ? ORDER BY m.id`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mount
	for rows.Next() {
		m := Mount{Code: code}
		var target, config, report, checked string
		if err := rows.Scan(&m.ID, &m.Kind, &m.DatasourceID, &m.DatasourceName, &target, &config, &m.OK, &report, &checked); err != nil {
			return nil, err
		}
		var cfg mountConfig
		json.Unmarshal([]byte(config), &cfg)
		json.Unmarshal([]byte(report), &m.Problems)
		m.Columns, m.Method, m.Params, m.ResponseSchema, m.Paths = cfg.Columns, cfg.Method, cfg.Params, cfg.ResponseSchema, cfg.Paths
		switch m.Kind {
		case MountTable:
			m.Table = target
		case MountAPI:
			m.URL = target
		}
		m.CheckedAt, _ = store.ParseTime(checked)
		out = append(out, m)
	}
	return out, rows.Err()
}

// RecheckMount checks a table mount against the live schema again.
func (s *Service) RecheckMount(ctx context.Context, p org.Principal, code string, id int64) (Mount, error) {
	ms, err := s.Mounts(ctx, p, code)
	if err != nil {
		return Mount{}, err
	}
	var m *Mount
	for i := range ms {
		if ms[i].ID == id {
			m = &ms[i]
		}
	}
	if m == nil {
		return Mount{}, errs.New(errs.NotFound, msgMountNotFound, id, code)
	}
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return Mount{}, err
	}
	if !canEdit(p, h.provider) {
		return Mount{}, s.denied(ctx, p, "catalog.mount", code, errs.New(errs.Forbidden, msgForbiddenCheck))
	}
	if m.Kind != MountTable {
		return *m, nil
	}
	e, err := s.version(ctx, s.db, code, h.mountVersion())
	if err != nil {
		return Mount{}, err
	}
	if m.Problems, _, err = s.checkTable(ctx, p, e, m.DatasourceID, m.Table, m.Columns); err != nil {
		return Mount{}, err
	}
	report, _ := json.Marshal(m.Problems)
	m.OK, m.CheckedAt = len(m.Problems) == 0, s.now().UTC().Truncate(time.Microsecond)
	err = s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE catalog_mounts SET ok = ?, report = ?, checked_at = ? WHERE id = ?", m.OK, string(report), store.FormatTime(m.CheckedAt), id); err != nil {
			return err
		}
		if err := s.refreshMounted(ctx, tx, code); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "catalog.mount_check", code, audit.Keyed(auditMountCheck, id, checked(m.OK)))
	})
	return *m, err
}

// recheckTables checks an entry's table mounts against the version now in
// force (run after publishing: a new version may add columns).
func (s *Service) recheckTables(ctx context.Context, code string) error {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return err
	}
	e, err := s.version(ctx, s.db, code, h.mountVersion())
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, "SELECT id, datasource_id, target, config FROM catalog_mounts WHERE code = ? AND kind = ?", code, MountTable)
	if err != nil {
		return err
	}
	type mount struct {
		id, ds        int64
		table, config string
	}
	var ms []mount
	for rows.Next() {
		var m mount
		if err := rows.Scan(&m.id, &m.ds, &m.table, &m.config); err != nil {
			rows.Close()
			return err
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ms) == 0 {
		return err
	}
	for _, m := range ms {
		var cfg mountConfig
		json.Unmarshal([]byte(m.config), &cfg)
		problems, _, err := s.checkTableFor(ctx, h.provider, e, m.ds, m.table, cfg.Columns)
		if err != nil {
			problems = []MountProblem{mountProblem("", "", msgCannotCheck.With(errs.TextOf(err)))}
		}
		report, _ := json.Marshal(problems)
		if err := s.write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE catalog_mounts SET ok = ?, report = ?, checked_at = ? WHERE id = ?", len(problems) == 0, string(report), s.nowText(), m.id); err != nil {
				return err
			}
			return s.refreshMounted(ctx, tx, code)
		}); err != nil {
			return err
		}
	}
	return nil
}

// RemoveMount deletes a mount.
func (s *Service) RemoveMount(ctx context.Context, p org.Principal, code string, id int64) error {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return err
	}
	if !canEdit(p, h.provider) {
		return s.denied(ctx, p, "catalog.unmount", code, errs.New(errs.Forbidden, msgForbiddenUnmount))
	}
	return s.write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM catalog_mounts WHERE id = ? AND code = ?", id, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, msgMountNotFound, id, code)
		}
		if err := s.refreshMounted(ctx, tx, code); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "catalog.unmount", code, audit.Keyed(auditUnmount, id))
	})
}

// DepartmentCount is the published and mounted entries of one department.
type DepartmentCount struct {
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	Entries      int    `json:"entries"`
	Published    int    `json:"published"`
	Mounted      int    `json:"mounted" doc:"Published entries that are mounted"`
}

// Counts returns per-department counts and the city's total.
func (s *Service) Counts(ctx context.Context) ([]DepartmentCount, DepartmentCount, error) {
	rows, err := s.db.Query(ctx, `SELECT d.id, d.name, count(e.id), count(e.id) FILTER (WHERE e.published), count(e.id) FILTER (WHERE e.published AND e.mounted)
		FROM departments d LEFT JOIN catalog_entries e ON e.provider_id = d.id GROUP BY d.id, d.name, d.name_key ORDER BY d.name_key`)
	if err != nil {
		return nil, DepartmentCount{}, err
	}
	defer rows.Close()
	var out []DepartmentCount
	total := DepartmentCount{Department: "合计"}
	for rows.Next() {
		var c DepartmentCount
		if err := rows.Scan(&c.DepartmentID, &c.Department, &c.Entries, &c.Published, &c.Mounted); err != nil {
			return nil, total, err
		}
		total.Entries, total.Published, total.Mounted = total.Entries+c.Entries, total.Published+c.Published, total.Mounted+c.Mounted
		out = append(out, c)
	}
	return out, total, rows.Err()
}
