package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the platform's configuration. Values come from defaults, then an
// optional YAML file, then GOVSHARE_* environment variables (NAME_FILE reads
// a secret from a file), then flags: later sources win.
type Config struct {
	ConfigFile      string
	DataDir         string
	Listen          string
	Database        string
	NATS            string
	LeafListen      string
	LeafAdvertise   string
	ClusterListen   string
	ClusterPeers    string
	ReplicaName     string
	Demo            bool
	DemoNodes       bool
	DemoPeople      int
	AdminPassword   string
	Migrate         bool
	TLSCert         string
	TLSKey          string
	LogLevel        string
	LogFormat       string
	SessionTTL      time.Duration
	ShutdownTimeout time.Duration
	CodeProfile     string
	SecretsKey      string
	APIDirectHosts  string
	DatasourceHosts string
	LookupQuota     int
	MetricsListen   string
	AuditKey        string
	NoticeSender    string
	NoticeInterval  time.Duration
	PDFFonts        string
	PublicURL       string
	// The evidence ledger (存证账本).
	LedgerOrigin      string
	LedgerInterval    time.Duration
	LedgerAuditAnchor time.Duration
	LedgerWitnesses   string
	LicenceVerifyURL  string
}

// secrets are settings whose values are never printed.
var secrets = map[string]bool{"admin-password": true}

func newFlagSet(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.ConfigFile, "config", "", "YAML file with settings (keys as below, e.g. data_dir: /srv/govshare)")
	fs.StringVar(&cfg.DataDir, "data-dir", "./govshare-data", "directory for the embedded database, the bus store and keys")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "HTTP listen address for the console and the API")
	fs.StringVar(&cfg.Database, "database", "", "PostgreSQL URL (postgres://user:pw@host/db); empty keeps state in SQLite under --data-dir")
	fs.StringVar(&cfg.NATS, "nats", "", "external NATS URL (nats://host:4222); empty runs an embedded NATS server with JetStream")
	fs.StringVar(&cfg.LeafListen, "leaf-listen", "", "host:port where front-end nodes join the embedded NATS as leaf nodes; empty disables")
	fs.StringVar(&cfg.LeafAdvertise, "leaf-advertise", "", "host[:port] nodes dial to reach --leaf-listen (a public name or address; it goes into the listener's certificate); default the listen address")
	fs.StringVar(&cfg.ClusterListen, "cluster-listen", "", "host:port where this replica's embedded NATS takes routes from the other replicas (platform replicas on one PostgreSQL form one NATS cluster, "+
		"JetStream replicated, each replica's leaf listener checking nodes alike); keep it on the replicas' network; empty runs a single platform")
	fs.StringVar(&cfg.ClusterPeers, "cluster-peers", "", "the other replicas' --cluster-listen addresses, host:port, comma-separated (routes are authenticated with a secret derived from --secrets-key, which replicas share)")
	fs.StringVar(&cfg.ReplicaName, "replica-name", "", "this replica's name in the cluster, unique among the replicas; default HOSTNAME-PORT of --cluster-listen")
	fs.BoolVar(&cfg.Demo, "demo", false, "load the synthetic demo city (株洲市) on first start")
	fs.BoolVar(&cfg.DemoNodes, "demo-nodes", true, "with --demo: run the police and approval bureaus' front-end nodes (前置机) in this process, on a loopback leaf listener (--leaf-listen, default a free port)")
	fs.IntVar(&cfg.DemoPeople, "demo-people", 41200, "synthetic people of the demo's population base database (人口基础库), built in the background on first start (0: none)")
	fs.StringVar(&cfg.AdminPassword, "admin-password", "", "password of the first platform admin 'admin'; empty prints a generated one-time password")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending PostgreSQL migrations at start (SQLite always migrates)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate: serve HTTPS and mark cookies Secure")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key for --tls-cert")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "json", "json or text")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", 12*time.Hour, "lifetime of a login session")
	fs.StringVar(&cfg.CodeProfile, "code-profile", "national", "resource code profile: national (301002/000017) or segmented (3-01-002-000017); cascade must follow the parent platform's")
	fs.StringVar(&cfg.SecretsKey, "secrets-key", "", "file holding the SM4 key that seals stored credentials (created when missing); default DATA-DIR/keys/secrets.key; replicas share one")
	fs.StringVar(&cfg.APIDirectHosts, "api-direct-hosts", "", "hosts whose mounted APIs the platform may call itself, each for one department: CREDIT-CODE=host[:port] "+
		"(the department's unified social credit code; a host alone means its scheme's default port), comma-separated; only that department's mounts are called there; "+
		"any other mounted API is called through a node of the providing department that declares an http datasource covering its URL, or refused")
	fs.StringVar(&cfg.DatasourceHosts, "datasource-hosts", "", "hosts, IP addresses and CIDR networks (comma-separated) that PostgreSQL and MySQL datasources registered on the platform may name; "+
		"a name must resolve into a listed network unless listed itself; empty allows none (the demo adds loopback); SQLite datasources lie in DATA-DIR/datasources/CREDIT-CODE/")
	fs.IntVar(&cfg.LookupQuota, "lookup-quota", 1000, "calls a day (China Standard Time) one app or console user may make with a lookup on a masked item (查询条件); counted in the database, so replicas agree")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "host:port of a listener of its own serving Prometheus /metrics (keep it on a management network); empty serves no metrics. The console port never serves them")
	fs.StringVar(&cfg.AuditKey, "audit-key", "", "file holding the key of the audit log's HMAC-SM3 chain (created when missing, outside the database); default DATA-DIR/keys/audit.key; replicas share one, \"audit verify\" needs it")
	fs.StringVar(&cfg.NoticeSender, "notice-sender", "log", "where notices (站内信) go besides the console: log (written to the platform's log, for the demo and until an SMS or mail gateway is set up) or none")
	fs.DurationVar(&cfg.NoticeInterval, "notice-interval", 10*time.Minute, "how often the platform looks for approval steps nearing or past their time limit to remind their approvers (once each)")
	fs.StringVar(&cfg.PDFFonts, "pdf-fonts", "", "directory holding the TrueType fonts printed forms are set in (DroidSansFallbackFull.ttf, HanaMinA.ttf, HanaMinB.ttf); "+
		"empty reads them where Debian's fonts-droid-fallback and fonts-hanazono install them")
	fs.StringVar(&cfg.LedgerOrigin, "ledger-origin", "", "the evidence ledger's name in its checkpoints' origin line and key names, a schema-less URL naming the platform (e.g. data.zhuzhou.gov.cn/ledger); "+
		"fixed when its keys are made in DATA-DIR/keys (sealed with the secrets key); default the keys' name, or HOSTNAME/ledger at the first start")
	fs.DurationVar(&cfg.LedgerInterval, "ledger-interval", time.Second, "how often the evidence ledger signs and publishes a checkpoint when it grew")
	fs.DurationVar(&cfg.LedgerAuditAnchor, "ledger-audit-anchor", time.Minute, "how often the audit log's head is anchored in the evidence ledger, so that a rebuilt audit chain no longer matches it")
	fs.StringVar(&cfg.LicenceVerifyURL, "licence-verify-url", "", "the public address licence files' QR codes open, the identifier appended (e.g. https://data.zhuzhou.gov.cn/v?id=); default --public-url followed by /v?id=")
	fs.StringVar(&cfg.LedgerWitnesses, "ledger-witnesses", "", "public keys of the witnesses whose cosignatures of the ledger's checkpoints the platform accepts and publishes, comma-separated "+
		"(each as \"govshare witness\" prints it: name+id+key); the demo adds its own witness")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the platform's public address (https://data.example.gov.cn): the base of the open data portal's links and of the DCAT feeds' IRIs; "+
		"empty derives it from --listen, with a warning")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "time allowed for requests to finish on SIGTERM")
	return fs
}

