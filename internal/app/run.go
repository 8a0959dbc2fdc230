package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/notice"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// Version is the platform's version, set at build time with -ldflags.
var Version = "0.1.0-dev"

var usage = `govshare: government data sharing and exchange platform (政务数据共享交换平台)

Usage:
  govshare serve [settings]          run the platform (console, API, bus)
  govshare node [settings]           run a front-end node (前置机) in a department's network
  govshare migrate [settings]        apply database migrations (PostgreSQL)
  govshare audit verify [settings]   check the audit log's hash chain
  govshare catalog import|export     import or export catalog entries through a platform
  govshare ledger verify [flags]     check a leaf of the evidence ledger (存证账本) offline against a signed checkpoint
  govshare licence verify FILE.pdf   check a licence file (电子证照) offline: its seals, CA chain and ledger proof
  govshare witness --log URL --key K  witness a platform's ledger: check each checkpoint's consistency and cosign it
  govshare bench NAME [flags]        run a benchmark:
` + benchList() + `  govshare version                   print the version
  govshare help                      print this text

Run "govshare COMMAND --help" for the settings of a command.`

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "node":
		return nodeCommand(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprintln(stderr, usage)
			return errors.New(`unknown audit command; did you mean "govshare audit verify"?`)
		}
		return verifyAudit(ctx, args[2:], getenv, stdout, stderr)
	case "catalog":
		return catalogCommand(ctx, args[1:], getenv, stdout, stderr)
	case "ledger":
		return ledgerCommand(args[1:], stdout, stderr)
	case "licence":
		return licenceCommand(args[1:], stdout, stderr)
	case "witness":
		return witnessCommand(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCommand(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "govshare", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// ErrHelp is returned after --help printed the usage; the caller exits 0.
var ErrHelp = flag.ErrHelp

func configure(name, synopsis string, args []string, getenv func(string) string, stdout, stderr io.Writer) (*Config, error) {
	cfg := &Config{}
	fs := newFlagSet(name, cfg, stderr)
	fs.Usage = func() { printUsage(fs, stdout, synopsis) }
	if err := parseConfig(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ErrHelp
		}
		return nil, err
	}
	return cfg, nil
}

func (c *Config) dsn() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "govshare.db")
}

// migrations lists every domain's schema in dependency order.
func migrations() []store.Migration {
	return []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, gateway.Migration, exchange.Migration, node.Migration, aggregation.Migration, notice.Migration, ledger.Migration, basedb.Migration, seal.Migration, licence.Migration, opendata.Migration, geo.Migration, assess.Migration}
}

func openStore(ctx context.Context, cfg *Config, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.dsn())
	if err != nil {
		return nil, err
	}
	if db.Dialect == store.SQLite || migrate {
		if err := db.Migrate(ctx, migrations()...); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	pending, err := db.Pending(ctx, migrations()...)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(pending) > 0 {
		db.Close()
		return nil, fmt.Errorf("the database schema is behind (%d pending: %s); run \"govshare migrate --database URL\" or start with --migrate",
			len(pending), strings.Join(pending, ", "))
	}
	return db, nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := configure("migrate", "govshare migrate: apply pending database migrations", args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	pending, err := db.Pending(ctx, migrations()...)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, migrations()...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migrations\n", len(pending))
	return nil
}

func verifyAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := configure("audit verify", "govshare audit verify: check that the audit log's HMAC-SM3 chain holds under the platform's key (--audit-key, default DATA-DIR/keys/audit.key; exit 0), "+
		"or name the first bad entry and whether the chain from there was rebuilt without the key",
		args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	key, _, err := audit.LoadKey(auditKeyPath(cfg), false)
	if err != nil {
		return fmt.Errorf("audit-key: %w", err)
	}
	db, err := store.Open(ctx, cfg.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	log := audit.NewKeyed(db, key)
	n, err := log.Verify(ctx)
	if err != nil {
		return err
	}
	// A chain rebuilt with the key holds on its own; the heads anchored in
	// the evidence ledger tell it from the platform's.
	anchors := &ledger.Anchors{Log: ledger.New(db, nil, ledger.Options{}), Audit: log}
	heads, err := anchors.CheckAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit chain holds: %d entries verified; %d heads anchored in the evidence ledger match\n", n, heads)
	return nil
}

func newLogger(cfg *Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format: want json or text, got %q", cfg.LogFormat)
}
