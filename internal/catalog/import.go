package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// ImportReport says what an import did, or every problem that stopped it.
type ImportReport struct {
	Created   int       `json:"created"`
	Updated   int       `json:"updated" doc:"Entries that got a new draft version (or whose draft changed)"`
	Unchanged int       `json:"unchanged"`
	Skipped   int       `json:"skipped" doc:"Other departments' entries, unchanged, left aside (see notes)"`
	Notes     []Problem `json:"notes,omitempty" doc:"Rows left aside, with why"`
	Problems  []Problem `json:"problems,omitempty"`
}

var (
	msgNotYours = errs.Define("catalog.import.not_yours",
		"you catalogue only your own department's entries",
		"只能编目本部门的资源；此行修改了其他部门的资源")
	msgLeftAside = errs.Define("catalog.import.left_aside",
		"another department's entry, unchanged: left aside",
		"其他部门的资源，未修改，已跳过")
)

// ErrImportProblems is returned with a report whose Problems explain why
// nothing was imported.
var ErrImportProblems = errors.New("the file has problems; nothing was imported")

// Import writes parsed entries all or nothing: an entry is matched by its
// code, or else by its provider and name; a new one becomes a draft, a
// changed one a new draft version, and an unchanged one is left alone, so
// importing the same file twice changes nothing. sheet names the rows in
// problems ("目录" for the Excel template, "" for JSON).
func (s *Service) Import(ctx context.Context, p org.Principal, items []Imported, sheet string) (ImportReport, error) {
	var rep ImportReport
	problem := func(it Imported, field, column string, t errs.Text) {
		rep.Problems = append(rep.Problems, Problem{Sheet: sheet, Row: it.Row, Field: field, Column: column}.withText(t))
	}
	// First pass: everything that can be checked without writing.
	providers := map[string]int64{}
	skip := map[int]bool{}
	for i := range items {
		it := &items[i]
		e := &it.Entry
		if it.ProviderCreditCode == "" {
			e.ProviderID = p.DepartmentID
		} else if id, ok := providers[it.ProviderCreditCode]; ok {
			e.ProviderID = id
		} else {
			d, err := s.org.DepartmentByCreditCode(ctx, it.ProviderCreditCode)
			if err != nil {
				problem(*it, "provider_credit_code", "提供方统一社会信用代码", msgNoCreditCode.With(it.ProviderCreditCode))
				continue
			}
			providers[it.ProviderCreditCode], e.ProviderID = d.ID, d.ID
		}
		e.Normalize()
		if !canEdit(p, e.ProviderID) {
			if s.unchangedForeign(ctx, p, *e) {
				skip[i] = true
				rep.Skipped++
				rep.Notes = append(rep.Notes, Problem{Sheet: sheet, Row: it.Row, Field: "provider_credit_code", Column: "提供方统一社会信用代码"}.withText(msgLeftAside.With()))
				continue
			}
			problem(*it, "provider_credit_code", "提供方统一社会信用代码", msgNotYours.With())
			continue
		}
		if e.Name == ExampleName {
			problem(*it, "name", "资源名称", msgExampleEntry.With())
			continue
		}
		if err := e.Validate(); err != nil {
			fields := fieldErrors(err)
			for _, f := range sortedFieldKeys(fields) {
				problem(*it, f, "", fields[f])
			}
			continue
		}
		if e.Code != "" {
			c, err := s.profile.Parse(e.Code)
			if err == nil {
				err = e.CheckCode(c)
			}
			if err != nil {
				problem(*it, "code", "资源代码", errs.TextOf(err))
			}
		}
	}
	if len(rep.Problems) > 0 {
		return rep, ErrImportProblems
	}
	// Second pass: write all in one transaction.
	err := s.write(ctx, func(tx *store.Tx) error {
		for i, it := range items {
			if skip[i] {
				continue
			}
			e := it.Entry
			code := e.Code
			if code == "" {
				err := tx.QueryRow(ctx, "SELECT code FROM catalog_entries WHERE provider_id = ? AND name = ?", e.ProviderID, e.Name).Scan(&code)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			var exists int
			if code != "" {
				if err := tx.QueryRow(ctx, "SELECT count(*) FROM catalog_entries WHERE code = ?", code).Scan(&exists); err != nil {
					return err
				}
			}
			if exists == 0 {
				if _, err := s.create(ctx, tx, p, e); err != nil {
					return rowError(it, sheet, err)
				}
				rep.Created++
				continue
			}
			_, changed, err := s.update(ctx, tx, p, code, e)
			if err != nil {
				return rowError(it, sheet, err)
			}
			if changed {
				rep.Updated++
			} else {
				rep.Unchanged++
			}
		}
		return nil
	})
	var pe *problemError
	if errors.As(err, &pe) {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		rep.Problems = append(rep.Problems, pe.Problem)
		return rep, ErrImportProblems
	}
	if err != nil {
		return ImportReport{}, err
	}
	return rep, nil
}

// unchangedForeign reports whether e, a row of another department's entry,
// says what p sees of that entry now (as an export gave it), so that a
// round trip of one's own export passes.
func (s *Service) unchangedForeign(ctx context.Context, p org.Principal, e Entry) bool {
	code := e.Code
	if code == "" {
		if err := s.db.QueryRow(ctx, "SELECT code FROM catalog_entries WHERE provider_id = ? AND name = ?", e.ProviderID, e.Name).Scan(&code); err != nil {
			return false
		}
	}
	seen, err := s.Get(ctx, p, code, false)
	if err != nil || seen.ProviderID != e.ProviderID {
		return false
	}
	e.Code = code
	a, _, err1 := bodyHash(&e)
	b, _, err2 := bodyHash(&seen)
	return err1 == nil && err2 == nil && a == b
}

// problemError carries a row's problem out of the import transaction.
type problemError struct{ Problem }

func (e *problemError) Error() string { return e.Message }

func rowError(it Imported, sheet string, err error) error {
	if errs.CodeOf(err) == errs.Internal {
		return err
	}
	p := Problem{Sheet: sheet, Row: it.Row}.withText(errs.TextOf(err))
	var e *errs.Error
	if errors.As(err, &e) {
		for _, f := range sortedFieldKeys(e.Fields) {
			p.Field = f
			p = p.withText(e.Fields[f])
			break
		}
	}
	return &problemError{p}
}

func sortedFieldKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Export scopes: a department's staff export their own department's entries
// unless they ask for all they see, so that importing the file back passes.
const (
	ExportOwn = "own"
	ExportAll = "all"
)

// Export returns the entries p may see that match q, each at the version
// users see (the one in force, or the latest for its department), with its
// provider's credit code. With published, only versions in force are
// returned, as an open-data feed (DCAT) must. scope ExportOwn keeps to p's
// department's entries (when p has one, and q names no provider).
func (s *Service) Export(ctx context.Context, p org.Principal, q Query, published bool, scope string) ([]Exported, error) {
	if scope == ExportOwn && q.ProviderID == 0 && p.DepartmentID != 0 {
		q.ProviderID = p.DepartmentID
	}
	q.Page, q.PageSize, q.Facets = 1, store.MaxPageSize, false
	var out []Exported
	credit := map[int64]string{}
	for {
		res, err := s.Search(ctx, p, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Items {
			e, err := s.Get(ctx, p, h.Code, false)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if published && e.Status != StatusPublished {
				continue
			}
			cc, ok := credit[e.ProviderID]
			if !ok {
				d, err := s.org.Department(ctx, e.ProviderID)
				if err != nil {
					return nil, err
				}
				cc, credit[e.ProviderID] = d.CreditCode, d.CreditCode
			}
			out = append(out, Exported{Entry: e, ProviderCreditCode: cc})
		}
		if q.Page*q.PageSize >= res.Total {
			return out, nil
		}
		q.Page++
	}
}

// ImportFile parses an uploaded file by its kind (xlsx or json) and imports
// it. Imports run one at a time: a large file takes a few hundred megabytes
// while it is parsed.
func (s *Service) ImportFile(ctx context.Context, p org.Principal, kind string, body []byte) (ImportReport, error) {
	select {
	case s.importing <- struct{}{}:
		defer func() { <-s.importing }()
	case <-ctx.Done():
		return ImportReport{}, errs.WrapMsg(ctx.Err(), errs.Unavailable, msgImportBusy)
	}
	var items []Imported
	var probs []Problem
	var err error
	sheet := ""
	switch strings.ToLower(kind) {
	case "xlsx":
		sheet = SheetEntries
		items, probs, err = ParseXLSX(bytes.NewReader(body), DefaultLimits)
	case "json":
		items, probs, err = ParseJSON(bytes.NewReader(body), DefaultLimits)
	default:
		return ImportReport{}, errs.FieldMsg("format", msgImportFormat)
	}
	if err != nil {
		return ImportReport{}, err
	}
	if len(probs) > 0 {
		return ImportReport{Problems: probs}, ErrImportProblems
	}
	return s.Import(ctx, p, items, sheet)
}
