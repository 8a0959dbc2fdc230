package basedb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

func maskKey(k string) string { return mask.Text(mask.Apply(mask.IDNumber, k)) }

// maskAttr masks a sensitive attribute's value by its rule.
func maskAttr(a Attribute, v string) string {
	if !a.Sensitive {
		return v
	}
	rule := a.Mask
	if rule == "" {
		rule = mask.Full
	}
	return mask.Text(mask.Apply(rule, v))
}

// SourceInfo is a source of a base database with what it delivered.
type SourceInfo struct {
	ID           string `json:"id"`
	NameZH       string `json:"name_zh"`
	NameEN       string `json:"name_en"`
	DepartmentID int64  `json:"department_id"`
	MandateID    int64  `json:"mandate_id" doc:"The aggregation mandate delivering it; 0 while none does (demo data)"`
	Table        string `json:"table"`
	Rows         int64  `json:"rows" doc:"Rows delivered"`
	Quarantined  int64  `json:"quarantined" doc:"Rows quarantined for failing their rules"`
}

// Coverage is the share of records holding an attribute.
type Coverage struct {
	Attr    string `json:"attr"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Records int64  `json:"records"`
	PerMil  int64  `json:"per_mille"`
}

// Summary describes a base database.
type Summary struct {
	Name         string       `json:"name"`
	NameZH       string       `json:"name_zh"`
	NameEN       string       `json:"name_en"`
	Records      int64        `json:"records"`
	OpenDisputes int64        `json:"open_disputes"`
	Quarantined  int64        `json:"quarantined"`
	MergedAt     time.Time    `json:"merged_at,omitzero"`
	Sources      []SourceInfo `json:"sources"`
	Coverage     []Coverage   `json:"coverage"`
	Quality      *Score       `json:"quality,omitempty" doc:"The latest score of the whole base database"`
}

// Databases lists the base databases with their counts, coverage and
// latest quality score, for the staff of any department.
func (s *Service) Databases(ctx context.Context, p org.Principal) ([]Summary, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if a.dept == 0 {
		return nil, errs.New(errs.Forbidden, msgReadDenied)
	}
	var out []Summary
	for _, sc := range s.Schemas() {
		sum, err := s.summary(ctx, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// Database describes one base database.
func (s *Service) Database(ctx context.Context, p org.Principal, db string) (Summary, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Summary{}, err
	}
	if a.dept == 0 {
		return Summary{}, errs.New(errs.Forbidden, msgReadDenied)
	}
	sc, err := s.schema(db)
	if err != nil {
		return Summary{}, err
	}
	return s.summary(ctx, sc)
}

func (s *Service) summary(ctx context.Context, sc *Schema) (Summary, error) {
	sum := Summary{Name: sc.Name, NameZH: sc.NameZH, NameEN: sc.NameEN, Sources: []SourceInfo{}, Coverage: []Coverage{}}
	var merged string
	err := s.db.QueryRow(ctx, "SELECT merged_at FROM basedb_merges WHERE db = ?", sc.Name).Scan(&merged)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sum, err
	}
	sum.MergedAt, _ = store.ParseTime(merged)
	if err := s.tables(ctx, sc); err != nil {
		return sum, err
	}
	// One pass over the golden records counts them and their values.
	counts := []string{"COUNT(*)"}
	for _, a := range sc.Attributes {
		counts = append(counts, "COUNT(v_"+a.ID+")")
	}
	got := make([]int64, len(counts))
	dest := make([]any, len(got))
	for i := range got {
		dest[i] = &got[i]
	}
	if err := s.db.QueryRow(ctx, "SELECT "+strings.Join(counts, ", ")+" FROM "+goldenTable(sc)).Scan(dest...); err != nil {
		return sum, err
	}
	sum.Records = got[0]
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM basedb_disputes WHERE db = ? AND state = ?", sc.Name, Open).Scan(&sum.OpenDisputes); err != nil {
		return sum, err
	}
	bound := map[string][2]int64{}
	rows, err := s.db.Query(ctx, "SELECT source, department_id, mandate_id FROM basedb_sources WHERE db = ?", sc.Name)
	if err != nil {
		return sum, err
	}
	for rows.Next() {
		var src string
		var b [2]int64
		if err := rows.Scan(&src, &b[0], &b[1]); err != nil {
			rows.Close()
			return sum, err
		}
		bound[src] = b
	}
	rows.Close()
	intake := map[string][2]int64{}
	rows, err = s.db.Query(ctx, "SELECT source, SUM(rows_in), SUM(quarantined) FROM basedb_intake WHERE db = ? GROUP BY source", sc.Name)
	if err != nil {
		return sum, err
	}
	for rows.Next() {
		var src string
		var c [2]int64
		if err := rows.Scan(&src, &c[0], &c[1]); err != nil {
			rows.Close()
			return sum, err
		}
		intake[src] = c
	}
	rows.Close()
	for _, src := range sc.Sources {
		b, c := bound[src.ID], intake[src.ID]
		sum.Sources = append(sum.Sources, SourceInfo{ID: src.ID, NameZH: src.NameZH, NameEN: src.NameEN, DepartmentID: b[0], MandateID: b[1],
			Table: src.Table, Rows: c[0], Quarantined: c[1]})
		sum.Quarantined += c[1]
	}
	for i, at := range sc.Attributes {
		c := Coverage{Attr: at.ID, NameZH: at.NameZH, NameEN: at.NameEN, Records: got[i+1]}
		if sum.Records > 0 {
			c.PerMil = c.Records * 1000 / sum.Records
		}
		sum.Coverage = append(sum.Coverage, c)
	}
	q, err := s.scores(ctx, ScoreFilter{DB: sc.Name, Whole: true, PageSize: 1})
	if err != nil {
		return sum, err
	}
	if len(q) > 0 {
		sum.Quality = &q[0]
	}
	return sum, nil
}

// Value is one attribute of a golden record with its provenance.
type Value struct {
	Attr         string    `json:"attr"`
	NameZH       string    `json:"name_zh"`
	NameEN       string    `json:"name_en"`
	Value        string    `json:"value"`
	Masked       bool      `json:"masked,omitempty"`
	Source       string    `json:"source,omitempty" doc:"The source the value was taken from"`
	SourceName   string    `json:"source_name,omitempty"`
	RowKey       string    `json:"row_key,omitempty" doc:"The source row's key"`
	BusinessTime time.Time `json:"business_time,omitzero"`
	ValidFrom    time.Time `json:"valid_from,omitzero"`
	ValidTo      time.Time `json:"valid_to,omitzero"`
	ArrivedAt    time.Time `json:"arrived_at,omitzero"`
}

// Record is a golden record.
type Record struct {
	DB        string    `json:"db"`
	Key       string    `json:"key"`
	Masked    bool      `json:"masked,omitempty" doc:"Sensitive values and the key are masked: the caller may not read records in clear"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Values    []Value   `json:"values"`
	Disputes  int64     `json:"open_disputes"`
}

