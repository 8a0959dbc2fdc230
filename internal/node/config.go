package node

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
)

// Datasource drivers a node accepts in node.yaml.
const (
	DriverPostgres = connector.Postgres
	DriverMySQL    = connector.MySQL
	DriverSQLite   = connector.SQLite
	DriverFiles    = "files" // a folder of CSV and XLSX files
	DriverHTTP     = "http"  // a department's API under a base URL
)

// Drivers lists the accepted drivers.
var Drivers = []string{DriverPostgres, DriverMySQL, DriverSQLite, DriverFiles, DriverHTTP}

// Bounds of an http datasource's timeout.
const (
	DefaultAPITimeout = 15 * time.Second
	MaxAPITimeout     = 2 * time.Minute
)

// DatasourceConfig is one entry of node.yaml. Its DSN, headers and other
// credentials stay on the node.
type DatasourceConfig struct {
	Name   string `yaml:"name"`
	Driver string `yaml:"driver"`
	DSN    string `yaml:"dsn"`  // postgres, mysql; sqlite may give a path here too
	Path   string `yaml:"path"` // sqlite file, or the folder of files

	// http: the base URL under which the node calls the department's API,
	// the headers it adds to every call (an API key, say) and the time a
	// call may take (default DefaultAPITimeout).
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	Timeout time.Duration     `yaml:"timeout"`
}

// Config is node.yaml: the datasources this node reaches.
type Config struct {
	Datasources []DatasourceConfig `yaml:"datasources"`
}

var datasourceName = regexp.MustCompile(`^[\p{L}\p{N}_.-]{1,64}$`)

// Target is what to open: the DSN, or the path for sqlite and files.
func (d DatasourceConfig) Target() string {
	if d.DSN != "" {
		return d.DSN
	}
	return d.Path
}

// LoadConfig reads and checks node.yaml. Relative paths are taken from the
// file's folder. Errors name the entry at fault.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("node config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("node config %s: %w", path, err)
	}
	base := filepath.Dir(path)
	if err := c.validate(base); err != nil {
		return c, fmt.Errorf("node config %s: %w", path, err)
	}
	return c, nil
}

func (c *Config) validate(base string) error {
	var problems []string
	seen := map[string]bool{}
	for i := range c.Datasources {
		d := &c.Datasources[i]
		where := fmt.Sprintf("datasources[%d]", i)
		if d.Name != "" {
			where += fmt.Sprintf(" (%s)", d.Name)
		}
		bad := func(format string, args ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, args...)) }
		d.Name, d.Driver = strings.TrimSpace(d.Name), strings.TrimSpace(d.Driver)
		switch {
		case d.Name == "":
			bad("name is required")
		case !datasourceName.MatchString(d.Name):
			bad("name %q: use letters, digits, _ . - (at most 64)", d.Name)
		case seen[d.Name]:
			bad("name %q is used twice", d.Name)
		}
		seen[d.Name] = true
		if d.Driver != DriverHTTP && (d.URL != "" || len(d.Headers) > 0 || d.Timeout != 0) {
			bad("url, headers and timeout belong to driver http only")
		}
		switch d.Driver {
		case DriverHTTP:
			for _, p := range checkHTTPSource(d) {
				bad("%s", p)
			}
		case DriverPostgres, DriverMySQL:
			if d.DSN == "" {
				bad("driver %s needs dsn", d.Driver)
			} else if dsn, err := connector.NormalizeDSN(d.Driver, d.DSN); err != nil {
				// The same allow-list as on the platform: no parameter
				// that makes the node read its own files.
				bad("%s", errs.Message(err))
			} else {
				d.DSN = dsn
			}
			if d.Path != "" {
				bad("driver %s takes dsn, not path", d.Driver)
			}
		case DriverSQLite, DriverFiles:
			if d.Path == "" && (d.Driver == DriverFiles || d.DSN == "") {
				bad("driver %s needs path", d.Driver)
				continue
			}
			if d.Path != "" && !filepath.IsAbs(d.Path) {
				d.Path = filepath.Join(base, d.Path)
			}
			if d.Driver == DriverFiles {
				if st, err := os.Stat(d.Path); err != nil || !st.IsDir() {
					bad("path %s is not a folder", d.Path)
				}
			} else {
				// The department's own machine: any path, but normalised
				// once (file:, sqlite://, .., links) and opened as checked.
				if d.Path == "" {
					if p, err := connector.NormalizeSQLitePath(d.DSN); err != nil {
						bad("%s", errs.Message(err))
					} else {
						d.DSN = p
					}
				} else if p, err := connector.NormalizeSQLitePath(d.Path); err != nil {
					bad("%s", errs.Message(err))
				} else if st, err := os.Stat(p); err != nil || st.IsDir() {
					bad("path %s is not a SQLite file", p)
				} else {
					d.Path = p
				}
			}
		case "":
			bad("driver is required (%s)", strings.Join(Drivers, ", "))
		default:
			bad("unknown driver %q (want %s)", d.Driver, strings.Join(Drivers, ", "))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
