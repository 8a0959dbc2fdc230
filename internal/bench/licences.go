package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/api"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// LicenceOptions configure the licence benchmark.
type LicenceOptions struct {
	Licences int           // title certificates imported
	Batch    int           // licences a transaction (one ledger append)
	Rate     int           // verification requests a second
	Duration time.Duration // of the verification run
	Target
}

// Licences imports and anchors o.Licences real-estate title certificates
// (不动产权证书) from one CSV file through the licence library (both passes:
// every row checked against its type, within the file and against the
// library; then written in transactions of o.Batch licences, each with its
// ledger leaves and checkpoints every second), beside a bare multi-row
// INSERT of the same rows in transactions of the same size, on SQLite and
// (with Target.Database) PostgreSQL, in one run; then the verification
// API's latency at o.Rate requests a second through HTTP (session lookup,
// the check character, the database read).
func Licences(ctx context.Context, o LicenceOptions, out io.Writer) error {
	targets := []struct{ name, dsn string }{{"SQLite", filepath.Join(o.Dir, "licences.db")}}
	if o.Database != "" {
		targets = append(targets, struct{ name, dsn string }{"PostgreSQL", o.Database})
	}
	os.Remove(targets[0].dsn)
	os.Remove(targets[0].dsn + "-wal")
	os.Remove(targets[0].dsn + "-shm")
	fmt.Fprintf(out, "licences: import and anchor %d title certificates from CSV (checked, then written %d a transaction with their ledger leaves); bare INSERT of the same rows; verification API at %d req/s for %s\n",
		o.Licences, o.Batch, o.Rate, o.Duration)
	fmt.Fprintf(out, "%-11s %10s %12s %14s %12s %14s %7s %10s %10s %8s\n", "database", "CSV MB", "import", "licences/s", "bare INSERT", "bare rows/s", "ratio", "verify p50", "verify p99", "errors")
	for _, tg := range targets {
		if err := licenceTarget(ctx, o, tg.name, tg.dsn, out); err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
	}
	return nil
}

func licenceTarget(ctx context.Context, o LicenceOptions, name, dsn string, out io.Writer) error {
	db, orgs, _, err := openCity(ctx, dsn, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, ledger.Migration, licence.Migration); err != nil {
		return err
	}
	signer, err := ledger.NewSigner("bench.govshare.local/ledger")
	if err != nil {
		return err
	}
	l := ledger.New(db, signer, ledger.Options{Interval: time.Second, MaxBatch: max(4096, o.Batch)})
	l.Start()
	defer l.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go l.Run(runCtx)
	log := audit.New(db)
	svc := licence.NewService(db, log, orgs, l)
	defer svc.Close()
	svc.ImportBatch = o.Batch
	_, bdc, err := orgs.Login(ctx, "bdc.cataloger", demo.Password, "127.0.0.1")
	if err != nil {
		return err
	}
	types, err := svc.Types(ctx, bdc.DepartmentID)
	if err != nil {
		return err
	}
	var typ licence.Type
	if len(types) > 0 {
		typ = types[0]
	} else if typ, err = svc.CreateType(ctx, bdc, licence.TypeInput{Name: "不动产权证书", HolderKind: licence.Person, Title: "中华人民共和国不动产权证书",
		Items: []licence.ItemDef{{Code: "location", Label: "坐落", Type: licence.ItemText, Required: true, Mask: mask.Address},
			{Code: "unit", Label: "不动产单元号", Type: licence.ItemText, Required: true, Mask: mask.Full},
			{Code: "right_type", Label: "权利类型", Type: licence.ItemText, Required: true},
			{Code: "area", Label: "面积", Type: licence.ItemNumber, Required: true}}}); err != nil {
		return err
	}
	// One file; the run's own numbers, so a database a previous run filled
	// takes new licences.
	run := time.Now().Format("150405")
	var csv bytes.Buffer
	csv.WriteString(strings.Join(licence.TemplateHeader(typ), ",") + "\n")
	rows := make([][]any, 0, o.Licences)
	for i := range o.Licences {
		number := fmt.Sprintf("湘（2026）株洲市不动产权第B%s%07d号", run, i)
		holder, hname := benchID(i), fmt.Sprintf("测试%07d", i)
		loc, unit, area := fmt.Sprintf("湖南省株洲市天元区黄河北路%d号%d栋%d室", i%300, i%30, 101+i%2500), fmt.Sprintf("430211%06dGB%05dF%08d", i%1000000, i%100000, i), fmt.Sprintf("%d.%02d", 40+i%160, i%100)
		fmt.Fprintf(&csv, ",,%s,%s,%s,2026-11-01,,,%s,%s,国有建设用地使用权/房屋所有权,%s\n", number, hname, holder, loc, unit, area)
		rows = append(rows, []any{number, hname, holder, loc, unit, area})
	}
	mb := float64(csv.Len()) / (1 << 20)
	t0 := time.Now()
	rep, err := svc.Import(ctx, bdc, typ.Code, licence.FormatCSV, csv.Bytes())
	if err != nil {
		if len(rep.Problems) > 0 {
			return fmt.Errorf("import: row %d %s: %s", rep.Problems[0].Row, rep.Problems[0].Column, rep.Problems[0].Message)
		}
		return fmt.Errorf("import: %w", err)
	}
	imported := time.Since(t0)
	bare, err := bareLicences(ctx, db, rows, o.Batch)
	if err != nil {
		return err
	}
	// Verification at a fixed rate through the API.
	p50, p99, bad, err := verifyLatency(ctx, db, orgs, log, svc, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-11s %10.1f %12s %14.0f %12s %14.0f %6.1fx %10s %10s %8d\n", name, mb, imported.Round(10*time.Millisecond), float64(rep.Issued)/imported.Seconds(),
		bare.Round(10*time.Millisecond), float64(len(rows))/bare.Seconds(), imported.Seconds()/bare.Seconds(), p50, p99, bad)
	return nil
}

