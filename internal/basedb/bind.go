package basedb

import (
	"context"
	"strconv"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// MandateInfo is what binding a source needs to know of an aggregation
// mandate (归集任务).
type MandateInfo struct {
	Provider  int64 // the providing department
	Confirmed bool
}

// Mandates resolves an aggregation mandate; an error wrapping a NotFound
// errs.Error for none.
type Mandates func(ctx context.Context, id int64) (MandateInfo, error)

// SetMandates gives the service the resolver BindSource checks mandates with.
func (s *Service) SetMandates(m Mandates) { s.mandates = m }

// BindSource binds a base database's source to a confirmed aggregation
// mandate (归集任务) at an approver of the data authority's request: the
// mandate's provider becomes the source's department (its steward settles
// the disputes), and the next ingest reads the mandate's delivered table
// from the start. Mandate 0 unbinds the source. Audited.
func (s *Service) BindSource(ctx context.Context, p org.Principal, db, source string, mandate int64) (SourceInfo, error) {
	const action = "basedb.source.bind"
	tgt := "basedb:" + db
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return SourceInfo{}, err
	}
	if !a.authority || !p.Can(org.ReviewCatalog) {
		return SourceInfo{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgBindDenied))
	}
	sc, err := s.schema(db)
	if err != nil {
		return SourceInfo{}, err
	}
	src, ok := sc.Source(source)
	if !ok {
		return SourceInfo{}, errs.New(errs.NotFound, msgNoSource, source)
	}
	var dept int64
	if mandate > 0 {
		if s.mandates == nil {
			return SourceInfo{}, errs.FieldMsg("mandate_id", msgNoMandate, mandate)
		}
		m, err := s.mandates(ctx, mandate)
		if errs.Is(err, errs.NotFound) {
			return SourceInfo{}, errs.FieldMsg("mandate_id", msgNoMandate, mandate)
		}
		if err != nil {
			return SourceInfo{}, err
		}
		if !m.Confirmed {
			return SourceInfo{}, errs.FieldMsg("mandate_id", msgMandateNotConfirmed, mandate)
		}
		dept = m.Provider
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if mandate == 0 { // unbound: the department stays
			if err := tx.QueryRow(ctx, "SELECT department_id FROM basedb_sources WHERE db = ? AND source = ?", db, source).Scan(&dept); err != nil && !isNoRows(err) {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO basedb_sources (db, source, department_id, mandate_id) VALUES (?, ?, ?, ?)
			ON CONFLICT (db, source) DO UPDATE SET department_id = excluded.department_id, mandate_id = excluded.mandate_id, read_time = '', read_row = ''`,
			db, source, dept, mandate); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, tgt, audit.Success, audit.Keyed(auditBind, source, strconv.FormatInt(mandate, 10))))
	})
	if err != nil {
		return SourceInfo{}, err
	}
	return SourceInfo{ID: src.ID, NameZH: src.NameZH, NameEN: src.NameEN, DepartmentID: dept, MandateID: mandate, Table: src.Table}, nil
}
