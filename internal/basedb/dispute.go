package basedb

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// States of a dispute: open → confirmed, corrected or rejected.
const (
	Open      = "open"      // raised, awaiting the source department's steward
	Confirmed = "confirmed" // the steward confirmed the golden value
	Corrected = "corrected" // the steward corrected the value at the source
	Rejected  = "rejected"  // the steward rejected the dispute, with a reason
)

// DisputeStates lists the states in order.
var DisputeStates = []string{Open, Confirmed, Corrected, Rejected}

// Side is one of a dispute's two values with its provenance.
type Side struct {
	Attr         string    `json:"attr"`
	Value        string    `json:"value"`
	Source       string    `json:"source"`
	RowKey       string    `json:"row_key"`
	BusinessTime time.Time `json:"business_time"`
}

// Dispute is a disputed value (疑义数据): two values the rules could not settle.
type Dispute struct {
	ID                int64     `json:"id"`
	DB                string    `json:"db"`
	Subject           string    `json:"subject" doc:"The record's key, masked for those who may not see records"`
	Kind              string    `json:"kind" enum:"same_time,death_before_payment,closed_licensed,red_and_black,flagged"`
	A                 Side      `json:"a" doc:"The golden value (or the earlier attribute of a rule)"`
	B                 Side      `json:"b" doc:"The value that disputes it"`
	State             string    `json:"state" enum:"open,confirmed,corrected,rejected"`
	RaisedAt          time.Time `json:"raised_at"`
	DueAt             time.Time `json:"due_at" doc:"The time limit, in working days from raising"`
	Overdue           bool      `json:"overdue"`
	DecidedBy         string    `json:"decided_by,omitempty"`
	DecidedAt         time.Time `json:"decided_at,omitzero"`
	Correction        string    `json:"correction,omitempty"`
	Reason            string    `json:"reason,omitempty"`
	FlaggedBy         string    `json:"flagged_by,omitempty" doc:"The consumer who flagged the value (kind flagged)"`
	FlaggerDepartment int64     `json:"flagger_department,omitempty"`
	FlagReason        string    `json:"flag_reason,omitempty" doc:"Why the consumer flagged it"`
	Mandate           int64     `json:"correction_mandate,omitempty" doc:"The aggregation mandate whose channel carries the correction back to the source"`
}

// DisputeFilter selects disputes.
type DisputeFilter struct {
	DB       string
	State    string
	Page     int
	PageSize int
}

const selectDispute = `SELECT id, db, subject, kind, attr_a, value_a, source_a, row_a, time_a, attr_b, value_b, source_b, row_b, time_b,
	state, raised_at, due_at, decided_by, decided_at, correction, reason, flagged_by, flagger_department, flag_reason, mandate_id FROM basedb_disputes`

func scanDispute(sc interface{ Scan(...any) error }, now time.Time) (Dispute, error) {
	var d Dispute
	var ta, tb, raised, due, decided string
	if err := sc.Scan(&d.ID, &d.DB, &d.Subject, &d.Kind, &d.A.Attr, &d.A.Value, &d.A.Source, &d.A.RowKey, &ta,
		&d.B.Attr, &d.B.Value, &d.B.Source, &d.B.RowKey, &tb, &d.State, &raised, &due, &d.DecidedBy, &decided, &d.Correction, &d.Reason,
		&d.FlaggedBy, &d.FlaggerDepartment, &d.FlagReason, &d.Mandate); err != nil {
		return d, err
	}
	d.A.BusinessTime, _ = store.ParseTime(ta)
	d.B.BusinessTime, _ = store.ParseTime(tb)
	d.RaisedAt, _ = store.ParseTime(raised)
	d.DueAt, _ = store.ParseTime(due)
	d.DecidedAt, _ = store.ParseTime(decided)
	d.Overdue = d.State == Open && now.After(d.DueAt)
	return d, nil
}

