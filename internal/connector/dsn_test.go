package connector

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/govshare/govshare/internal/errs"
)

func TestNormalizeDSN(t *testing.T) {
	for _, tc := range []struct {
		name, driver, dsn string
		want              string // the rebuilt DSN, or "" when refused
		refused           string // the parameter the refusal names
	}{
		{"mysql plain", MySQL, "u:p@tcp(db.example:3306)/hr", "u:p@tcp(db.example:3306)/hr", ""},
		{"mysql allowed params", MySQL, "u:p@tcp(db.example:3306)/hr?charset=utf8mb4&parseTime=true&loc=Asia%2FShanghai&tls=skip-verify&time_zone=%27%2B08%3A00%27",
			"u:p@tcp(db.example:3306)/hr?charset=utf8mb4&loc=Asia%2FShanghai&parseTime=true&tls=skip-verify&time_zone=%27%2B08%3A00%27", ""},
		{"mysql allowAllFiles", MySQL, "u:p@tcp(evil.example:3306)/x?allowAllFiles=true", "", "allowAllFiles"},
		{"mysql allowAllFiles after others", MySQL, "u:p@tcp(evil.example:3306)/x?charset=utf8mb4&allowAllFiles=1", "", "allowAllFiles"},
		{"mysql multiStatements", MySQL, "u:p@tcp(h:3306)/x?multiStatements=true", "", "multiStatements"},
		{"mysql cleartext", MySQL, "u:p@tcp(h:3306)/x?allowCleartextPasswords=true", "", "allowCleartextPasswords"},
		{"mysql system variable", MySQL, "u:p@tcp(h:3306)/x?sql_mode=ANSI", "", "sql_mode"},
		{"mysql custom tls", MySQL, "u:p@tcp(h:3306)/x?tls=platform", "", "tls"},
		{"mysql unix socket", MySQL, "u:p@unix(/var/run/mysqld/mysqld.sock)/x", "", "unix"},
		{"mysql password with ? and /", MySQL, "u:p?a/b@tcp(h:3306)/x?charset=utf8mb4", "u:p?a/b@tcp(h:3306)/x?charset=utf8mb4", ""},
		{"pg url", Postgres, "postgres://u:p@db.example:5432/hr?sslmode=require&search_path=s", "postgres://u:p@db.example:5432/hr?search_path=s&sslmode=require", ""},
		{"pg keyword/value", Postgres, "host=db.example port=5433 user=u password='a b\\'c' dbname=hr sslmode=disable",
			"postgres://u:a%20b%27c@db.example:5433/hr?sslmode=disable", ""},
		{"pg sslkey", Postgres, "postgres://u@h/hr?sslkey=/srv/govshare/keys/secrets.key", "", "sslkey"},
		{"pg sslcert", Postgres, "host=h dbname=hr sslcert=/etc/passwd", "", "sslcert"},
		{"pg sslrootcert", Postgres, "postgres://u@h/hr?sslrootcert=/x", "", "sslrootcert"},
		{"pg sslcrl", Postgres, "postgres://u@h/hr?sslcrl=/x", "", "sslcrl"},
		{"pg sslpassword", Postgres, "postgres://u@h/hr?sslpassword=x", "", "sslpassword"},
		{"pg passfile", Postgres, "host=h dbname=hr passfile=/srv/govshare/keys/secrets.key", "", "passfile"},
		{"pg service", Postgres, "postgres://u@h/hr?service=prod", "", "service"},
		{"pg servicefile", Postgres, "host=h servicefile=/x", "", "servicefile"},
		{"pg unknown", Postgres, "postgres://u@h/hr?options=-c%20log_statement%3Dall", "", "options"},
		{"pg unix socket host", Postgres, "host=/var/run/postgresql dbname=hr", "", "/var/run/postgresql"},
		{"pg socket in query", Postgres, "postgres://u@h/hr?host=%2Ftmp", "", "/tmp"},
		{"pg no host", Postgres, "postgres:///hr", "", "no host"},
		{"pg bad sslmode", Postgres, "postgres://u@h/hr?sslmode=maybe", "", "sslmode"},
		{"sqlite prefixes and query", SQLite, "file:/srv/a/../b/x.db?mode=rwc", "/srv/b/x.db", ""},
		{"sqlite url", SQLite, "sqlite:///srv/x.db#frag", "/srv/x.db", ""},
		{"sqlite empty", SQLite, "file:?mode=memory", "", "empty path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeDSN(tc.driver, tc.dsn)
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("NormalizeDSN(%q) = %v", tc.dsn, err)
				}
				if got != tc.want {
					t.Errorf("NormalizeDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("NormalizeDSN(%q) = %q, want a refusal naming %s", tc.dsn, got, tc.refused)
			}
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("code = %s, want invalid", errs.CodeOf(err))
			}
			_, _, fields := errs.PublicIn(err, "en")
			if !strings.Contains(fields["dsn"], tc.refused) {
				t.Errorf("dsn field = %q, want it to name %s", fields["dsn"], tc.refused)
			}
			if strings.Contains(err.Error(), ":p@") || strings.Contains(fields["dsn"], "secrets.key") && tc.refused != "sslkey" {
				t.Errorf("the refusal shows the DSN: %v", err)
			}
		})
	}
}

