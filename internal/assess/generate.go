package assess

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

var beijing = lists.Beijing

// span is the data a report of period covers when made at now: the
// period, cut at now while it runs.
func span(per Period, now time.Time) (time.Time, time.Time, bool, error) {
	if !now.After(per.From) {
		return time.Time{}, time.Time{}, false, errs.FieldMsg("period", msgPeriodFuture, per.Key)
	}
	if now.Before(per.To) {
		return per.From, now, true, nil
	}
	return per.From, per.To, false, nil
}

// Generate computes the assessment of period at level on demand and keeps
// it. Only the data authority's staff generate.
func (s *Service) Generate(ctx context.Context, p org.Principal, period, level string) (Report, error) {
	if err := s.requireAuthority(ctx, p, msgGenerate); err != nil {
		return Report{}, s.denied(ctx, p, "assess.generate", "assess:"+period, err)
	}
	per, err := ParsePeriod(period)
	if err != nil {
		return Report{}, err
	}
	if err := checkLevel(level); err != nil {
		return Report{}, err
	}
	r, _, err := s.generate(ctx, p, per, level, OriginDemand)
	return r, err
}

func checkLevel(level string) error {
	if level != LevelDepartment && level != LevelDistrict {
		return errs.FieldMsg("level", msgLevel, level)
	}
	return nil
}

// unitsOf lists the units of a level: each department, or each district
// (division) that has departments, with the department → unit map.
func (s *Service) unitsOf(ctx context.Context, level string) ([]Row, map[int64]string, error) {
	ds, err := s.departments(ctx)
	if err != nil {
		return nil, nil, err
	}
	of := map[int64]string{}
	var rows []Row
	seen := map[string]bool{}
	for _, d := range ds {
		unit, name := strconv.FormatInt(d.ID, 10), d.Name
		if level == LevelDistrict {
			unit, name = d.RegionCode, cmp.Or(d.RegionName, d.RegionCode)
		}
		of[d.ID] = unit
		if !seen[unit] {
			seen[unit] = true
			rows = append(rows, Row{Unit: unit, Name: name, Region: d.RegionName})
		}
	}
	return rows, of, nil
}

// generate computes and stores one assessment; a scheduled one already
// made (by another replica) is read back instead, with made false.
func (s *Service) generate(ctx context.Context, p org.Principal, per Period, level, origin string) (Report, bool, error) {
	now := s.now()
	from, to, partial, err := span(per, now)
	if err != nil {
		return Report{}, false, err
	}
	inds, err := s.indicators(ctx)
	if err != nil {
		return Report{}, false, err
	}
	rows, unitOf, err := s.unitsOf(ctx, level)
	if err != nil {
		return Report{}, false, err
	}
	f, err := s.collect(ctx, from, to)
	if err != nil {
		return Report{}, false, fmt.Errorf("collect %s: %w", per.Key, err)
	}
	r := Report{Kind: KindAssessment, Period: per, PeriodLabel: per.Label(), Level: level, DataFrom: from, DataTo: to, Partial: partial,
		Origin: origin, GeneratedBy: p.Username, GeneratedAt: now, RecordsRead: f.read, Indicators: inds, Notes: f.notes}
	byUnit := map[string]map[string][]fact{}
	for _, x := range f.list {
		u, ok := unitOf[x.dept]
		if !ok {
			continue
		}
		if byUnit[u] == nil {
			byUnit[u] = map[string][]fact{}
		}
		byUnit[u][x.indicator] = append(byUnit[u][x.indicator], x)
	}
	for i := range rows {
		score(&rows[i], inds, byUnit[rows[i].Unit], f.measured)
	}
	rank(rows)
	if err := s.trends(ctx, per, level, rows); err != nil {
		return Report{}, false, err
	}
	r.Rows, r.Units = rows, len(rows)
	r.Empty = len(f.list) == 0
	if r.Empty {
		r.Notes = append(r.Notes, "本考核期没有可统计的数据。")
	}
	made, err := s.store(ctx, p, &r, func(add func(unit, ind string, rec Record)) {
		for _, x := range f.list {
			if u, ok := unitOf[x.dept]; ok {
				add(u, x.indicator, x.Record)
			}
		}
	})
	return r, made, err
}

// score fills a unit's figures and total from its records.
func score(row *Row, inds []Indicator, recs map[string][]fact, measured map[string]bool) {
	for _, rs := range recs {
		if len(rs) > 0 {
			row.HasData = true
		}
	}
	var sum, weights float64
	for _, ind := range inds {
		fig := Figure{Indicator: ind.Key}
		for _, x := range recs[ind.Key] {
			fig.Num += x.Num
			fig.Den += x.Den
			fig.Records++
		}
		switch {
		case !ind.Measured || !measured[ind.Source]:
			fig.Status = StatusNotMeasured
			if ind.Key == KeyCascade {
				fig.Note = "尚未计量：平台级联（省、市、区县）尚未建成"
			} else {
				fig.Note = "尚未计量：数据来源未接入"
			}
		case !ind.Enabled:
			fig.Status = StatusDisabled
		case ind.Kind == Count && row.HasData:
			fig.Status, fig.Value = StatusOK, fig.Num
		case ind.Kind != Count && fig.Den > 0:
			fig.Status, fig.Value = StatusOK, fig.Num/fig.Den
		default:
			fig.Status = StatusNoData
		}
		if fig.Status == StatusOK {
			fig.Score = scoreOf(ind, fig.Value)
			if ind.Weight > 0 {
				sum += fig.Score * ind.Weight
				weights += ind.Weight
			}
		}
		row.Figures = append(row.Figures, fig)
	}
	if weights > 0 && row.HasData {
		row.Total = math.Round(sum/weights*10) / 10
	}
}

