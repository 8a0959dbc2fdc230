package basedb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// candTable is the temporary table of a merge round's candidates: one row
// per subject with the staged row each source gives in the round and the
// golden record's values as they stand.
const candTable = "basedb_cand"

// candidate is one candidate value of an attribute in a round: SQL
// expressions over the candidate table.
type candidate struct {
	val, t, id, p string
	src           string // the source's name
	golden        bool   // the golden record's value as it stands
}

// round is a merge round's generated SQL.
type round struct {
	sc     *Schema
	d      store.Dialect
	in     []batch
	golden bool // the golden table holds records: its values are candidates
	cands  [][]candidate
}

func newRound(sc *Schema, d store.Dialect, in []batch, golden bool) *round {
	r := &round{sc: sc, d: d, in: in, golden: golden, cands: make([][]candidate, len(sc.Attributes))}
	for ai, a := range sc.Attributes {
		for p, f := range a.From {
			for _, b := range in {
				if sc.Sources[b.src].ID != f.Source {
					continue
				}
				j := strconv.Itoa(b.src)
				r.cands[ai] = append(r.cands[ai], candidate{val: "x" + j + "_" + f.Column, t: "t_" + j, id: "id_" + j,
					p: strconv.Itoa(p), src: sqlString(f.Source)})
			}
		}
		if golden && len(r.cands[ai]) > 0 {
			r.cands[ai] = append(r.cands[ai], candidate{val: "gv_" + a.ID, t: "gt_" + a.ID, id: "gi_" + a.ID, p: "gp_" + a.ID,
				src: r.sourceOf(a, "gp_"+a.ID), golden: true})
		}
	}
	return r
}

// sourceOf renders the source's name of attribute a's priority p.
func (r *round) sourceOf(a Attribute, p string) string {
	var b strings.Builder
	b.WriteString("CASE " + p)
	for i, f := range a.From {
		fmt.Fprintf(&b, " WHEN %d THEN %s", i, sqlString(f.Source))
	}
	b.WriteString(" END")
	return b.String()
}

// stmt is a statement with its arguments.
type stmt struct {
	q    string
	args []any
}

// build answers the statements filling the candidate table: the newest
// staged row of each subject from each source (the round-th newest in later
// rounds), full-joined by subject, left-joined to the golden records. On
// SQLite each source's rows are first kept in a temporary table indexed by
// subject, which the join looks up.
func (r *round) build(round int) []stmt {
	var sel, from []string
	var args []any
	var pre []stmt
	var keys []string // SQLite: the subjects of all sources
	sel = append(sel, "subject")
	if r.golden {
		sel = append(sel, "g.created_at AS g_created")
	}
	for k, b := range r.in {
		src := r.sc.Sources[b.src]
		j := strconv.Itoa(b.src)
		cols := []string{"subject", "id", "bt"}
		for _, c := range src.Columns {
			cols = append(cols, "c_"+c)
		}
		list := strings.Join(cols, ", ")
		var q string
		if round == 1 && r.d == store.Postgres {
			q = "SELECT DISTINCT ON (subject) " + list + " FROM " + stagingTable(r.sc, src) + " WHERE id > ? AND id <= ? ORDER BY subject, bt DESC, id DESC"
			args = append(args, b.from, b.through)
		} else {
			q = "SELECT " + list + " FROM (SELECT " + list + ", ROW_NUMBER() OVER (PARTITION BY subject ORDER BY bt DESC, id DESC) AS rn FROM " +
				stagingTable(r.sc, src) + " WHERE id > ? AND id <= ?) r WHERE rn = ?"
			args = append(args, b.from, b.through, round)
		}
		alias := "s" + j
		switch {
		case r.d != store.Postgres:
			t := "basedb_b" + j
			pre = append(pre, stmt{"DROP TABLE IF EXISTS " + t, nil}, stmt{"CREATE TEMP TABLE " + t + " AS " + q, args},
				stmt{"CREATE UNIQUE INDEX " + t + "_subject ON " + t + " (subject)", nil})
			args = nil
			keys = append(keys, "SELECT subject FROM "+t)
			from = append(from, "LEFT JOIN "+t+" "+alias+" ON "+alias+".subject = k.subject")
		case k == 0:
			from = append(from, "("+q+") "+alias)
		default:
			from = append(from, "FULL JOIN ("+q+") "+alias+" USING (subject)")
		}
		sel = append(sel, alias+".id AS id_"+j, alias+".bt AS t_"+j)
		for _, c := range src.Columns {
			sel = append(sel, alias+".c_"+c+" AS x"+j+"_"+c)
		}
	}
	if len(keys) > 0 {
		from = append([]string{"(" + strings.Join(keys, " UNION ") + ") k"}, from...)
		sel[0] = "k.subject AS subject"
	}
	on := " USING (subject)"
	if len(keys) > 0 {
		on = " ON g.subject = k.subject"
	}
	if r.golden {
		from = append(from, "LEFT JOIN "+goldenTable(r.sc)+" g"+on)
		for _, a := range r.sc.Attributes {
			sel = append(sel, "g.v_"+a.ID+" AS gv_"+a.ID, "g.p_"+a.ID+" AS gp_"+a.ID, "g.i_"+a.ID+" AS gi_"+a.ID, "g.t_"+a.ID+" AS gt_"+a.ID)
		}
	}
	return append(pre, stmt{"CREATE TEMP TABLE " + candTable + " AS SELECT " + strings.Join(sel, ", ") + " FROM " + strings.Join(from, " "), args})
}