// benchID is a synthetic citizen ID number with its check character.
func benchID(i int) string {
	body := fmt.Sprintf("430202%08d%03d", 19500101+(i/1000)%50*10000, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := range 17 {
		sum += int(body[k]-'0') * w[k]
	}
	return body + string("10X98765432"[sum%11])
}

// bareLicences inserts the same rows into a table shaped like licences,
// without checks, events or leaves, in transactions of batch rows.
func bareLicences(ctx context.Context, db *store.DB, rows [][]any, batch int) (time.Duration, error) {
	return bareRows(ctx, db, "bench_licences_bare", "id BIGINT PRIMARY KEY, number TEXT NOT NULL, holder_name TEXT NOT NULL, holder_id TEXT NOT NULL, items TEXT NOT NULL",
		[]string{"id", "number", "holder_name", "holder_id", "items"}, len(rows), batch, 200, func(i int) []any {
			r := rows[i]
			items, _ := json.Marshal([]any{r[3], r[4], r[5]})
			return []any{int64(i), r[0], r[1], r[2], string(items)}
		})
}

// verifyLatency serves the API on a loopback port and sends
// POST /api/v1/licences/verify at o.Rate a second for o.Duration, each at
// its scheduled time, identifiers drawn from the library, measured from the
// schedule (no coordinated omission).
func verifyLatency(ctx context.Context, db *store.DB, orgs *org.Service, log *audit.Log, svc *licence.Service, o LicenceOptions) (p50, p99 time.Duration, bad int, err error) {
	svc.VerifyRate = 0 // one caller at 500/s: the per-caller limit would answer 429
	r := chi.NewRouter()
	api.Register(r, api.Deps{Org: orgs, Audit: log, Logger: slog.New(slog.DiscardHandler), Version: "bench", Licences: svc})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, 0, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	sess, _, err := orgs.Login(ctx, "gaj.consumer", demo.Password, "127.0.0.1")
	if err != nil {
		return 0, 0, 0, err
	}
	var ids []string
	rows, err := db.Query(ctx, "SELECT identifier FROM licences ORDER BY id DESC LIMIT 5000")
	if err != nil {
		return 0, 0, 0, err
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		ids = append(ids, s)
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, 0, 0, fmt.Errorf("no licences to verify")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}
	n := max(1, int(o.Duration.Seconds()*float64(o.Rate)))
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	interval := time.Second / time.Duration(o.Rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		if ctx.Err() != nil {
			break
		}
		body := `{"identifier":"` + ids[i%len(ids)] + `"}`
		wg.Go(func() {
			req, _ := http.NewRequest("POST", base+"/api/v1/licences/verify", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+sess.Token)
			resp, err := client.Do(req)
			if err == nil {
				var v licence.Verdict
				json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				ok[i] = resp.StatusCode == http.StatusOK && v.Valid
			}
			lat[i] = time.Since(at)
		})
	}
	wg.Wait()
	for _, x := range ok {
		if !x {
			bad++
		}
	}
	slices.Sort(lat)
	return pct(lat, 50), pct(lat, 99), bad, nil
}
