package connector

import (
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/govshare/govshare/internal/errs"
)

// DSNs come from outside: a cataloger types one in, a node operator writes
// one into node.yaml. A database driver reads many of its parameters as
// instructions to the machine that connects (go-sql-driver's allowAllFiles
// sends any local file to a server that asks for LOCAL INFILE; libpq's and
// pgx's sslkey, passfile, service read the platform's files). NormalizeDSN
// therefore parses a DSN and rebuilds it from an allow-list of parameters
// per driver; anything else is refused with the parameter's name. Open
// calls it for every caller, so no path reaches a driver with a DSN as typed.

// MySQLParams are the parameters a MySQL DSN may carry. Everything else is
// refused: allowAllFiles (LOCAL INFILE of any file), multiStatements,
// allowCleartextPasswords, allowFallbackToPlaintext, allowOldPasswords,
// columnsWithAlias and clientFoundRows (they change what the connector
// reads), serverPubKey and custom tls names (registered configurations of
// the platform), connectionAttributes, and any system variable but
// time_zone.
var MySQLParams = []string{"charset", "collation", "parseTime", "loc", "time_zone", "timeout", "readTimeout",
	"writeTimeout", "tls", "interpolateParams", "maxAllowedPacket", "allowNativePasswords"}

// mysqlTLS are the tls values allowed: no name of a registered configuration.
var mysqlTLS = []string{"true", "false", "skip-verify", "preferred"}

// PostgresParams are the parameters a PostgreSQL DSN may carry besides
// host, port, user, password and dbname. Parameters naming a local file
// (PostgresFileParams) and any other parameter are refused.
var PostgresParams = []string{"sslmode", "connect_timeout", "application_name", "search_path", "target_session_attrs"}

// PostgresFileParams are the PostgreSQL parameters that make the
// connecting machine read a file of its own; they are always refused.
var PostgresFileParams = []string{"sslkey", "sslcert", "sslrootcert", "sslcrl", "sslcrldir", "sslpassword",
	"passfile", "service", "servicefile", "krbsrvname", "gsslib", "requiressl"}

var pgSSLModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

var pgSessionAttrs = []string{"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}

var (
	msgNegativeOffset  = errs.Define("connector.query.negative_offset", "negative offset %d", "偏移量 %d 为负数")
	msgNoSelectColumn  = errs.Define("connector.query.no_select_column", "no column %q to select", "没有可选取的列“%s”")
	msgNoFilterColumn  = errs.Define("connector.query.no_filter_column", "no column %q to filter on", "没有可筛选的列“%s”")
	msgNoOrderColumn   = errs.Define("connector.query.no_order_column", "no column %q to order by", "没有可排序的列“%s”")
	msgDSNParamRefused = errs.Define("connector.dsn.param_refused",
		"parameter %s is not allowed in a %s DSN (allowed: %s)",
		"%[2]s 连接串中不允许参数 %[1]s（允许的参数：%[3]s）")
	msgDSNFileParam = errs.Define("connector.dsn.file_param",
		"parameter %s is not allowed in a %s DSN: it makes the platform read a file of its own",
		"%[2]s 连接串中不允许参数 %[1]s：它会让平台读取自己的文件")
	msgDSNParamValue = errs.Define("connector.dsn.param_value",
		"parameter %s of a %s DSN must be one of %s",
		"%[2]s 连接串的参数 %[1]s 只能取 %[3]s")
	msgDSNUnparseable = errs.Define("connector.dsn.unparseable",
		"not a valid %s DSN: %s",
		"不是有效的 %s 连接串：%s")
	msgDSNNet = errs.Define("connector.dsn.net",
		"a %s DSN must connect over TCP to a host name or address (not %s)",
		"%s 连接串必须通过 TCP 连接主机名或地址（不能是 %s）")
	msgDSNDriver = errs.Define("connector.dsn.driver",
		"unknown driver %q (want postgres, mysql or sqlite)",
		"未知的驱动 %q（应为 postgres、mysql 或 sqlite）")
	msgSQLitePath = errs.Define("connector.dsn.sqlite_path",
		"a SQLite datasource is a file path (%s)",
		"SQLite 数据源应为文件路径（%s）")
)

// NormalizeDSN checks dsn against the parameters allowed for driver and
// returns it rebuilt from its parsed form: a go-sql-driver DSN for mysql, a
// postgres:// URL for postgres (from a URL or a keyword/value string), an
// absolute, cleaned path with symbolic links resolved for sqlite (see
// NormalizeSQLitePath). Errors are errs.Invalid on the field "dsn" and name
// the parameter at fault; they never contain the password.
func NormalizeDSN(driver, dsn string) (string, error) {
	switch driver {
	case MySQL:
		return normalizeMySQL(dsn)
	case Postgres:
		return normalizePostgres(dsn)
	case SQLite:
		return NormalizeSQLitePath(dsn)
	}
	return "", errs.FieldMsg("driver", msgDSNDriver, driver)
}

func normalizeMySQL(dsn string) (string, error) {
	// The driver reads the parameters after the first ? that follows the
	// last /, split on & and =, keys as written: so do we.
	var kept []string
	rest := dsn[strings.LastIndex(dsn, "/")+1:]
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		for kv := range strings.SplitSeq(rest[i+1:], "&") {
			key, value, found := strings.Cut(kv, "=")
			if !found {
				continue // the driver ignores it too
			}
			if !slices.Contains(MySQLParams, key) {
				return "", errs.FieldMsg("dsn", msgDSNParamRefused, key, MySQL, strings.Join(MySQLParams, ", "))
			}
			if key == "tls" && !slices.Contains(mysqlTLS, value) {
				return "", errs.FieldMsg("dsn", msgDSNParamValue, key, MySQL, strings.Join(mysqlTLS, ", "))
			}
			kept = append(kept, key+"="+value)
		}
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's messages name the part at fault, not the password.
		return "", errs.FieldMsg("dsn", msgDSNUnparseable, MySQL, "user:password@tcp(host:3306)/dbname?param=value")
	}
	if cfg.Net != "tcp" && cfg.Net != "tcp4" && cfg.Net != "tcp6" {
		return "", errs.FieldMsg("dsn", msgDSNNet, MySQL, cfg.Net)
	}
	if h, p, err := net.SplitHostPort(cfg.Addr); err != nil || !validHost(h) || p == "" {
		return "", errs.FieldMsg("dsn", msgDSNNet, MySQL, cfg.Addr)
	}
	clean := mysql.NewConfig()
	clean.User, clean.Passwd, clean.Net, clean.Addr, clean.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
	rebuilt := clean.FormatDSN()
	if len(kept) > 0 {
		sep := "?"
		if strings.Contains(rebuilt[strings.LastIndex(rebuilt, "/")+1:], "?") {
			sep = "&"
		}
		rebuilt += sep + strings.Join(kept, "&")
	}
	final, err := mysql.ParseDSN(rebuilt)
	if err != nil {
		return "", errs.FieldMsg("dsn", msgDSNUnparseable, MySQL, "a parameter has an invalid value")
	}
	final.AllowAllFiles = false // not allowed above; said twice, for the reader
	return final.FormatDSN(), nil
}