// scoreOf scores v against ind's target, 0 to 100.
func scoreOf(ind Indicator, v float64) float64 {
	var s float64
	switch {
	case ind.Lower && v <= ind.Target:
		s = 100
	case ind.Lower:
		s = 100 * ind.Target / v
	default:
		s = 100 * min(1, v/ind.Target)
	}
	return math.Round(s*10) / 10
}

// rank orders units by total, best first; units without data come last,
// unranked.
func rank(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		if a.HasData != b.HasData {
			if a.HasData {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.Total, a.Total)
	})
	for i := range rows {
		if !rows[i].HasData {
			continue
		}
		rows[i].Rank = i + 1
		if i > 0 && rows[i-1].HasData && rows[i-1].Total == rows[i].Total {
			rows[i].Rank = rows[i-1].Rank
		}
	}
}

// trends adds each unit's totals in the reports of the five periods
// before per, as kept.
func (s *Service) trends(ctx context.Context, per Period, level string, rows []Row) error {
	var points []struct {
		key  string
		rows map[string]Row
	}
	prev := per
	for range 5 {
		prev = prev.Previous()
		r, err := s.latest(ctx, KindAssessment, prev.Key, level)
		if errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return err
		}
		m := map[string]Row{}
		for _, row := range r.Rows {
			m[row.Unit] = row
		}
		points = append(points, struct {
			key  string
			rows map[string]Row
		}{prev.Key, m})
	}
	slices.Reverse(points)
	for i := range rows {
		for _, pt := range points {
			if old, ok := pt.rows[rows[i].Unit]; ok && old.HasData {
				rows[i].Trend = append(rows[i].Trend, TrendPoint{Period: pt.key, Total: old.Total, Rank: old.Rank})
			}
		}
		if n := len(rows[i].Trend); n > 0 && rows[i].HasData && rows[i].Trend[n-1].Period == per.Previous().Key {
			c := math.Round((rows[i].Total-rows[i].Trend[n-1].Total)*10) / 10
			rows[i].Change = &c
		}
	}
	return nil
}

// store keeps r and the records its figures counted. A scheduled report
// of the same period made meanwhile wins: it is read back, made false.
func (s *Service) store(ctx context.Context, p org.Principal, r *Report, records func(add func(unit, ind string, rec Record))) (bool, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	made := true
	// The records go in by COPY on PostgreSQL: a month of a city is some
	// hundred thousand of them.
	err = s.db.InTxCopy(ctx, func(tx *store.Tx, copyRows store.CopyFunc) error {
		q := `INSERT INTO assess_reports (kind, period, level, data_from, data_to, origin, generated_by, generated_at, records_read, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		if r.Origin == OriginSchedule {
			q += " ON CONFLICT (kind, level, period) WHERE origin = 'schedule' DO NOTHING"
		}
		rows, err := tx.Query(ctx, q+" RETURNING id", r.Kind, r.Period.Key, r.Level, store.FormatTime(r.DataFrom), store.FormatTime(r.DataTo),
			r.Origin, r.GeneratedBy, store.FormatTime(r.GeneratedAt), r.RecordsRead, string(body))
		if err != nil {
			return fmt.Errorf("store report: %w", err)
		}
		if rows.Next() {
			err = rows.Scan(&r.ID)
		} else {
			made = false
		}
		rows.Close()
		if err != nil || !made {
			return err
		}
		cols := []string{"report_id", "unit", "indicator", "ref", "label", "num", "den", "note"}
		const chunk = 5000
		batch := make([][]any, 0, chunk)
		var ferr error
		records(func(unit, ind string, rec Record) {
			if ferr != nil {
				return
			}
			batch = append(batch, []any{r.ID, unit, ind, rec.Ref, rec.Label, rec.Num, rec.Den, rec.Note})
			if len(batch) == chunk {
				ferr = copyRows(ctx, "assess_records", cols, batch)
				batch = batch[:0]
			}
		})
		if ferr == nil {
			ferr = copyRows(ctx, "assess_records", cols, batch)
		}
		if ferr != nil {
			return fmt.Errorf("store records: %w", ferr)
		}
		k, l := kindLevelZH(r.Kind, r.Level)
		return s.record(ctx, tx, p, "assess.generate", "assess:"+r.Period.Key, audit.Keyed(auditGenerated, r.ID, k, l, r.RecordsRead))
	})
	if err != nil {
		return false, err
	}
	if !made {
		old, err := s.latest(ctx, r.Kind, r.Period.Key, r.Level)
		if err != nil {
			return false, err
		}
		*r = old
	}
	return made, nil
}

// latest reads the newest report of kind, period and level.
func (s *Service) latest(ctx context.Context, kind, period, level string) (Report, error) {
	var id int64
	var body string
	err := s.db.QueryRow(ctx, "SELECT id, body FROM assess_reports WHERE kind = ? AND period = ? AND level = ? ORDER BY id DESC LIMIT 1",
		kind, period, level).Scan(&id, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, errs.New(errs.NotFound, msgNoReport, kindName(kind), period)
	}
	if err != nil {
		return Report{}, err
	}
	return decode(id, body)
}

func decode(id int64, body string) (Report, error) {
	var r Report
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return r, fmt.Errorf("report %d: %w", id, err)
	}
	r.ID = id
	return r, nil
}

func kindName(kind string) string {
	if kind == KindSharing {
		return "共享成效"
	}
	return "考核"
}
