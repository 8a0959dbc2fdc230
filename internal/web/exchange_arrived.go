package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// arrivedColumn is a column of what arrived, with its masking in words.
type arrivedColumn struct {
	exchange.ArrivedColumn
	MaskLabel string
}

// exchangeArrived is the channel page's "what arrived" block (到达的数据),
// loaded after the page for the consuming department: the domain reads
// the sample and reconciles the counts; an error is said by its key.
func (s *server) exchangeArrived(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	data := map[string]any{"Lang": lang, "Size": exchange.ArrivedSampleSize}
	a, err := s.Exchange.Arrived(ctx, s.principal(r), chi.URLParam(r, "id"), lang)
	if err != nil {
		if errs.Is(err, errs.Internal) {
			s.Logger.ErrorContext(ctx, "what arrived", "err", err)
		}
		_, msg, _ := errs.PublicIn(err, lang)
		data["Error"] = msg
		s.catalogFragment(w, r, "exchange_channel", "channel-arrived", data)
		return
	}
	cols := make([]arrivedColumn, len(a.Columns))
	for i, c := range a.Columns {
		cols[i] = arrivedColumn{ArrivedColumn: c}
		if c.Masked != "" && c.Masked != "none" {
			cols[i].MaskLabel = catalogLabel(catalog.Maskings, c.Masked, lang)
		}
	}
	data["A"], data["Columns"] = a, cols
	s.catalogFragment(w, r, "exchange_channel", "channel-arrived", data)
}

// progressText says a full pass's rate and time left, or that they are
// being estimated.
func (s *server) progressText(lang string, pr *exchange.Progress) string {
	if pr == nil {
		return ""
	}
	if pr.Estimating || pr.RatePerSecond <= 0 {
		if pr.RatePerSecond > 0 {
			return s.msgs.T(lang, "arrived.rate_estimating", rateText(pr.RatePerSecond))
		}
		return s.msgs.T(lang, "arrived.estimating")
	}
	return s.msgs.T(lang, "arrived.rate_left", rateText(pr.RatePerSecond), s.lagText(lang, max(pr.SecondsLeft, 1)))
}

// rateText writes rows a second as the console writes numbers: 12,345, or 3.2 below 100.
func rateText(r float64) string {
	if r >= 100 {
		return formatNumber(int(r + 0.5))
	}
	return exchange.FormatRate(r)
}
