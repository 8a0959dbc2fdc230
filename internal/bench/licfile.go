package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/store"
)

// LicenceFileOptions configure the licence file benchmark.
type LicenceFileOptions struct {
	Files   int // licence files rendered, sealed, delivered and verified
	Workers int // concurrent renderers and verifiers
	Target      // Dir holds the SQLite database of the seals and the ledger
}

type benchDepartments struct{}

func (benchDepartments) Department(_ context.Context, id int64) (org.Department, error) {
	return org.Department{ID: id, Name: "株洲市自然资源和规划局"}, nil
}

// LicenceFiles measures licence files (电子证照文件): Master (render the
// PDF with its QR code and seal it with SM2, an incremental-update PDF
// signature) per second, Deliver (append the ledger evidence) per second,
// and the offline Verify (both signatures' digests, the certificate chain,
// the data hash, the checkpoint and the inclusion proof) per second, beside
// the bare SM2 CMS sign and verify of the same bytes in the same run: the
// floor under each.
func LicenceFiles(ctx context.Context, o LicenceFileOptions, out io.Writer) error {
	if o.Files < 1 || o.Workers < 1 {
		return errors.New("licence files: want at least one file and one worker")
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "govshare-bench-licfile-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	db, err := store.Open(ctx, filepath.Join(dir, "licfile.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, seal.Migration, ledger.Migration); err != nil {
		return err
	}
	seals := seal.New(db, cryptosuite.RandomSealer(), benchDepartments{}, seal.Options{})
	if err := seals.Start(ctx); err != nil {
		return err
	}
	// A database kept from an earlier run has a CA sealed with another key.
	if _, err := seals.Signer(ctx, 1); err != nil {
		return fmt.Errorf("licence files: %w (remove %s, kept from an earlier run)", err, filepath.Join(dir, "licfile.db"))
	}
	signer, err := ledger.NewSigner("bench.govshare.local/ledger")
	if err != nil {
		return err
	}
	log := ledger.New(db, signer, ledger.Options{})
	log.Start()
	defer log.Close()
	keys, err := ledger.ParseVerifierKeys(strings.Join(signer.VerifierKeys(), "\n"))
	if err != nil {
		return err
	}
	roots, err := seal.ParseCertificatesPEM(seals.CACertificatePEM())
	if err != nil {
		return err
	}
	files := licfile.NewService(seals, nil)
	docs := make([]licfile.Document, o.Files)
	for i := range docs {
		docs[i] = benchLicence(i)
	}
	fmt.Fprintf(out, "licence files: %d files, %d workers; a 不动产权证书 with 6 surface items, a QR code and a holder with an Extension B character\n", o.Files, o.Workers)
	fmt.Fprintf(out, "%-34s %10s %10s %10s\n", "step", "files/s", "p50", "p99")

	// The fonts load on the first file: not timed.
	if _, err := files.Master(ctx, docs[0], licfile.Layout{}, 1, ""); err != nil {
		return err
	}
	masters := make([][]byte, o.Files)
	res, err := runFiles(o.Files, o.Workers, func(i int) error {
		b, err := files.Master(ctx, docs[i], licfile.Layout{Title: "中华人民共和国不动产权证书"}, 1, fmt.Sprintf("https://gov.example.cn/v/%d", i))
		masters[i] = b
		return err
	})
	if err != nil {
		return err
	}
	res.print(out, "Master (render + SM2 seal)")

	// Anchor every issued event, publish one checkpoint, deliver.
	evs := make([]licfile.Event, o.Files)
	recs := make([]ledger.Record, o.Files)
	at := time.Now().UTC().Truncate(time.Second)
	for i, d := range docs {
		evs[i] = licfile.Event{Name: licfile.Issued, Identifier: d.Identifier, Version: "001", Data: d.DataHash(), At: at}
		recs[i] = ledger.Record{Kind: licfile.LedgerKind(licfile.Issued), Hash: evs[i].Hash(), At: at}
	}
	if _, err := log.Append(ctx, recs, nil); err != nil {
		return err
	}
	cp, err := log.Publish(ctx)
	if err != nil {
		return err
	}
	delivered := make([][]byte, o.Files)
	res, err = runFiles(o.Files, o.Workers, func(i int) error {
		p, err := log.InclusionProof(ctx, recs[i].LeafHash(), cp.Size)
		if err != nil {
			return err
		}
		delivered[i], err = files.Deliver(ctx, masters[i], licfile.Evidence{Event: evs[i], Checkpoint: []byte(cp.Note), Proof: p})
		return err
	})
	if err != nil {
		return err
	}
	res.print(out, "Deliver (proof + evidence)")
	res, err = runFiles(o.Files, o.Workers, func(i int) error {
		_, err := licfile.Verify(delivered[i], roots, keys)
		return err
	})
	if err != nil {
		return err
	}
	res.print(out, "Verify (offline, all checks)")

	// The floor: bare SM2 CMS over the same bytes.
	sg, err := seals.Signer(ctx, 1)
	if err != nil {
		return err
	}
	sigs := make([][]byte, o.Files)
	res, err = runFiles(o.Files, o.Workers, func(i int) error {
		var err error
		sigs[i], err = sg.Sign(masters[i])
		return err
	})
	if err != nil {
		return err
	}
	res.print(out, "bare SM2 CMS sign (same bytes)")
	pool := smx509.NewCertPool()
	pool.AddCert(roots[0])
	res, err = runFiles(o.Files, o.Workers, func(i int) error {
		p7, err := pkcs7.Parse(sigs[i])
		if err != nil {
			return err
		}
		p7.Content = masters[i]
		return p7.VerifyWithChain(pool)
	})
	if err != nil {
		return err
	}
	res.print(out, "bare SM2 CMS verify (same bytes)")
	fmt.Fprintf(out, "file size: master %d bytes, delivered %d bytes\n", len(masters[0]), len(delivered[0]))
	return nil
}

