package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// AssessmentOptions size "bench assessment".
type AssessmentOptions struct {
	Departments int // departments assessed; the demo city's and generated ones
	Entries     int // catalog entries per department
	Target
}

// Assessment times the monthly assessment (考核) of o.Departments
// departments with o.Entries catalog entries each (goal: under 10 s), on
// SQLite and, with a database, PostgreSQL, and reports the records it read.
func Assessment(ctx context.Context, o AssessmentOptions, out io.Writer) error {
	targets := []struct{ name, dsn string }{{"SQLite", filepath.Join(o.Dir, "assessment.db")}}
	if o.Database != "" {
		targets = append(targets, struct{ name, dsn string }{"PostgreSQL", o.Database})
	}
	fmt.Fprintf(out, "assessment: the monthly assessment of %d departments with %d catalog entries each (goal < 10 s)\n", o.Departments, o.Entries)
	fmt.Fprintf(out, "%-11s %12s %14s %14s %10s\n", "database", "generate", "records read", "records kept", "goal")
	for _, tg := range targets {
		if tg.name == "SQLite" {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(tg.dsn + suffix)
			}
		}
		if err := assessTarget(ctx, o, tg.name, tg.dsn, out); err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
	}
	return nil
}

func assessTarget(ctx context.Context, o AssessmentOptions, name, dsn string, out io.Writer) error {
	db, orgs, cat, err := openCity(ctx, dsn, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, lists.Migration, sharing.Migration, assess.Migration); err != nil {
		return err
	}
	log := audit.New(db)
	l := lists.NewService(db, log, orgs, cat)
	sh := sharing.NewService(db, log, orgs, cat, l)
	svc := assess.NewService(db, log, orgs, assess.Sources{Catalog: cat, Lists: l, Sharing: sh})
	login := func(u string) (org.Principal, error) {
		_, p, err := orgs.Login(ctx, u, demo.Password, "127.0.0.1")
		return p, err
	}
	admin, err := login(org.AdminUsername)
	if err != nil {
		return err
	}
	sec, err := login("secadmin")
	if err != nil {
		return err
	}
	var catalogers []org.Principal
	for _, d := range demo.Departments {
		if p, err := login(demo.Username(d, org.Cataloger)); err == nil {
			catalogers = append(catalogers, p)
		}
	}
	for i := len(demo.Departments); i < o.Departments; i++ {
		d := demo.Department{Key: fmt.Sprintf("b%02d", i), Region: demo.CityCode, Kind: org.KindDepartment}
		dep, _, err := orgs.CreateDepartment(ctx, admin, org.DepartmentInput{Name: fmt.Sprintf("株洲市压测第%d局（合成）", i), CreditCode: demo.CreditCode(i, d),
			RegionCode: d.Region, Kind: d.Kind})
		if err != nil {
			return err
		}
		u, _, err := orgs.CreateUser(ctx, admin, org.UserInput{Username: d.Key + ".cataloger", DisplayName: "压测编目员", DepartmentID: dep.ID, Password: demo.Password})
		if err != nil {
			return err
		}
		if _, err := orgs.SetRoles(ctx, sec, u.ID, []org.Role{org.Cataloger}); err != nil {
			return err
		}
		p, err := login(d.Key + ".cataloger")
		if err != nil {
			return err
		}
		catalogers = append(catalogers, p)
	}
	r := rand.New(rand.NewPCG(14, 51))
	n := 0
	for _, p := range catalogers {
		var es []catalog.Entry
		for j := 0; j < o.Entries; j++ {
			es = append(es, generate(r, n))
			n++
		}
		if err := cat.CreateMany(ctx, p, es); err != nil {
			return err
		}
	}
	// Take the synthetic entries through review at once: two in three
	// mounted, as a month's end might find them.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE catalog_entries SET status = ?, published = (id > 0), mounted = (id % 3 <> 0)", catalog.StatusPublished)
		return err
	}); err != nil {
		return err
	}
	depts, _, err := orgs.Departments(ctx, org.DepartmentFilter{PageSize: store.MaxPageSize})
	if err != nil {
		return err
	}
	var authority org.Principal
	if authority, err = login("xzsp.approver"); err != nil {
		return err
	}
	period := time.Now().In(lists.Beijing).Format("2006-01")
	t0 := time.Now()
	rep, err := svc.Generate(ctx, authority, period, assess.LevelDepartment)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	var kept int64
	if err := db.QueryRow(ctx, "SELECT count(*) FROM assess_records WHERE report_id = ?", rep.ID).Scan(&kept); err != nil {
		return err
	}
	verdict := "met"
	if took > 10*time.Second {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "%-11s %12s %14d %14d %10s   (%d departments assessed)\n", name, took.Round(time.Millisecond), rep.RecordsRead, kept, verdict, len(depts))
	return nil
}
