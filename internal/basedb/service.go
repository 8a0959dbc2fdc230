package basedb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the schema of the base databases.
var Migration = store.Migration{Domain: "basedb", FS: migrations}

// Service keeps the base databases: it stages sources' rows, merges them
// into golden records, raises disputes, scores quality and answers reads
// and verifications.
type Service struct {
	db    *store.DB
	audit *audit.Log
	org   *org.Service
	now   func() time.Time

	mu      sync.RWMutex
	schemas map[string]*Schema
	order   []string
	ready   map[string]bool // the base databases whose tables exist

	deliveries Deliveries // resolves a source's mandate to its delivered table
	mandates   Mandates   // resolves a mandate to bind a source to
	fonts      *pdfdoc.Loader

	// hook, when set by a test, runs between the merge's statements; an
	// error it returns fails the merge there.
	hook func(step string) error
	// trace, when set, is told each statement of a merge and its time.
	trace func(q string, d time.Duration)
}

// NewService returns the service. It does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service) *Service {
	return &Service{db: db, audit: log, org: orgs, now: time.Now, schemas: map[string]*Schema{}, ready: map[string]bool{}}
}

// Register adds a base database's schema. It panics on a schema that
// contradicts itself: schemas are the program's, not input.
func (s *Service) Register(sc Schema) {
	if err := sc.validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.schemas[sc.Name]; !dup {
		s.order = append(s.order, sc.Name)
	}
	s.schemas[sc.Name] = &sc
}

// Schemas answers the registered schemas in order.
func (s *Service) Schemas() []*Schema {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Schema, len(s.order))
	for i, n := range s.order {
		out[i] = s.schemas[n]
	}
	return out
}

func (s *Service) schema(name string) (*Schema, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, ok := s.schemas[name]
	if !ok {
		return nil, errs.New(errs.NotFound, msgNoDatabase, name)
	}
	return sc, nil
}

// Bind records which department provides a source and which aggregation
// mandate (归集任务) delivers it (0 while none does: demo data staged
// directly).
func (s *Service) Bind(ctx context.Context, db, source string, department, mandate int64) error {
	sc, err := s.schema(db)
	if err != nil {
		return err
	}
	if _, ok := sc.Source(source); !ok {
		return errs.New(errs.NotFound, msgNoSource, source)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO basedb_sources (db, source, department_id, mandate_id) VALUES (?, ?, ?, ?)
			ON CONFLICT (db, source) DO UPDATE SET department_id = excluded.department_id, mandate_id = excluded.mandate_id`,
			db, source, department, mandate)
		return err
	})
}

// lockKey is the advisory lock serialising a base database's staging and
// merges on PostgreSQL, so that staged ids are committed in order below a
// merge's watermark.
func lockKey(db string) int64 {
	h := fnv.New64a()
	fmt.Fprint(h, "basedb:", db)
	return int64(h.Sum64() & 0x7fffffffffffffff)
}

func (s *Service) step(name string) error {
	if s.hook != nil {
		return s.hook(name)
	}
	return nil
}

// workingDays answers t plus n working days (Monday to Friday; public
// holidays are not known to the platform yet).
func workingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// DisputeDays is the time limit, in working days, within which the source
// department's steward settles a dispute.
const DisputeDays = 5

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
