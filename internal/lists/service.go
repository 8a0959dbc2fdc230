package lists

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the lists schema; it needs org's and catalog's.
var Migration = store.Migration{Domain: "lists", FS: migrations}

// Service keeps the demand, duty and negative lists.
type Service struct {
	db    *store.DB
	audit *audit.Log
	org   *org.Service
	cat   *catalog.Service
	now   func() time.Time

	// DemandDays is the number of working days within which a demand is
	// answered; it is overdue from the day after.
	DemandDays int
	// Workday tells whether a day (midnight, China Standard Time) is a
	// working day; nil means Monday to Friday.
	Workday func(day time.Time) bool
}

// NewService returns the lists service. It does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, cat *catalog.Service) *Service {
	return &Service{db: db, audit: log, org: orgs, cat: cat, now: time.Now, DemandDays: 10}
}

// Service is the negative list the catalog consults before publishing.
var _ catalog.NegativeList = (*Service)(nil)

// Beijing is China Standard Time, in which dates and deadlines are read.
var Beijing = time.FixedZone("CST", 8*3600)

// DateFormat is the form of deadlines and due dates.
const DateFormat = "2006-01-02"

func (s *Service) record(ctx context.Context, tx *store.Tx, p org.Principal, action, target, detail string) error {
	return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, detail))
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	return org.Denied(ctx, s.audit, p, action, target, err)
}

// IsAuthority reports whether p is an approver of the data authority, who
// screens demands, records duties and reviews the negative list.
func (s *Service) IsAuthority(ctx context.Context, p org.Principal) (bool, error) {
	if !p.Can(org.ReviewCatalog) || p.DepartmentID == 0 {
		return false, nil
	}
	d, err := s.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return false, err
	}
	return d.Kind == org.KindAuthority, nil
}

func (s *Service) requireAuthority(ctx context.Context, p org.Principal, what *errs.Msg) error {
	ok, err := s.IsAuthority(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.Forbidden, msgAuthorityOnly, what.With())
	}
	return nil
}

// CanRequest reports whether p may state demands for its department.
func CanRequest(p org.Principal) bool {
	return p.DepartmentID != 0 && (p.Can(org.ConsumeData) || p.Can(org.EditCatalog))
}

func (s *Service) nowText() string { return store.FormatTime(s.now()) }

// text checks the length of a trimmed field.
func text(f errs.Fields, field string, v *string, max int, required bool) {
	*v = strings.TrimSpace(*v)
	switch n := utf8.RuneCountInString(*v); {
	case required && n == 0:
		f.AddMsg(field, msgRequired)
	case n > max:
		f.AddMsg(field, msgMaxChars, max)
	}
}

// entryRow is what the lists read of a catalog entry.
type entryRow struct {
	name, category   string
	provider         int64
	published, mount bool
}

type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// readEntry reads an entry's head row; ok is false when there is none.
func readEntry(ctx context.Context, q querier, code string) (entryRow, bool, error) {
	var e entryRow
	err := q.QueryRow(ctx, "SELECT name, category, provider_id, published, mounted FROM catalog_entries WHERE code = ?", code).
		Scan(&e.name, &e.category, &e.provider, &e.published, &e.mount)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("read entry %s: %w", code, err)
	}
	return e, true, nil
}

// departmentName returns the name of a department; ok is false when there is none.
func departmentName(ctx context.Context, q querier, id int64) (string, bool, error) {
	var name string
	err := q.QueryRow(ctx, "SELECT name FROM departments WHERE id = ?", id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return name, err == nil, err
}

func parseTime(s string) time.Time {
	t, _ := store.ParseTime(s)
	return t
}

func notFound(err error, m *errs.Msg, id int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, m, id)
	}
	return fmt.Errorf("read %s: %w", m.With(id), err)
}

// where joins conditions into a WHERE clause.
