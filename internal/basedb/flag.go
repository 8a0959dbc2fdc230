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

// FlagInput is a consumer's dispute (异议) of a value it received: the
// base database, the record's key, the attribute, the value the consumer
// holds to be right (optional) and why.
type FlagInput struct {
	DB     string `json:"db" minLength:"1" maxLength:"40" doc:"The base database: population, legal_entity, credit"`
	Key    string `json:"key" minLength:"1" maxLength:"64" doc:"The record's key"`
	Attr   string `json:"attr" minLength:"1" maxLength:"40" doc:"The attribute whose value is disputed"`
	Value  string `json:"value,omitempty" maxLength:"200" doc:"The value the consumer holds to be right, if it knows one"`
	Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why the value is wrong"`
}

// Flag raises a dispute on a golden value at a data consumer's request (a
// consumer of any department, on a row it received): it goes to the
// steward of the department whose source gave the value, with the value,
// its provenance and the reason, due within DisputeDays working days. The
// flagger's department sees it and its state. Audited.
func (s *Service) Flag(ctx context.Context, p org.Principal, in FlagInput) (Dispute, error) {
	const action = "basedb.dispute.flag"
	tgt := "basedb:" + in.DB
	if p.DepartmentID == 0 || !p.Can(org.ConsumeData) {
		return Dispute{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgFlagDenied))
	}
	sc, err := s.schema(in.DB)
	if err != nil {
		return Dispute{}, err
	}
	key := strings.ToUpper(strings.TrimSpace(in.Key))
	in.Value, in.Reason = strings.TrimSpace(in.Value), strings.TrimSpace(in.Reason)
	f := errs.Fields{}
	at, ok := sc.Attribute(in.Attr)
	if !ok {
		f.AddMsg("attr", msgNoAttr, clip(in.Attr))
	}
	if in.Reason == "" {
		f.AddMsg("reason", msgRequired)
	}
	if utf8.RuneCountInString(in.Reason) > 500 {
		f.AddMsg("reason", msgTooLong, 500)
	}
	if utf8.RuneCountInString(in.Value) > 200 {
		f.AddMsg("value", msgTooLong, 200)
	}
	if in.Value != "" && at.Check != nil {
		if t := at.Check(in.Value, s.now()); t != nil {
			f.AddText("value", *t)
		}
	}
	if err := f.Err(); err != nil {
		return Dispute{}, err
	}
	vals, _, _, err := s.golden(ctx, sc, key)
	if err != nil {
		return Dispute{}, err
	}
	v, ok := vals[at.ID]
	if !ok {
		return Dispute{}, errs.FieldMsg("attr", msgNoValue)
	}
	now := s.now()
	d := Dispute{DB: sc.Name, Subject: key, Kind: KindFlagged, State: Open, RaisedAt: now, DueAt: workingDays(now, DisputeDays),
		A: Side{Attr: at.ID, Value: v.Value, Source: v.Source, RowKey: v.RowKey, BusinessTime: v.BusinessTime},
		B: Side{Attr: at.ID, Value: in.Value, Source: "", BusinessTime: now}, FlaggedBy: p.Username, FlaggerDepartment: p.DepartmentID, FlagReason: in.Reason}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO basedb_disputes (db, subject, kind, attr_a, value_a, source_a, row_a, time_a,
				attr_b, value_b, source_b, row_b, time_b, state, raised_at, due_at, flagged_by, flagger_department, flag_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.DB, d.Subject, d.Kind, d.A.Attr, d.A.Value, d.A.Source, d.A.RowKey, store.FormatTime(d.A.BusinessTime),
			d.B.Attr, d.B.Value, "consumer:"+strconv.FormatInt(p.DepartmentID, 10), store.FormatTime(now), Open, store.FormatTime(now), store.FormatTime(d.DueAt),
			d.FlaggedBy, d.FlaggerDepartment, d.FlagReason).Scan(&d.ID)
		if err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, "dispute:"+strconv.FormatInt(d.ID, 10), audit.Success, audit.ReasonDetail(in.Reason)))
	})
	if err != nil {
		return Dispute{}, err
	}
	d.B.Source = "consumer:" + strconv.FormatInt(p.DepartmentID, 10)
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Dispute{}, err
	}
	if !a.records {
		s.maskDispute(&d)
	}
	return d, nil
}