// pgConn is a PostgreSQL DSN's parts.
type pgConn struct {
	host, port, user, password, dbname string
	params                             map[string]string
}

func normalizePostgres(dsn string) (string, error) {
	var c pgConn
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		c, err = parsePostgresURL(dsn)
	} else {
		c, err = parsePostgresKV(dsn)
	}
	if err != nil {
		return "", err
	}
	for _, k := range sortedKeys(c.params) {
		v := c.params[k]
		switch {
		case slices.Contains(PostgresFileParams, k):
			return "", errs.FieldMsg("dsn", msgDSNFileParam, k, Postgres)
		case !slices.Contains(PostgresParams, k):
			return "", errs.FieldMsg("dsn", msgDSNParamRefused, k, Postgres, "host, port, user, password, dbname, "+strings.Join(PostgresParams, ", "))
		case k == "sslmode" && !slices.Contains(pgSSLModes, v):
			return "", errs.FieldMsg("dsn", msgDSNParamValue, k, Postgres, strings.Join(pgSSLModes, ", "))
		case k == "target_session_attrs" && !slices.Contains(pgSessionAttrs, v):
			return "", errs.FieldMsg("dsn", msgDSNParamValue, k, Postgres, strings.Join(pgSessionAttrs, ", "))
		case k == "connect_timeout":
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 3600 {
				return "", errs.FieldMsg("dsn", msgDSNParamValue, k, Postgres, "0…3600")
			}
		}
	}
	if !validHost(c.host) {
		shown := c.host
		if shown == "" {
			shown = "no host"
		}
		return "", errs.FieldMsg("dsn", msgDSNNet, Postgres, shown)
	}
	if c.port != "" {
		if n, err := strconv.Atoi(c.port); err != nil || n < 1 || n > 65535 {
			return "", errs.FieldMsg("dsn", msgDSNParamValue, "port", Postgres, "1…65535")
		}
	}
	u := url.URL{Scheme: "postgres", Host: c.host, Path: "/" + c.dbname}
	if strings.Contains(c.host, ":") {
		u.Host = "[" + c.host + "]"
	}
	if c.port != "" {
		u.Host = net.JoinHostPort(c.host, c.port)
	}
	if c.password != "" {
		u.User = url.UserPassword(c.user, c.password)
	} else if c.user != "" {
		u.User = url.User(c.user)
	}
	q := url.Values{}
	for k, v := range c.params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// validHost reports whether h is a host name or an IP address: not a