func envName(flagName string) string {
	return "GOVSHARE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig fills cfg from args, the environment and the YAML file.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })

	file := fs.Lookup("config").Value.String()
	if file == "" {
		file = getenv(envName("config"))
	}
	fromFile := map[string]string{}
	if file != "" {
		if err := readYAML(fs, file, fromFile); err != nil {
			return err
		}
	}
	var problems []string
	fs.VisitAll(func(f *flag.Flag) {
		if explicit[f.Name] || f.Name == "config" {
			return
		}
		v, src, ok := "", "", false
		if e := getenv(envName(f.Name)); e != "" {
			v, src, ok = e, envName(f.Name), true
		} else if path := getenv(envName(f.Name) + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s_FILE: %v", envName(f.Name), err))
				return
			}
			v, src, ok = strings.TrimRight(string(b), "\r\n"), envName(f.Name)+"_FILE", true
		} else if y, found := fromFile[f.Name]; found {
			v, src, ok = y, file+": "+strings.ReplaceAll(f.Name, "-", "_"), true
		}
		if ok {
			if err := f.Value.Set(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: invalid value %q: %v", src, shown(f.Name, v), err))
			}
		}
	})
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func shown(name, v string) string {
	if secrets[name] {
		return "***"
	}
	return v
}

func readYAML(fs *flag.FlagSet, file string, out map[string]string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	var unknown []string
	for k, v := range raw {
		name := strings.ReplaceAll(k, "_", "-")
		if fs.Lookup(name) == nil || name == "config" {
			unknown = append(unknown, k)
			continue
		}
		switch v.(type) {
		case map[string]any, []any:
			return fmt.Errorf("config file %s: %s must be a single value", file, k)
		}
		out[name] = fmt.Sprint(v)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config file %s: unknown setting %s", file, strings.Join(unknown, ", "))
	}
	return nil
}

// printUsage lists every setting with its default and environment variable.
func printUsage(fs *flag.FlagSet, w io.Writer, synopsis string) {
	fmt.Fprintf(w, "%s\n\nSettings (flag, environment variable, YAML key; flags win over the environment, which wins over the file):\n", synopsis)
	fs.VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		if def == "" {
			def = `""`
		}
		yamlKey := strings.ReplaceAll(f.Name, "-", "_")
		if f.Name == "config" {
			yamlKey = "(not in the file)"
		}
		fmt.Fprintf(w, "  --%s\n      %s\n      env %s, yaml %s, default %s\n", f.Name, f.Usage, envName(f.Name), yamlKey, def)
	})
}