func TestNormalizeSQLitePathSymlinks(t *testing.T) {
	dir := t.TempDir()
	allowed := filepath.Join(dir, "allowed")
	secret := filepath.Join(dir, "platform.db")
	if err := os.MkdirAll(allowed, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(allowed, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(allowed, "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.db"), filepath.Join(allowed, "dangling.db")); err != nil {
		t.Fatal(err)
	}
	if got, err := NormalizeSQLitePath(filepath.Join(allowed, "dangling.db")); err == nil {
		t.Errorf("a link to nowhere normalised to %q, want refused", got)
	}
	real, _ := filepath.EvalSymlinks(dir)
	for _, tc := range []struct{ in, want string }{
		{filepath.Join(allowed, "link.db"), filepath.Join(real, "platform.db")},
		{"file:" + filepath.Join(allowed, "up", "platform.db"), filepath.Join(real, "platform.db")},
		{filepath.Join(allowed, "up", "new", "x.db"), filepath.Join(real, "new", "x.db")},
		{filepath.Join(allowed, "..", "platform.db"), filepath.Join(real, "platform.db")},
	} {
		got, err := NormalizeSQLitePath(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeSQLitePath(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzNormalizeDSN checks that NormalizeDSN never panics, that what it
// returns normalises to itself, and that a refused parameter never survives.
func FuzzNormalizeDSN(f *testing.F) {
	for _, s := range []string{
		"u:p@tcp(h:3306)/db?allowAllFiles=true", "u:p@tcp(h:3306)/db?charset=utf8mb4&parseTime=true",
		"u@tcp(h)/db?charset=utf8mb4&allowAllFiles=true&parseTime=1", "u:p?x=1@tcp(h:3306)/db?tls=true",
		"postgres://u:p@h:5432/db?sslmode=disable&sslkey=/k", "host=h port=5432 dbname=db passfile='/k'",
		"postgresql://u@h/db?service=x", "host='h' password='a\\'b' sslmode=require", "postgres://u@[::1]:5432/db",
		"file:/a/../b.db?x", "sqlite://a.db",
	} {
		f.Add(s)
	}
	refused := []string{"allowAllFiles", "multiStatements", "allowCleartextPasswords", "sslkey", "sslcert", "sslrootcert",
		"passfile", "service", "servicefile", "sslpassword", "options"}
	f.Fuzz(func(t *testing.T, dsn string) {
		for _, driver := range []string{MySQL, Postgres, SQLite} {
			got, err := NormalizeDSN(driver, dsn)
			if err != nil {
				continue
			}
			again, err := NormalizeDSN(driver, got)
			if err != nil {
				t.Fatalf("%s: %q normalised to %q, which is refused: %v", driver, dsn, got, err)
			}
			if again != got {
				t.Fatalf("%s: %q normalised to %q, then to %q", driver, dsn, got, again)
			}
			switch driver {
			case MySQL:
				cfg, err := mysql.ParseDSN(got)
				if err != nil || cfg.AllowAllFiles || cfg.MultiStatements || cfg.AllowCleartextPasswords || cfg.Net != "tcp" && cfg.Net != "tcp4" && cfg.Net != "tcp6" {
					t.Fatalf("mysql: %q normalised to %q (%v)", dsn, got, err)
				}
			case Postgres:
				u, err := url.Parse(got)
				if err != nil {
					t.Fatalf("postgres: %q normalised to unparseable %q", dsn, got)
				}
				for _, k := range refused {
					if u.Query().Has(k) {
						t.Fatalf("postgres: %q kept %s: %q", dsn, k, got)
					}
				}
			}
		}
	})
}

// TestMySQLLocalInfile plays a MySQL server that answers the first query
// with a LOCAL INFILE request for a secret file: the DSN with allowAllFiles
// is refused before anything connects, and with a plain DSN the driver
// answers with an empty packet, never the file.
func TestMySQLLocalInfile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secrets.key")
	if err := os.WriteFile(secret, []byte("TOP-SECRET-KEY-MATERIAL"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startFakeMySQL(t, secret)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := Open(ctx, MySQL, "u:p@tcp("+srv.addr+")/x?allowAllFiles=true")
	if err == nil || !strings.Contains(err.Error(), "allowAllFiles") {
		t.Fatalf("Open with allowAllFiles = %v, want a refusal naming it", err)
	}
	if n := srv.connections(); n != 0 {
		t.Fatalf("the refused DSN connected %d times", n)
	}

	src, err := Open(ctx, MySQL, "u:p@tcp("+srv.addr+")/x")
	if err == nil {
		src.Close()
	}
	got := srv.received()
	if got == nil {
		t.Fatalf("the server never asked for the file (Open: %v)", err)
	}
	if bytes.Contains(got, []byte("TOP-SECRET")) || len(got) != 0 {
		t.Fatalf("the driver answered the LOCAL INFILE request with %q", got)
	}
}

type fakeMySQL struct {
	addr string
	mu   sync.Mutex
	n    int
	got  []byte // what the client sent after the LOCAL INFILE request
}

func (s *fakeMySQL) connections() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }
func (s *fakeMySQL) received() []byte { s.mu.Lock(); defer s.mu.Unlock(); return s.got }

func startFakeMySQL(t *testing.T, file string) *fakeMySQL {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &fakeMySQL{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.n++
			s.mu.Unlock()
			go s.serve(c, file)
		}
	}()
	return s
}

func (s *fakeMySQL) serve(c net.Conn, file string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	write := func(seq byte, payload []byte) {
		h := make([]byte, 4)
		binary.LittleEndian.PutUint32(h, uint32(len(payload)))
		h[3] = seq
		c.Write(append(h, payload...))
	}
	read := func() (byte, []byte, error) {
		h := make([]byte, 4)
		if _, err := io.ReadFull(c, h); err != nil {
			return 0, nil, err
		}
		n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
		p := make([]byte, n)
		_, err := io.ReadFull(c, p)
		return h[3], p, err
	}
	ok := []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}
	// Handshake v10: protocol 41, secure connection, plugin auth, local files.
	caps := uint32(0x0001 | 0x0004 | 0x0008 | 0x0080 | 0x0200 | 0x2000 | 0x8000 | 0x80000)
	var hs bytes.Buffer
	hs.WriteByte(10)
	hs.WriteString("5.7.0-fake\x00")
	hs.Write([]byte{1, 0, 0, 0})
	hs.WriteString("abcdefgh\x00")
	hs.Write([]byte{byte(caps), byte(caps >> 8), 45, 2, 0, byte(caps >> 16), byte(caps >> 24), 21})
	hs.Write(make([]byte, 10))
	hs.WriteString("ijklmnopqrst\x00")
	hs.WriteString("mysql_native_password\x00")
	write(0, hs.Bytes())
	if _, _, err := read(); err != nil { // handshake response
		return
	}
	write(2, ok)
	for {
		_, p, err := read()
		if err != nil || len(p) == 0 {
			return
		}
		switch p[0] {
		case 0x03: // COM_QUERY: ask for the file
			write(1, append([]byte{0xfb}, file...))
			_, got, err := read()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.got == nil {
				s.got = append([]byte{}, got...)
			}
			s.mu.Unlock()
			write(3, ok)
		case 0x0e: // COM_PING
			write(1, ok)
		case 0x01: // COM_QUIT
			return
		default:
			write(1, ok)
		}
	}
}

// FuzzSQLitePath checks the SQLite folder rule on a folder that holds a
// link to a file outside it and a link to its parent: whatever the input,
// a path accepted as inside the folder is its own normal form, has no ..,
// and neither is nor leads to the outside file.
func FuzzSQLitePath(f *testing.F) {
	base := f.TempDir()
	real, err := filepath.EvalSymlinks(base)
	if err != nil {
		f.Fatal(err)
	}
	folder := filepath.Join(real, "datasources", "11430200DM0000019X")
	outside := filepath.Join(real, "govshare.db")
	if err := os.MkdirAll(filepath.Join(folder, "sub"), 0o750); err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{outside, filepath.Join(folder, "own.db")} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(folder, "link.db")); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(folder, "up")); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"own.db", "link.db", "up/govshare.db", "../../govshare.db", "sub/../own.db", "sub/../../11430200DM0000019X/own.db",
		"file:own.db?mode=rw", "sqlite://up/govshare.db", "./sub/./x.db", "sub/%2e%2e/%2e%2e/govshare.db", "file:sub/../link.db#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		for _, dsn := range []string{filepath.Join(folder, rel), "file:" + folder + "/" + rel, rel} {
			p, err := NormalizeSQLitePath(dsn)
			if err != nil || !InFolder(folder, p) {
				continue
			}
			again, err := NormalizeSQLitePath(p)
			if err != nil || again != p {
				t.Fatalf("%q: accepted as %q, which normalises to %q (%v)", dsn, p, again, err)
			}
			if strings.Contains(p, string(filepath.Separator)+".."+string(filepath.Separator)) || strings.HasSuffix(p, string(filepath.Separator)+"..") {
				t.Fatalf("%q: accepted as %q, with ..", dsn, p)
			}
			if p == outside {
				t.Fatalf("%q: accepted as the outside file", dsn)
			}
			if r, err := filepath.EvalSymlinks(p); err == nil && !InFolder(folder, r) {
				t.Fatalf("%q: accepted as %q, which leads to %q", dsn, p, r)
			}
		}
	})
}