// Dispute answers one dispute to those who see it in Disputes.
func (s *Service) Dispute(ctx context.Context, p org.Principal, id int64) (Dispute, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Dispute{}, err
	}
	if a.dept == 0 {
		return Dispute{}, errs.New(errs.Forbidden, msgReadDenied)
	}
	d, err := scanDispute(s.db.QueryRow(ctx, selectDispute+" WHERE id = ?", id), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return Dispute{}, errs.New(errs.NotFound, msgNoDispute, id)
	}
	if err != nil {
		return Dispute{}, err
	}
	if !a.authority && d.FlaggerDepartment != a.dept {
		srcs, err := s.departmentSources(ctx, a.dept)
		if err != nil {
			return Dispute{}, err
		}
		mine := false
		for _, src := range srcs {
			mine = mine || src == d.A.Source || src == d.B.Source
		}
		if !mine {
			return Dispute{}, errs.New(errs.NotFound, msgNoDispute, id)
		}
	}
	if !a.records {
		s.maskDispute(&d)
	}
	return d, nil
}

// DisputeStats counts a department's disputes raised from from (inclusive)
// to to (exclusive): those on values its sources gave, for its assessment
// (考核). Overdue counts those still open past their time limit and those
// settled after it.
type DisputeStats struct {
	Raised        int64 `json:"raised"`
	Open          int64 `json:"open"`
	Settled       int64 `json:"settled"`
	SettledInTime int64 `json:"settled_in_time"`
	Overdue       int64 `json:"overdue"`
}

// DisputeStats answers department's dispute counts over [from, to); a
// department with no source bound has none. For the assessment package and
// the dashboard: it checks no permission.
func (s *Service) DisputeStats(ctx context.Context, department int64, from, to time.Time) (DisputeStats, error) {
	var st DisputeStats
	srcs, err := s.departmentSources(ctx, department)
	if err != nil || len(srcs) == 0 {
		return st, err
	}
	ph := strings.Repeat(", ?", len(srcs))[2:]
	now := store.FormatTime(s.now())
	args := []any{now}
	for range 2 {
		for _, src := range srcs {
			args = append(args, src)
		}
	}
	args = append(args, store.FormatTime(from), store.FormatTime(to))
	err = s.db.QueryRow(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state <> 'open' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state <> 'open' AND decided_at <= due_at THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN (state = 'open' AND due_at < ?) OR (state <> 'open' AND decided_at > due_at) THEN 1 ELSE 0 END), 0)
		FROM basedb_disputes WHERE (source_a IN (`+ph+`) OR source_b IN (`+ph+`)) AND raised_at >= ? AND raised_at < ?`, args...).
		Scan(&st.Raised, &st.Open, &st.Settled, &st.SettledInTime, &st.Overdue)
	return st, err
}

// OverdueFor counts the open disputes past their time limit that p may
// settle or flagged: for the dashboard.
func (s *Service) OverdueFor(ctx context.Context, p org.Principal) (int64, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil || a.dept == 0 {
		return 0, err
	}
	q := "SELECT COUNT(*) FROM basedb_disputes WHERE state = ? AND due_at < ?"
	args := []any{Open, store.FormatTime(s.now())}
	if !a.authority {
		srcs, err := s.departmentSources(ctx, a.dept)
		if err != nil {
			return 0, err
		}
		cond := "flagger_department = ?"
		if len(srcs) > 0 {
			ph := strings.Repeat(", ?", len(srcs))[2:]
			cond = "(source_a IN (" + ph + ") OR source_b IN (" + ph + ") OR " + cond + ")"
			for range 2 {
				for _, src := range srcs {
					args = append(args, src)
				}
			}
		}
		q += " AND " + cond
		args = append(args, a.dept)
	}
	var n int64
	err = s.db.QueryRow(ctx, q, args...).Scan(&n)
	return n, err
}