// departmentSources answers the sources bound to department dept.
func (s *Service) departmentSources(ctx context.Context, dept int64) ([]string, error) {
	rows, err := s.db.Query(ctx, "SELECT source FROM basedb_sources WHERE department_id = ?", dept)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var src string
		if err := rows.Scan(&src); err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// Disputes lists disputes, newest first: all of them for the staff of the
// data authority, those involving a department's own sources for its staff.
// Subjects are masked for those who may not read records in clear.
func (s *Service) Disputes(ctx context.Context, p org.Principal, f DisputeFilter) ([]Dispute, int, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	if a.dept == 0 {
		return nil, 0, errs.New(errs.Forbidden, msgReadDenied)
	}
	var where []string
	var args []any
	if f.DB != "" {
		where, args = append(where, "db = ?"), append(args, f.DB)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if !a.authority {
		srcs, err := s.departmentSources(ctx, a.dept)
		if err != nil {
			return nil, 0, err
		}
		// Its own sources' disputes, and those its staff flagged.
		cond := "flagger_department = ?"
		args = append(args, a.dept)
		if len(srcs) > 0 {
			ph := strings.Repeat(", ?", len(srcs))[2:]
			cond = "(source_a IN (" + ph + ") OR source_b IN (" + ph + ") OR " + cond + ")"
			args = args[:len(args)-1]
			for range 2 {
				for _, src := range srcs {
					args = append(args, src)
				}
			}
			args = append(args, a.dept)
		}
		where = append(where, cond)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM basedb_disputes"+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page, size := store.Page(f.Page, f.PageSize)
	rows, err := s.db.Query(ctx, selectDispute+cond+" ORDER BY id DESC LIMIT ? OFFSET ?", append(args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	now := s.now()
	out := []Dispute{}
	for rows.Next() {
		d, err := scanDispute(rows, now)
		if err != nil {
			return nil, 0, err
		}
		if !a.records {
			s.maskDispute(&d)
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// maskDispute hides the subject and the values of sensitive attributes.
func (s *Service) maskDispute(d *Dispute) {
	d.Subject = maskKey(d.Subject)
	sc, err := s.schema(d.DB)
	if err != nil {
		return
	}
	for _, side := range []*Side{&d.A, &d.B} {
		if at, ok := sc.Attribute(side.Attr); ok {
			side.Value = maskAttr(at, side.Value)
		}
	}
	if at, ok := sc.Attribute(d.A.Attr); ok && d.Correction != "" {
		d.Correction = maskAttr(at, d.Correction)
	}
}

// Decision settles an open dispute.
type Decision struct {
	Value  string `json:"value,omitempty" maxLength:"200" doc:"The corrected value (correct)"`
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"Why (reject: required)"`
}

// Decide settles an open dispute as confirmed, corrected or rejected: an
// approver of a department whose source is disputed, or of the data
// authority. A correction is recorded with the dispute; the corrected value
// enters the base database when the source delivers it through its channel.
func (s *Service) Decide(ctx context.Context, p org.Principal, id int64, state string, in Decision) (Dispute, error) {
	action := "basedb.dispute." + map[string]string{Confirmed: "confirm", Corrected: "correct", Rejected: "reject"}[state]
	tgt := "dispute:" + strconv.FormatInt(id, 10)
	in.Value, in.Reason = strings.TrimSpace(in.Value), strings.TrimSpace(in.Reason)
	f := errs.Fields{}
	if state == Corrected && in.Value == "" {
		f.AddMsg("value", msgRequired)
	}
	if state == Rejected && in.Reason == "" {
		f.AddMsg("reason", msgRequired)
	}
	if utf8.RuneCountInString(in.Value) > 200 {
		f.AddMsg("value", msgTooLong, 200)
	}
	if utf8.RuneCountInString(in.Reason) > 500 {
		f.AddMsg("reason", msgTooLong, 500)
	}
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Dispute{}, err
	}
	var d Dispute
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = scanDispute(tx.QueryRow(ctx, selectDispute+" WHERE id = ?", id), s.now())
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, msgNoDispute, id)
		}
		if err != nil {
			return err
		}
		ok := a.authority && p.Can(org.ReviewCatalog)
		if !ok && a.dept != 0 && p.Can(org.ReviewCatalog) {
			srcs, err := s.departmentSources(ctx, a.dept)
			if err != nil {
				return err
			}
			for _, src := range srcs {
				ok = ok || src == d.A.Source || src == d.B.Source
			}
		}
		if !ok {
			return errs.New(errs.Forbidden, msgDecideDenied)
		}
		if err := f.Err(); err != nil {
			return err
		}
		if d.State != Open {
			return errs.New(errs.Conflict, msgDisputeState, id, d.State)
		}
		now := s.now()
		// A correction of a source fed by an aggregation mandate is noted
		// for the mandate's channel, which carries it back to the source.
		var mandate int64
		if state == Corrected {
			err := tx.QueryRow(ctx, "SELECT mandate_id FROM basedb_sources WHERE db = ? AND source = ?", d.DB, d.A.Source).Scan(&mandate)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE basedb_disputes SET state = ?, decided_by = ?, decided_at = ?, correction = ?, reason = ?, mandate_id = ? WHERE id = ?",
			state, p.Username, store.FormatTime(now), in.Value, in.Reason, mandate, id); err != nil {
			return err
		}
		d.State, d.DecidedBy, d.DecidedAt, d.Correction, d.Reason, d.Overdue, d.Mandate = state, p.Username, now, in.Value, in.Reason, false, mandate
		return s.audit.Append(ctx, tx, org.Entry(p, action, tgt, audit.Success, audit.ReasonDetail(in.Reason)))
	})
	if err != nil {
		return Dispute{}, org.Denied(ctx, s.audit, p, action, tgt, err)
	}
	if !a.records {
		s.maskDispute(&d)
	}
	return d, nil
}