// Record answers the golden record of key with each value's provenance:
// in clear to the staff of the data authority who consume or approve data,
// masked to the data consumers of other departments. Every read is audited.
func (s *Service) Record(ctx context.Context, p org.Principal, db, key string) (Record, error) {
	const action = "basedb.record.read"
	tgt := "basedb:" + db
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Record{}, err
	}
	if !a.reads {
		return Record{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgReadDenied))
	}
	sc, err := s.schema(db)
	if err != nil {
		return Record{}, err
	}
	key = strings.ToUpper(strings.TrimSpace(key))
	r := Record{DB: db, Key: key, Masked: !a.records, Values: []Value{}}
	vals, created, updated, err := s.golden(ctx, sc, key)
	if err != nil {
		return Record{}, err
	}
	r.CreatedAt, r.UpdatedAt = created, updated
	for _, at := range sc.Attributes {
		v, ok := vals[at.ID]
		if !ok {
			v = Value{Attr: at.ID}
		}
		v.NameZH, v.NameEN = at.NameZH, at.NameEN
		if src, ok := sc.Source(v.Source); ok {
			v.SourceName = src.NameZH
		}
		if !a.records && at.Sensitive && v.Value != "" {
			v.Value, v.Masked, v.RowKey = maskAttr(at, v.Value), true, ""
		}
		r.Values = append(r.Values, v)
	}
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM basedb_disputes WHERE db = ? AND subject = ? AND state = ?", db, key, Open).Scan(&r.Disputes); err != nil {
		return Record{}, err
	}
	if !a.records {
		r.Key = maskKey(key)
	}
	if err := s.audit.Record(ctx, org.Entry(p, action, tgt, audit.Success, audit.Keyed(auditRead, maskKey(key)))); err != nil {
		return Record{}, err
	}
	return r, nil
}

// VerifyInput is a verification request: does the base database hold a
// record with this key and name?
type VerifyInput struct {
	Key  string `json:"key" minLength:"1" maxLength:"64" doc:"The record's key: the citizen ID number"`
	Name string `json:"name" minLength:"1" maxLength:"100" doc:"The name to check against the record"`
}

// Verification answers match or no match, never the record.
type Verification struct {
	Match bool `json:"match"`
}

