package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/node"
)

const nodeUsage = `govshare node: run a front-end node (前置机) inside a department's network

The node connects out to the platform only (no inbound port) over TLS with a
certificate from the platform's CA, runs an embedded NATS server with its own
JetStream domain as a leaf node of the platform, and reports its datasources.

First run, with the one-time token shown in the console (数据交换 → 前置机 → 添加前置机):
  govshare node --platform https://share.example.gov.cn --token gsn_12_... --data-dir /var/lib/govshare-node --config node.yaml
Later runs need no token (the identity is kept in --data-dir):
  govshare node --data-dir /var/lib/govshare-node --config node.yaml

node.yaml lists the datasources; DSNs, passwords and API headers stay on the node:
  datasources:
    - {name: hr, driver: postgres, dsn: "postgres://reader:secret@10.0.0.5:5432/hr"}
    - {name: permits, driver: mysql, dsn: "reader:secret@tcp(10.0.0.6:3306)/permits"}
    - {name: local, driver: sqlite, path: /srv/data/local.db}
    - {name: uploads, driver: files, path: /srv/data/uploads}   # CSV and XLSX files
    - {name: permits-api, driver: http, url: "http://10.0.0.8:8080/api/", headers: {X-Api-Key: secret}, timeout: 30s}

An http datasource lets the platform's data services call the department's API
through this node: only URLs under its base URL, with its headers added, and
only when the platform's signature on the request holds (govshare.node.<id>.api).

Exits 0 on SIGTERM/SIGINT, and non-zero when enrolment fails or the platform
refuses the certificate (revoked, disabled, or not trusted).

Settings (flag, or environment variable GOVSHARE_NODE_<NAME>):`

func nodeCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o node.Options
	var logLevel, logFormat, platformCA string
	fs.StringVar(&o.Platform, "platform", "", "the platform's URL (needed to enrol), e.g. https://share.example.gov.cn")
	fs.StringVar(&o.Token, "token", "", "one-time enrolment token from the console (first run only)")
	fs.StringVar(&platformCA, "platform-ca", "", "PEM file of the CA that signed the platform's HTTPS certificate, when it is not a public one (enrolment only)")
	fs.StringVar(&o.DataDir, "data-dir", "./govshare-node", "directory for the node's key, certificate and local JetStream store")
	fs.StringVar(&o.ConfigFile, "config", "", "node.yaml listing the datasources")
	fs.DurationVar(&o.HeartbeatInterval, "heartbeat", 10*time.Second, "how often the node reports to the platform (the platform expects 10s and shows a node offline after three missed reports)")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "json", "json or text")
	fs.Usage = func() {
		fmt.Fprintln(stdout, nodeUsage)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stdout, "  --%s\n      %s (env %s, default %q)\n", f.Name, f.Usage, "GOVSHARE_NODE_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")), f.DefValue)
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var problems []string
	fs.VisitAll(func(f *flag.Flag) {
		name := "GOVSHARE_NODE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && !explicit[f.Name] {
			if err := f.Value.Set(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			}
		}
	})
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	log, err := newLogger(&Config{LogLevel: logLevel, LogFormat: logFormat}, stderr)
	if err != nil {
		return err
	}
	// A node shares its machine with the department's own systems: keep the
	// heap small unless the operator set GOMEMLIMIT.
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
	if platformCA != "" {
		pem, err := os.ReadFile(platformCA)
		if err != nil {
			return fmt.Errorf("platform-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("platform-ca: %s holds no PEM certificate", platformCA)
		}
		o.Client = &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	o.Version, o.Logger = Version, log.With("component", "node")
	err = node.Run(ctx, o)
	if err == nil {
		log.Info("node stopped")
	}
	return err
}
