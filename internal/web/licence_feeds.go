package web

import (
	"net/http"

	"github.com/govshare/govshare/internal/licence"
)

// licenceFeedsData is what the issuance page shows of the department's
// licence feeds: each with its counts and channel state, and the latest
// rows set aside to the issuing department's staff.
func (s *server) licenceFeedsData(r *http.Request) map[string]any {
	ctx, p := r.Context(), s.principal(r)
	feeds, err := s.Licences.Feeds(ctx, p)
	if err != nil {
		s.Logger.WarnContext(ctx, "licence feeds", "err", err)
		return nil
	}
	lang := language(r)
	rows := map[string][]licence.FeedRow{}
	for _, f := range feeds {
		if f.Open == 0 || !licence.MayRead(p, f.DepartmentID) {
			continue
		}
		rs, _, err := s.Licences.FeedRows(ctx, p, f.Channel, false, 1, 20)
		if err != nil {
			continue
		}
		for i := range rs {
			rs[i].Reason = rs[i].Text.In(lang)
		}
		rows[f.Channel] = rs
	}
	return map[string]any{"Feeds": feeds, "FeedRows": rows}
}