// Verify answers whether the base database holds a record with the key
// whose name is the given one, without returning the record: for a data
// consumer (数据使用者) of any department. Every verification is audited,
// with the key masked and the outcome.
func (s *Service) Verify(ctx context.Context, p org.Principal, db string, in VerifyInput) (Verification, error) {
	const action = "basedb.verify"
	tgt := "basedb:" + db
	if p.DepartmentID == 0 || !p.Can(org.ConsumeData) {
		return Verification{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgVerifyDenied))
	}
	sc, err := s.schema(db)
	if err != nil {
		return Verification{}, err
	}
	key, name := strings.ToUpper(strings.TrimSpace(in.Key)), strings.TrimSpace(in.Name)
	f := errs.Fields{}
	if key == "" {
		f.AddMsg("key", msgRequired)
	}
	if name == "" {
		f.AddMsg("name", msgRequired)
	}
	if err := f.Err(); err != nil {
		return Verification{}, err
	}
	if err := s.tables(ctx, sc); err != nil {
		return Verification{}, err
	}
	var n int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM "+goldenTable(sc)+" WHERE subject = ? AND v_"+sc.Verify+" = ?", key, name).Scan(&n); err != nil {
		return Verification{}, err
	}
	v := Verification{Match: n > 0}
	outcome := msgNoMatch.With()
	if v.Match {
		outcome = msgMatch.With()
	}
	if err := s.audit.Record(ctx, org.Entry(p, action, tgt, audit.Success, audit.Keyed(auditVerify, maskKey(key), outcome))); err != nil {
		return Verification{}, err
	}
	return v, nil
}

// Records counts a base database's golden records.
func (s *Service) Records(ctx context.Context, db string) (int64, error) {
	sc, err := s.schema(db)
	if err != nil {
		return 0, err
	}
	if err := s.tables(ctx, sc); err != nil {
		return 0, err
	}
	var n int64
	err = s.db.QueryRow(ctx, "SELECT COUNT(*) FROM "+goldenTable(sc)).Scan(&n)
	return n, err
}

// golden reads the golden record of key: its values by attribute with
// their provenance, and when it was created and updated.
func (s *Service) golden(ctx context.Context, sc *Schema, key string) (map[string]Value, time.Time, time.Time, error) {
	if err := s.tables(ctx, sc); err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	cols := []string{"created_at", "updated_at"}
	for _, a := range sc.Attributes {
		cols = append(cols, "v_"+a.ID, "p_"+a.ID, "i_"+a.ID, "t_"+a.ID)
	}
	var created, updated string
	vs := make([]sql.NullString, len(sc.Attributes))
	ns := make([]sql.NullInt64, 3*len(sc.Attributes))
	dest := []any{&created, &updated}
	for i := range sc.Attributes {
		dest = append(dest, &vs[i], &ns[3*i], &ns[3*i+1], &ns[3*i+2])
	}
	err := s.db.QueryRow(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+goldenTable(sc)+" WHERE subject = ?", key).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		err = errs.New(errs.NotFound, msgNoRecord)
	}
	if err != nil {
		return nil, time.Time{}, time.Time{}, err
	}
	c, _ := store.ParseTime(created)
	u, _ := store.ParseTime(updated)
	vals := map[string]Value{}
	ids := map[string][]int64{} // the staged rows to read, by source
	for i, a := range sc.Attributes {
		p := ns[3*i]
		if !vs[i].Valid || !p.Valid || int(p.Int64) >= len(a.From) {
			continue
		}
		v := Value{Attr: a.ID, Value: vs[i].String, Source: a.From[p.Int64].Source, BusinessTime: time.UnixMicro(ns[3*i+2].Int64).UTC()}
		vals[a.ID] = v
		ids[v.Source] = append(ids[v.Source], ns[3*i+1].Int64)
	}
	type prov struct{ row, from, to, arrived string }
	provs := map[string]map[int64]prov{}
	for _, src := range sc.Sources {
		list := ids[src.ID]
		if len(list) == 0 {
			continue
		}
		args := make([]any, len(list))
		for i, id := range list {
			args[i] = id
		}
		rows, err := s.db.Query(ctx, "SELECT id, row_key, valid_from, valid_to, arrived_at FROM "+stagingTable(sc, src)+
			" WHERE id IN (?"+strings.Repeat(", ?", len(list)-1)+")", args...)
		if err != nil {
			return nil, c, u, err
		}
		provs[src.ID] = map[int64]prov{}
		for rows.Next() {
			var id int64
			var p prov
			if err := rows.Scan(&id, &p.row, &p.from, &p.to, &p.arrived); err != nil {
				rows.Close()
				return nil, c, u, err
			}
			provs[src.ID][id] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, c, u, err
		}
	}
	for i, a := range sc.Attributes {
		v, ok := vals[a.ID]
		if !ok {
			continue
		}
		p := provs[v.Source][ns[3*i+1].Int64]
		v.RowKey = p.row
		v.ValidFrom, _ = store.ParseTime(p.from)
		v.ValidTo, _ = store.ParseTime(p.to)
		v.ArrivedAt, _ = store.ParseTime(p.arrived)
		vals[a.ID] = v
	}
	return vals, c, u, nil
}
