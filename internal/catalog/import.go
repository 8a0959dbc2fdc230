package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	Problems  []Problem `json:"problems,omitempty"`
}

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
	problem := func(it Imported, field, column, msg string) {
		rep.Problems = append(rep.Problems, Problem{Sheet: sheet, Row: it.Row, Field: field, Column: column, Message: msg})
	}
	// First pass: everything that can be checked without writing.
	providers := map[string]int64{}
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
				problem(*it, "provider_credit_code", "提供方统一社会信用代码", fmt.Sprintf("no department has credit code %s", it.ProviderCreditCode))
				continue
			}
			providers[it.ProviderCreditCode], e.ProviderID = d.ID, d.ID
		}
		if !canEdit(p, e.ProviderID) {
			problem(*it, "provider_credit_code", "提供方统一社会信用代码", "you catalogue only your own department's entries")
			continue
		}
		e.Normalize()
		if e.Name == ExampleName {
			problem(*it, "name", "资源名称", "this is the template's example entry; delete its rows before importing")
			continue
		}
		if err := e.Validate(); err != nil {
			_, msg, fields := errs.Public(err)
			if len(fields) == 0 {
				problem(*it, "", "", msg)
			}
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
				problem(*it, "code", "资源代码", err.Error())
			}
		}
	}
	if len(rep.Problems) > 0 {
		return rep, ErrImportProblems
	}
	// Second pass: write all in one transaction.
	err := s.write(ctx, func(tx *store.Tx) error {
		for _, it := range items {
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

// problemError carries a row's problem out of the import transaction.
type problemError struct{ Problem }

func (e *problemError) Error() string { return e.Message }

func rowError(it Imported, sheet string, err error) error {
	code, msg, fields := errs.Public(err)
	if code == errs.Internal {
		return err
	}
	p := Problem{Sheet: sheet, Row: it.Row, Message: msg}
	for _, f := range sortedFieldKeys(fields) {
		p.Field, p.Message = f, fields[f]
		break
	}
	return &problemError{p}
}

func sortedFieldKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Export returns the entries p may see that match q, each at the version
// users see (the one in force, or the latest for its department), with its
// provider's credit code. With published, only versions in force are
// returned, as an open-data feed (DCAT) must.
func (s *Service) Export(ctx context.Context, p org.Principal, q Query, published bool) ([]Exported, error) {
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
		return ImportReport{}, errs.Wrap(ctx.Err(), errs.Unavailable, "another import is running; try again shortly")
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
		return ImportReport{}, errs.Field("format", "upload an .xlsx file made from the template, or JSON")
	}
	if err != nil {
		return ImportReport{}, err
	}
	if len(probs) > 0 {
		return ImportReport{Problems: probs}, ErrImportProblems
	}
	return s.Import(ctx, p, items, sheet)
}
