package geo

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// Collection is a layer as its caller sees it.
type Collection struct {
	Layer
	Readable bool   `json:"readable" doc:"Whether the caller may read the features: its own department's layer, or one granted to it"`
	Why      string `json:"why,omitempty" doc:"Why not, when not readable"`
}

// Collections lists the layers with their counts and extents, and whether
// p may read each (department staff only).
func (s *Service) Collections(ctx context.Context, p org.Principal, lang string) ([]Collection, error) {
	if !staff(p) {
		return nil, errs.New(errs.Forbidden, msgNoDepartment)
	}
	ls, err := s.allLayers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Collection, 0, len(ls))
	for _, l := range ls {
		c, err := s.collection(ctx, p, l, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Collection answers one layer as p sees it.
func (s *Service) Collection(ctx context.Context, p org.Principal, id, lang string) (Collection, error) {
	if !staff(p) {
		return Collection{}, errs.New(errs.Forbidden, msgNoDepartment)
	}
	l, err := s.layer(ctx, id)
	if err != nil {
		return Collection{}, err
	}
	return s.collection(ctx, p, l, lang)
}

func (s *Service) collection(ctx context.Context, p org.Principal, l Layer, lang string) (Collection, error) {
	c := Collection{Layer: l}
	if err := s.stats(ctx, &c.Layer); err != nil {
		return c, err
	}
	// Listing is not reading: a layer of another department without an
	// active grant is shown as such, without a refusal in the audit log.
	if p.DepartmentID != l.DepartmentID {
		held := 0
		if p.Can(org.ConsumeData) && l.EntryCode != "" && s.sharing != nil {
			var err error
			if _, held, err = s.sharing.Grants(ctx, p, sharing.GrantFilter{Role: "consumer", State: sharing.GrantActive, EntryCode: l.EntryCode, PageSize: 1}); err != nil {
				return c, err
			}
		}
		if held == 0 {
			c.Why = msgReadDenied.With(l.ID, l.EntryCode).In(lang)
			return c, nil
		}
	}
	sh, err := s.access(ctx, p, l)
	switch {
	case errs.Is(err, errs.Forbidden):
		c.Why = errs.TextOf(err).In(lang)
	case err != nil:
		return c, err
	default:
		c.Readable, c.Properties = true, sh.props
	}
	return c, nil
}

// Query selects features of a layer.
type Query struct {
	BBox   *orb.Bound // nil: the whole layer
	Limit  int        // 1..MaxLimit; 0 means DefaultLimit
	Offset int
}

// Page is one page of features.
type Page struct {
	Features []Feature
	// Matched counts every feature the query selects, -1 when more than
	// countCap (OGC API: numberMatched is then left out).
	Matched int64
}

// countCap bounds the count of a query's matches.
const countCap = 100000

// Items answers a page of a layer's features within a bounding box, shaped
// by p's access, and audits the read.
func (s *Service) Items(ctx context.Context, p org.Principal, layer string, q Query) (Page, error) {
	l, err := s.layer(ctx, layer)
	if err != nil {
		return Page{}, err
	}
	sh, err := s.access(ctx, p, l)
	if err != nil {
		return Page{}, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Page{}, errs.FieldMsg("limit", msgLimit, MaxLimit)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return Page{}, errs.FieldMsg("offset", msgOffset, MaxOffset)
	}
	var pg Page
	if len(sh.filter) == 0 {
		pg, err = s.query(ctx, l.ID, q)
		for i := range pg.Features {
			sh.apply(&pg.Features[i])
		}
	} else {
		// A row filter is applied to every match before counting and
		// paging, so that neither reveals the features it hides.
		var all []Feature
		all, err = s.features(ctx, l.ID, q.BBox, countCap+1)
		kept := all[:0]
		for i := range all {
			if sh.apply(&all[i]) {
				kept = append(kept, all[i])
			}
		}
		slices.SortFunc(kept, func(a, b Feature) int { return strings.Compare(a.ID, b.ID) }) // pages in a stable order
		pg.Matched = int64(len(kept))
		if len(all) > countCap {
			pg.Matched = -1
		}
		pg.Features = kept[min(q.Offset, len(kept)):min(q.Offset+q.Limit, len(kept))]
	}
	if err != nil {
		return Page{}, err
	}
	return pg, s.recordRead(ctx, p, l, "items", len(pg.Features))
}

// query runs a page and its count.
func (s *Service) query(ctx context.Context, layer string, q Query) (Page, error) {
	args := []any{}
	base, order := s.q.all, "id"
	if q.BBox != nil {
		base, order = s.q.inBBox(&args, layer, *q.BBox), s.q.bboxID
	} else {
		args = append(args, layer)
	}
	var pg Page
	var err error
	pg.Features, err = collect(s.db.Query(ctx, base+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...))
	if err != nil {
		return pg, err
	}
	if q.Offset == 0 && len(pg.Features) < q.Limit {
		pg.Matched = int64(len(pg.Features))
		return pg, nil
	}
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM ("+base+" LIMIT "+strconv.Itoa(countCap+1)+") m", args...).Scan(&pg.Matched); err != nil {
		return pg, err
	}
	if pg.Matched > countCap {
		pg.Matched = -1
	}
	return pg, nil
}

// features answers up to limit features within b (every feature of the
// layer when b is nil), in no particular order.
func (s *Service) features(ctx context.Context, layer string, b *orb.Bound, limit int) ([]Feature, error) {
	args := []any{}
	query := s.q.all
	if b != nil {
		query = s.q.inBBox(&args, layer, *b)
	} else {
		args = append(args, layer)
	}
	return collect(s.db.Query(ctx, query+" LIMIT ?", append(args, limit)...))
}

// Feature answers one feature of a layer by its id, shaped by p's access.
func (s *Service) Feature(ctx context.Context, p org.Principal, layer, fid string) (Feature, error) {
	l, err := s.layer(ctx, layer)
	if err != nil {
		return Feature{}, err
	}
	sh, err := s.access(ctx, p, l)
	if err != nil {
		return Feature{}, err
	}
	f, err := scanFeature(s.db.QueryRow(ctx, s.q.byFID, layer, fid))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sh.apply(&f)) {
		return Feature{}, errs.New(errs.NotFound, msgNoFeature, fid, layer)
	}
	if err != nil {
		return Feature{}, err
	}
	return f, s.recordRead(ctx, p, l, "feature", 1)
}

// BareScan reads every feature of a layer (id, name, properties and
// bounds, no geometry decoding, no index) and counts those whose bounds
// meet b: the benchmark's baseline for a bounding-box query.
func (s *Service) BareScan(ctx context.Context, layer string, b orb.Bound) (int, error) {
	rows, err := s.db.Query(ctx, s.q.scan, layer)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var fid, name, props string
	var fb orb.Bound
	for rows.Next() {
		if err := rows.Scan(&fid, &name, &props, &fb.Min[0], &fb.Min[1], &fb.Max[0], &fb.Max[1]); err != nil {
			return 0, err
		}
		if fb.Intersects(b) {
			n++
		}
	}
	return n, rows.Err()
}