func benchLicence(i int) licfile.Document {
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	return licfile.Document{
		Identifier: fmt.Sprintf("1.2.156.3005.2.11100000000013338W032.11220000013544541J.B%09d.001.X", i),
		Number:     fmt.Sprintf("湘（2026）株洲市不动产权第 %07d 号", i), TypeCode: "11100000000013338W032", TypeName: "不动产权证书",
		HolderName: "𠮷田春花", HolderID: "430202199001011234", HolderIDType: "111", Issuer: "株洲市自然资源和规划局", IssuerCode: "11220000013544541J",
		IssuedOn: day, ValidFrom: day,
		Items: []licfile.Item{
			{Code: "owner_type", Label: "共有情况", Value: "单独所有"}, {Code: "location", Label: "坐落", Value: fmt.Sprintf("天元区长江北路 %d 号", i)},
			{Code: "unit", Label: "不动产单元号", Value: fmt.Sprintf("430211001001GB00001F%08d", i)}, {Code: "use", Label: "用途", Value: "城镇住宅用地/住宅"},
			{Code: "area", Label: "面积", Value: "共有宗地面积 12000 平方米/房屋建筑面积 98.62 平方米"}, {Code: "term", Label: "使用期限", Value: "2076 年 12 月 06 日止"},
		},
	}
}

// fileRate is the outcome of a parallel run.
type fileRate struct {
	n        int
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r fileRate) print(out io.Writer, name string) {
	fmt.Fprintf(out, "%-34s %10.1f %10s %10s\n", name, float64(r.n)/r.elapsed.Seconds(), r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
}

// parallel runs fn for 0..n-1 on workers goroutines and times each call.
func runFiles(n, workers int, fn func(i int) error) (fileRate, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	r := fileRate{n: n, elapsed: time.Since(start)}
	slices.Sort(lat)
	r.p50, r.p99 = lat[n/2], lat[min(n-1, n*99/100)]
	return r, first
}