// winner renders the index of attribute ai's winning candidate, -1 for none:
// the newest business time, then the higher priority, then the later row.
func (r *round) winner(ai int) string {
	cs := r.cands[ai]
	if len(cs) == 0 {
		return "-1"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for k, c := range cs {
		fmt.Fprintf(&b, " WHEN %s IS NOT NULL", c.val)
		for j, o := range cs {
			if j == k {
				continue
			}
			fmt.Fprintf(&b, " AND (%s IS NULL OR %s > %s OR (%s = %s AND (%s < %s OR (%s = %s AND %s > %s))))",
				o.val, c.t, o.t, c.t, o.t, c.p, o.p, c.p, o.p, c.id, o.id)
		}
		fmt.Fprintf(&b, " THEN %d", k)
	}
	b.WriteString(" ELSE -1 END")
	return b.String()
}

// pick renders the winner's field of attribute ai (w_<a> holds its index).
func (r *round) pick(ai int, field func(candidate) string) string {
	cs := r.cands[ai]
	if len(cs) == 0 {
		return "NULL"
	}
	var b strings.Builder
	b.WriteString("CASE w_" + r.sc.Attributes[ai].ID)
	for k, c := range cs {
		fmt.Fprintf(&b, " WHEN %d THEN %s", k, field(c))
	}
	b.WriteString(" END")
	return b.String()
}

// winners is the candidate table with each attribute's winner's index.
func (r *round) winners() string {
	cols := []string{"c.*"}
	for ai, a := range r.sc.Attributes {
		cols = append(cols, r.winner(ai)+" AS w_"+a.ID)
	}
	return "(SELECT " + strings.Join(cols, ", ") + " FROM " + candTable + " c)"
}

// upsert answers the statement writing the winners into the golden records.
func (r *round) upsert() string {
	cols := []string{"subject", "created_at", "updated_at"}
	vals := []string{"subject", "?", "?"}
	if r.golden {
		vals[1] = "COALESCE(g_created, ?)"
	}
	for ai, a := range r.sc.Attributes {
		if len(r.cands[ai]) == 0 {
			continue // not fed in this round: left as it is
		}
		cols = append(cols, "v_"+a.ID, "p_"+a.ID, "i_"+a.ID, "t_"+a.ID)
		vals = append(vals, r.pick(ai, func(c candidate) string { return c.val }), r.pick(ai, func(c candidate) string { return c.p }),
			r.pick(ai, func(c candidate) string { return c.id }), r.pick(ai, func(c candidate) string { return c.t }))
	}
	q := "INSERT INTO " + goldenTable(r.sc) + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(vals, ", ") + " FROM " + r.winners() + " w WHERE true"
	if r.golden {
		set := make([]string, 0, len(cols)-2)
		for _, c := range cols[2:] {
			set = append(set, c+" = excluded."+c)
		}
		q += " ON CONFLICT (subject) DO UPDATE SET " + strings.Join(set, ", ")
	}
	return q
}

// changed answers the aggregate counting the golden values the round
// changes, over the winners.
func (r *round) changed() string {
	var terms []string
	for ai, a := range r.sc.Attributes {
		cs := r.cands[ai]
		if len(cs) == 0 {
			continue
		}
		g := -2
		if cs[len(cs)-1].golden {
			g = len(cs) - 1
		}
		terms = append(terms, fmt.Sprintf("CASE WHEN w_%s >= 0 AND w_%s <> %d THEN 1 ELSE 0 END", a.ID, a.ID, g))
	}
	if len(terms) == 0 {
		return "0"
	}
	return "COALESCE(SUM(" + strings.Join(terms, " + ") + "), 0)"
}

// disputes answers the statement raising the round's same-time disputes:
// a candidate at the winner's business time, from another source, with
// another value. Its arguments: db, kind, state, raised, due.
func (r *round) disputes() string {
	type pair struct {
		ai, k int
		cond  string
	}
	var pairs []pair
	for ai, a := range r.sc.Attributes {
		cs := r.cands[ai]
		if len(cs) < 2 {
			continue
		}
		w := "w_" + a.ID
		wt, wp, wv := r.pick(ai, func(c candidate) string { return c.t }), r.pick(ai, func(c candidate) string { return c.p }), r.pick(ai, func(c candidate) string { return c.val })
		for k, c := range cs {
			pairs = append(pairs, pair{ai, k, fmt.Sprintf("(%s >= 0 AND %s <> %d AND %s IS NOT NULL AND %s = %s AND %s <> %s AND %s <> %s)",
				w, w, k, c.val, c.t, wt, c.p, wp, c.val, wv)})
		}
	}
	if len(pairs) == 0 {
		return ""
	}
	sw := func(f func(p pair) string) string {
		var b strings.Builder
		b.WriteString("CASE f.n")
		for n, p := range pairs {
			fmt.Fprintf(&b, " WHEN %d THEN %s", n, f(p))
		}
		b.WriteString(" END")
		return b.String()
	}
	var any, nums []string
	for n, p := range pairs {
		any = append(any, p.cond)
		nums = append(nums, "SELECT "+strconv.Itoa(n)+" AS n")
	}
	attr := sw(func(p pair) string { return sqlString(r.sc.Attributes[p.ai].ID) })
	win := func(field func(candidate) string) string {
		return sw(func(p pair) string { return r.pick(p.ai, field) })
	}
	other := func(field func(candidate) string) string {
		return sw(func(p pair) string { return field(r.cands[p.ai][p.k]) })
	}
	val := func(c candidate) string { return c.val }
	src := func(c candidate) string { return c.src }
	id := func(c candidate) string { return c.id }
	t := func(c candidate) string { return c.t }
	sel := []string{"?", "subject", "?",
		attr, win(val), win(src), "''", win(id), timeSQL(r.d, win(t)),
		attr, other(val), other(src), "''", other(id), timeSQL(r.d, other(t)), "?", "?", "?"}
	return `INSERT INTO basedb_disputes (db, subject, kind, attr_a, value_a, source_a, row_a, id_a, time_a,
			attr_b, value_b, source_b, row_b, id_b, time_b, state, raised_at, due_at)
		SELECT ` + strings.Join(sel, ", ") + ` FROM (SELECT * FROM ` + r.winners() + ` w WHERE ` + strings.Join(any, " OR ") + `) x
			CROSS JOIN (` + strings.Join(nums, " UNION ALL ") + `) f
		WHERE ` + sw(func(p pair) string { return p.cond }) + `
		ON CONFLICT (db, subject, kind, attr_a, source_a, source_b, time_b) DO NOTHING`
}

// rule answers the statement raising rule ru's disputes over the golden
// records (those of the round's subjects when only). Its arguments: db,
// kind, state, raised, due.
func (r *round) rule(ru Rule, only bool) string {
	a, _ := r.sc.Attribute(ru.Before)
	b, _ := r.sc.Attribute(ru.After)
	q := `INSERT INTO basedb_disputes (db, subject, kind, attr_a, value_a, source_a, row_a, id_a, time_a,
			attr_b, value_b, source_b, row_b, id_b, time_b, state, raised_at, due_at)
		SELECT ?, subject, ?, ` + sqlString(a.ID) + `, v_` + a.ID + `, ` + r.sourceOf(a, "p_"+a.ID) + `, '', i_` + a.ID + `, ` + timeSQL(r.d, "t_"+a.ID) + `, ` +
		sqlString(b.ID) + `, v_` + b.ID + `, ` + r.sourceOf(b, "p_"+b.ID) + `, '', i_` + b.ID + `, ` + timeSQL(r.d, "t_"+b.ID) + `, ?, ?, ?
		FROM ` + goldenTable(r.sc) + ` g WHERE v_` + a.ID + ` < v_` + b.ID
	if ru.Both {
		q = strings.TrimSuffix(q, ` < v_`+b.ID) + ` IS NOT NULL AND v_` + b.ID + ` IS NOT NULL`
	}
	if len(ru.In) > 0 {
		in := make([]string, len(ru.In))
		for i, v := range ru.In {
			in[i] = sqlString(v)
		}
		q = strings.TrimSuffix(q, ` < v_`+b.ID) + ` IN (` + strings.Join(in, ", ") + `) AND v_` + b.ID + ` IS NOT NULL`
	}
	if only {
		q += ` AND subject IN (SELECT subject FROM ` + candTable + `)`
	}
	return q + ` ON CONFLICT (db, subject, kind, attr_a, source_a, source_b, time_b) DO NOTHING`
}

// SetTrace makes the merge tell fn each of its statements and how long it
// took (the benchmark's trace).
func (s *Service) SetTrace(fn func(q string, d time.Duration)) { s.trace = fn }

func (s *Service) queryRow(ctx context.Context, tx *store.Tx, q string, args []any, dest ...any) error {
	t := time.Now()
	err := tx.QueryRow(ctx, q, args...).Scan(dest...)
	if s.trace != nil {
		s.trace(q, time.Since(t))
	}
	return err
}

func (s *Service) exec(ctx context.Context, tx *store.Tx, q string, args ...any) (sql.Result, error) {
	t := time.Now()
	res, err := tx.Exec(ctx, q, args...)
	if s.trace != nil {
		s.trace(q, time.Since(t))
	}
	return res, err
}

// mergeRound runs one round of a merge over the batches in: it answers what
// it did and how many staged rows of each source (by index) it took.
func (s *Service) mergeRound(ctx context.Context, tx *store.Tx, sc *Schema, in []batch, n int, at, due string) (Run, map[int]int64, error) {
	var run Run
	var some int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+goldenTable(sc)+" LIMIT 1) x").Scan(&some); err != nil {
		return run, nil, err
	}
	r := newRound(sc, tx.Dialect, in, some > 0)
	if _, err := s.exec(ctx, tx, "DROP TABLE IF EXISTS "+candTable); err != nil {
		return run, nil, err
	}
	for _, st := range r.build(n) {
		if _, err := s.exec(ctx, tx, st.q, st.args...); err != nil {
			return run, nil, fmt.Errorf("merge candidates: %w", err)
		}
	}
	// In one pass: the subjects touched, the golden values changed, and the
	// rows taken from each source.
	counts := []string{"COUNT(*)", r.changed()}
	for _, b := range in {
		counts = append(counts, "COUNT(id_"+strconv.Itoa(b.src)+")")
	}
	dest := make([]any, len(counts))
	got := make([]int64, len(counts))
	for i := range got {
		dest[i] = &got[i]
	}
	if err := s.queryRow(ctx, tx, "SELECT "+strings.Join(counts, ", ")+" FROM "+r.winners()+" w", nil, dest...); err != nil {
		return run, nil, err
	}
	run.Records, run.Values = got[0], got[1]
	used := map[int]int64{}
	progress := false
	for i, b := range in {
		used[b.src] = got[i+2]
		progress = progress || got[i+2] > 0
	}
	if !progress {
		return run, nil, fmt.Errorf("merge round %d took no staged row", n)
	}
	if _, err := s.exec(ctx, tx, r.upsert(), at, at); err != nil {
		return run, nil, fmt.Errorf("merge values: %w", err)
	}
	if err := s.step("values"); err != nil {
		return run, nil, err
	}
	if err := s.step("records"); err != nil {
		return run, nil, err
	}
	var mark int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM basedb_disputes").Scan(&mark); err != nil {
		return run, nil, err
	}
	if q := r.disputes(); q != "" {
		res, err := s.exec(ctx, tx, q, sc.Name, KindSameTime, Open, at, due)
		if err != nil {
			return run, nil, fmt.Errorf("raise disputes: %w", err)
		}
		k, _ := res.RowsAffected()
		run.Disputes += k
	}
	for _, ru := range sc.Rules {
		res, err := s.exec(ctx, tx, r.rule(ru, r.golden), sc.Name, ru.Kind, Open, at, due)
		if err != nil {
			return run, nil, fmt.Errorf("rule %s: %w", ru.Kind, err)
		}
		k, _ := res.RowsAffected()
		run.Disputes += k
	}
	if run.Disputes > 0 { // the disputes' source rows, by the staged rows' ids
		for _, src := range sc.Sources {
			for _, side := range []string{"a", "b"} {
				if _, err := s.exec(ctx, tx, `UPDATE basedb_disputes SET row_`+side+` = COALESCE((SELECT row_key FROM `+stagingTable(sc, src)+
					` s WHERE s.id = basedb_disputes.id_`+side+`), '') WHERE id > ? AND source_`+side+` = ?`, mark, src.ID); err != nil {
					return run, nil, fmt.Errorf("dispute rows: %w", err)
				}
			}
		}
	}
	if _, err := s.exec(ctx, tx, "DROP TABLE "+candTable); err != nil {
		return run, nil, err
	}
	if tx.Dialect != store.Postgres {
		for _, b := range in {
			if _, err := s.exec(ctx, tx, "DROP TABLE basedb_b"+strconv.Itoa(b.src)); err != nil {
				return run, nil, err
			}
		}
	}
	return run, used, nil
}
