package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "govshare.yaml")
	os.WriteFile(file, []byte("listen: 127.0.0.1:9001\ndata_dir: /from/file\nlog_level: warn\nsession_ttl: 2h\n"), 0o600)
	secret := filepath.Join(dir, "pw")
	os.WriteFile(secret, []byte("S3cret-Password\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(c *Config) string // "" when right
	}{
		{"defaults", nil, nil, func(c *Config) string {
			if c.Listen != "127.0.0.1:8080" || c.DataDir != "./govshare-data" || c.Database != "" || c.NATS != "" || c.SessionTTL != 12*time.Hour {
				return "defaults wrong"
			}
			return ""
		}},
		{"file", []string{"--config", file}, nil, func(c *Config) string {
			if c.Listen != "127.0.0.1:9001" || c.DataDir != "/from/file" || c.LogLevel != "warn" || c.SessionTTL != 2*time.Hour {
				return "file values not applied"
			}
			return ""
		}},
		{"environment beats file", []string{"--config", file}, map[string]string{"GOVSHARE_LISTEN": "127.0.0.1:9002", "GOVSHARE_DEMO": "true"}, func(c *Config) string {
			if c.Listen != "127.0.0.1:9002" || !c.Demo || c.DataDir != "/from/file" {
				return "environment not preferred"
			}
			return ""
		}},
		{"flag beats environment", []string{"--listen", "127.0.0.1:9003"}, map[string]string{"GOVSHARE_LISTEN": "127.0.0.1:9002", "GOVSHARE_CONFIG": file}, func(c *Config) string {
			if c.Listen != "127.0.0.1:9003" || c.DataDir != "/from/file" {
				return "flag not preferred, or GOVSHARE_CONFIG ignored"
			}
			return ""
		}},
		{"secret from file", nil, map[string]string{"GOVSHARE_ADMIN_PASSWORD_FILE": secret}, func(c *Config) string {
			if c.AdminPassword != "S3cret-Password" {
				return "got " + c.AdminPassword
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configure("serve", "", tt.args, env(tt.env), io.Discard, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if problem := tt.want(cfg); problem != "" {
				t.Errorf("%s: %+v", problem, cfg)
			}
		})
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("listen: x\ncolour: red\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown yaml key", []string{"--config", unknown}, nil, "unknown setting colour"},
		{"bad env value", nil, map[string]string{"GOVSHARE_SESSION_TTL": "forever"}, "GOVSHARE_SESSION_TTL"},
		{"bad flag", []string{"--session-ttl", "x"}, nil, "session-ttl"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml")}, nil, "config file"},
		{"stray argument", []string{"extra"}, nil, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := configure("serve", "", tt.args, env(tt.env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), []string{"serve", "--help"}, env(nil), &out, io.Discard)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("Run(--help) = %v, want ErrHelp", err)
	}
	for _, s := range []string{"--data-dir", "--listen", "--demo", "--admin-password", "--database", "--nats", "--leaf-listen", "--api-direct-hosts", "GOVSHARE_API_DIRECT_HOSTS", "--datasource-hosts", "GOVSHARE_DATASOURCE_HOSTS", "--metrics-listen", "--audit-key", "GOVSHARE_METRICS_LISTEN", "GOVSHARE_DATABASE", "--notice-sender", "GOVSHARE_NOTICE_INTERVAL", "--pdf-fonts", "GOVSHARE_PDF_FONTS", "default 127.0.0.1:8080"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("help lacks %q:\n%s", s, out.String())
		}
	}
}

func TestServeRefusesBadDirectHosts(t *testing.T) {
	for _, args := range [][]string{{"--api-direct-hosts", "http://api.example.gov.cn"}, {"--api-direct-hosts", "10.0.0.8:"},
		{"--api-direct-hosts", "api.example.gov.cn"}, // no department: it would serve every department's mounts
		{"--datasource-hosts", "10.0.0.0/33"}, {"--datasource-hosts", "db host"}} {
		err := Run(context.Background(), append([]string{"serve", "--data-dir", t.TempDir()}, args...), env(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("serve %q = %v, want an error naming %s", args, err, args[0])
		}
	}
}

// Notices go to the log or nowhere besides the console until a real SMS
// or mail sender exists; time limits are checked no more than once a second.
func TestServeRefusesBadNoticeSettings(t *testing.T) {
	for _, args := range [][]string{{"--notice-sender", "smtp://mail.example.gov.cn:25"}, {"--notice-sender", ""}, {"--notice-interval", "10ms"}} {
		err := Run(context.Background(), append([]string{"serve", "--data-dir", t.TempDir()}, args...), env(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("serve %q = %v, want an error naming %s", args, err, args[0])
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"audit", "erase"}} {
		if err := Run(context.Background(), args, env(nil), io.Discard, io.Discard); err == nil {
			t.Errorf("Run(%q) succeeded, want an error", args)
		}
	}
}