// socket path, not a list of hosts.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return hostName(h)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// parsePostgresURL reads postgres://user:pass@host:port/db?k=v. Query
// parameters host, port, user, password and dbname override the URL's
// parts, as in libpq.
func parsePostgresURL(dsn string) (pgConn, error) {
	c := pgConn{params: map[string]string{}}
	u, err := url.Parse(dsn)
	if err != nil {
		return c, errs.FieldMsg("dsn", msgDSNUnparseable, Postgres, "postgres://user:password@host:5432/dbname?sslmode=require")
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
	}
	if u.Host != "" {
		if h, p, err := net.SplitHostPort(u.Host); err == nil {
			c.host, c.port = h, p
		} else {
			c.host = strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]")
		}
	}
	c.dbname = strings.TrimPrefix(u.Path, "/")
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, errs.FieldMsg("dsn", msgDSNUnparseable, Postgres, "the query string")
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		if !c.structural(k, v) {
			c.params[k] = v
		}
	}
	return c, nil
}

// structural sets a connection part and reports whether k is one.
func (c *pgConn) structural(k, v string) bool {
	switch k {
	case "host":
		c.host = v
	case "port":
		c.port = v
	case "user":
		c.user = v
	case "password":
		c.password = v
	case "dbname", "database":
		c.dbname = v
	default:
		return false
	}
	return true
}

// parsePostgresKV reads libpq's keyword/value form: key=value pairs
// separated by white space, a value in single quotes with \' and \\ inside.
func parsePostgresKV(s string) (pgConn, error) {
	c := pgConn{params: map[string]string{}}
	bad := errs.FieldMsg("dsn", msgDSNUnparseable, Postgres, "host=… port=… user=… password=… dbname=… or postgres://…")
	s = strings.TrimSpace(s)
	if s == "" {
		return c, bad
	}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return c, bad
		}
		key := strings.TrimSpace(s[:eq])
		if key == "" || strings.ContainsAny(key, " \t\n\r'\\") {
			return c, bad
		}
		s = strings.TrimLeft(s[eq+1:], " \t\n\r")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			s = s[1:]
			closed := false
			for len(s) > 0 {
				ch := s[0]
				s = s[1:]
				if ch == '\\' && len(s) > 0 {
					val.WriteByte(s[0])
					s = s[1:]
					continue
				}
				if ch == '\'' {
					closed = true
					break
				}
				val.WriteByte(ch)
			}
			if !closed {
				return c, bad
			}
		} else {
			for len(s) > 0 && !strings.ContainsRune(" \t\n\r", rune(s[0])) {
				if s[0] == '\\' && len(s) > 1 {
					s = s[1:]
				}
				val.WriteByte(s[0])
				s = s[1:]
			}
		}
		s = strings.TrimLeft(s, " \t\n\r")
		if !c.structural(key, val.String()) {
			c.params[key] = val.String()
		}
	}
	return c, nil
}

// NormalizeSQLitePath turns a SQLite DSN into the one path that is both
// checked and opened: sqlite://, sqlite: or file: before it is dropped, and
// with it the query string and fragment after it (a plain path is taken as
// written, ? and # included), the path is made absolute and cleaned
// (.. resolved), and symbolic links in the part that exists are resolved,
// so that a link cannot lead out of an allowed folder.
func NormalizeSQLitePath(dsn string) (string, error) {
	p := dsn
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(p, prefix) {
			p = p[len(prefix):]
			// A URI: its query and fragment are not part of the path.
			if i := strings.IndexAny(p, "?#"); i >= 0 {
				p = p[:i]
			}
			break
		}
	}
	if strings.TrimSpace(p) == "" || strings.ContainsRune(p, 0) {
		return "", errs.FieldMsg("dsn", msgSQLitePath, "empty path")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", errs.FieldMsg("dsn", msgSQLitePath, "no absolute path")
	}
	return resolveExisting(abs)
}

// InFolder reports whether path, as NormalizeSQLitePath returned it, lies
// inside folder (normalised the same way) and is not folder itself.
func InFolder(folder, path string) bool {
	return folder != "" && strings.HasPrefix(path, strings.TrimSuffix(folder, string(filepath.Separator))+string(filepath.Separator))
}

// resolveExisting resolves symbolic links in the longest existing prefix of
// the clean absolute path p and appends the rest.
func resolveExisting(p string) (string, error) {
	var rest []string
	cur := p
	for {
		r, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if _, lerr := os.Lstat(cur); lerr == nil || !errors.Is(err, fs.ErrNotExist) {
			// A loop of links, a link to nowhere (SQLite would create
			// its target, wherever it is), or a part that is not a folder.
			return "", errs.FieldMsg("dsn", msgSQLitePath, "cannot resolve the path")
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
		cur = parent
	}
}

// DSNHost returns the host (name or address, no port) a normalised postgres
// or mysql DSN connects to, and "" for sqlite.
func DSNHost(driver, normalized string) (string, error) {
	switch driver {
	case Postgres:
		u, err := url.Parse(normalized)
		if err != nil {
			return "", err
		}
		return u.Hostname(), nil
	case MySQL:
		cfg, err := mysql.ParseDSN(normalized)
		if err != nil {
			return "", err
		}
		h, _, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return cfg.Addr, nil
		}
		return h, nil
	}
	return "", nil
}
