package web

import (
	"net/http"
	"strings"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
)

// catalogSampleColumn is a column of the sample table with its masking in words.
type catalogSampleColumn struct {
	catalog.SampleColumn
	MaskLabel string // empty when the values are not masked
}

// catalogSampleCell is one value of the sample table.
type catalogSampleCell struct {
	Text     string
	Withheld bool
}

// catalogSample is the entry page's sample rows (样例数据), loaded after
// the page: the domain reads and masks them; an error is said by its key.
func (s *server) catalogSample(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	data := map[string]any{"Lang": lang}
	sample, err := s.Catalog.Sample(ctx, s.principal(r), r.URL.Query().Get("code"))
	if err != nil {
		if !catalogUserError(err) && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Unavailable) {
			s.Logger.ErrorContext(ctx, "sample rows", "err", err)
		}
		_, msg, _ := errs.PublicIn(err, lang)
		data["Error"] = msg
		s.catalogFragment(w, r, "catalog_entry", "catalog-sample", data)
		return
	}
	cols := make([]catalogSampleColumn, len(sample.Columns))
	for i, c := range sample.Columns {
		cols[i] = catalogSampleColumn{SampleColumn: c}
		if c.Masking != "none" {
			cols[i].MaskLabel = catalogLabel(catalog.Maskings, c.Masking, lang)
		}
	}
	rows := make([][]catalogSampleCell, len(sample.Rows))
	for i, row := range sample.Rows {
		rows[i] = make([]catalogSampleCell, len(row))
		for j, v := range row {
			if j >= len(cols) {
				break
			}
			// A date-time reads as the console writes them, its zone kept.
			if cols[j].DataType == "datetime" && cols[j].Masking == "none" {
				v = strings.Replace(v, "T", " ", 1)
			}
			rows[i][j] = catalogSampleCell{Text: v, Withheld: cols[j].Withheld}
		}
	}
	data["State"], data["Columns"], data["Rows"], data["Size"] = sample.State, cols, rows, catalog.SampleSize
	s.catalogFragment(w, r, "catalog_entry", "catalog-sample", data)
}
