package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// The exchange area (数据交换): the overview with city and department
// totals, the channel list with live progress, and a channel's page with
// its charts and run/pause/resume. Nobody creates a channel here: the
// platform does, from a grant or a confirmed aggregation mandate (归集任务,
// aggregation.go).

func (s *server) exchangeRoutes(r chi.Router) {
	if s.Exchange == nil {
		return
	}
	r.Get("/exchange", s.exchangeOverview)
	r.Get("/exchange/channels", s.exchangeChannels)
	r.Get("/exchange/channels/rows", s.exchangeChannelRows)
	r.Get("/exchange/channels/{id}", s.exchangeChannel)
	r.Get("/exchange/channels/{id}/live", s.exchangeChannelLive)
	r.Get("/exchange/channels/{id}/arrived", s.exchangeArrived)
	r.Post("/exchange/channels/{id}/{action}", s.exchangeAction)
	r.Get("/exchange/channels/{id}/quarantine", s.exchangeQuarantine)
	r.Post("/exchange/channels/{id}/quarantine/{op}", s.exchangeQuarantineOp)
}

type exchangeTab struct {
	Key, Href string
	Active    bool
}

func exchangeTabs(active string) []exchangeTab {
	return []exchangeTab{
		{"exchange.tab.overview", "/exchange", active == "overview"},
		{"exchange.tab.channels", "/exchange/channels", active == "channels"},
		{"aggregation.title.list", "/exchange/mandates", active == "mandates"},
	}
}

func (s *server) exchangeOverview(w http.ResponseWriter, r *http.Request) {
	st, err := s.Exchange.Stats(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	type series struct {
		Name   string  `json:"name"`
		Values []int64 `json:"values"`
	}
	chart := struct {
		Labels []string `json:"labels"`
		Series []series `json:"series"`
	}{Labels: []string{}, Series: []series{{Name: s.msgs.T(lang, "exchange.provided"), Values: []int64{}}, {Name: s.msgs.T(lang, "exchange.consumed"), Values: []int64{}}}}
	for i, d := range st.Departments {
		if i == 15 {
			break
		}
		chart.Labels = append(chart.Labels, d.Department)
		chart.Series[0].Values = append(chart.Series[0].Values, d.Provided.Deliveries)
		chart.Series[1].Values = append(chart.Series[1].Values, d.Consumed.Deliveries)
	}
	b, _ := json.Marshal(chart)
	s.render(w, r, http.StatusOK, "exchange", view{Title: "exchange.title.overview", Active: "/exchange",
		Data: map[string]any{"Tabs": exchangeTabs("overview"), "Stats": st, "Chart": string(b), "HasDept": len(st.Departments) > 0}})
}

func (s *server) exchangeFilter(r *http.Request) exchange.ChannelFilter {
	q := r.URL.Query()
	f := exchange.ChannelFilter{State: q.Get("state"), Query: q.Get("q"), Page: pageParam(r), Size: 20}
	switch f.State {
	case exchange.ChannelActive, exchange.ChannelPaused, exchange.ChannelError, exchange.ChannelRevoked:
	default:
		f.State = ""
	}
	return f
}

func (s *server) exchangeChannels(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	f := s.exchangeFilter(r)
	cs, total, err := s.Exchange.Channels(r.Context(), p, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "exchange_channels", view{Title: "exchange.title.channels", Active: "/exchange",
		Data: map[string]any{"Tabs": exchangeTabs("channels"), "Channels": cs, "Pager": newPager(r, max(f.Page, 1), 20, total),
			"State": f.State, "Q": f.Query, "Rows": "/exchange/channels/rows?" + r.URL.RawQuery,
			"RowsView": map[string]any{"Lang": language(r), "Channels": cs},
			"States":   []string{exchange.ChannelActive, exchange.ChannelPaused, exchange.ChannelError, exchange.ChannelRevoked}}})
}

// exchangeChannelRows answers the list's rows, which htmx polls every 2s.
func (s *server) exchangeChannelRows(w http.ResponseWriter, r *http.Request) {
	cs, _, err := s.Exchange.Channels(r.Context(), s.principal(r), s.exchangeFilter(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogFragment(w, r, "exchange_channels", "channel-rows", map[string]any{"Lang": language(r), "Channels": cs})
}

// channelView is a channel with the figures its page shows.
type channelView struct {
	C          exchange.ChannelInfo
	Lang       string
	CanOperate bool
	CanPause   bool
	Lag        string
	Progress   string // a full pass's rate and time left (exchange_arrived.go)
	Consumer   bool   // the caller is of the consuming department: sees what arrived
}

func (s *server) lagText(lang string, secs int64) string {
	switch {
	case secs < 0:
		return "—"
	case secs < 60:
		return s.msgs.T(lang, "exchange.seconds", secs)
	case secs < 3600:
		return s.msgs.T(lang, "exchange.minutes", secs/60)
	case secs < 86400:
		return s.msgs.T(lang, "exchange.hours", secs/3600)
	}
	return s.msgs.T(lang, "exchange.days", secs/86400)
}

func (s *server) channelView(r *http.Request) (channelView, error) {
	p := s.principal(r)
	c, err := s.Exchange.Channel(r.Context(), p, chi.URLParam(r, "id"))
	if err != nil {
		return channelView{}, err
	}
	lang := language(r)
	return channelView{C: c, Lang: lang, CanOperate: exchange.CanOperate(p, c), CanPause: exchange.CanPause(p, c), Lag: s.lagText(lang, c.Stats.LagSeconds),
		Progress: s.progressText(lang, c.Stats.Progress), Consumer: p.DepartmentID != 0 && p.DepartmentID == c.ConsumerID}, nil
}

func (s *server) exchangeChannel(w http.ResponseWriter, r *http.Request) {
	v, err := s.channelView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	samples, err := s.Exchange.Samples(r.Context(), s.principal(r), v.C.ID, time.Now().Add(-24*time.Hour))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	type series struct {
		Name   string  `json:"name"`
		Values []int64 `json:"values"`
	}
	type chart struct {
		Labels []string `json:"labels"`
		Series []series `json:"series"`
	}
	thr := chart{Labels: []string{}, Series: []series{{Name: s.msgs.T(lang, "exchange.rows_per_minute"), Values: []int64{}}, {Name: s.msgs.T(lang, "exchange.kb_per_minute"), Values: []int64{}}}}
	lag := chart{Labels: []string{}, Series: []series{{Name: s.msgs.T(lang, "exchange.lag_seconds"), Values: []int64{}}}}
	for _, smp := range samples {
		label := smp.Minute.In(beijing).Format("01-02 15:04")
		thr.Labels, lag.Labels = append(thr.Labels, label), append(lag.Labels, label)
		thr.Series[0].Values = append(thr.Series[0].Values, smp.Rows)
		thr.Series[1].Values = append(thr.Series[1].Values, (smp.Bytes+1023)/1024)
		lag.Series[0].Values = append(lag.Series[0].Values, smp.LagSeconds)
	}
	tb, _ := json.Marshal(thr)
	lb, _ := json.Marshal(lag)
	data := map[string]any{"V": v, "Throughput": string(tb), "Lag": string(lb), "HasSamples": len(samples) > 0}
	if exchange.CanReadQuarantine(s.principal(r), v.C) {
		data["Quarantine"] = s.quarantineView(r, v.C.ID)
	}
	s.render(w, r, http.StatusOK, "exchange_channel", view{Title: "exchange.title.channel", Active: "/exchange", Data: data})
}

// exchangeChannelLive answers the state and statistics block, which htmx
// polls every 2s.
func (s *server) exchangeChannelLive(w http.ResponseWriter, r *http.Request) {
	v, err := s.channelView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogFragment(w, r, "exchange_channel", "channel-live", v)
}

func (s *server) exchangeAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id, action := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	p := s.principal(r)
	var err error
	switch action {
	case "run":
		_, err = s.Exchange.Run(r.Context(), p, id)
	case "pause":
		_, err = s.Exchange.Pause(r.Context(), p, id, strings.TrimSpace(r.PostFormValue("reason")))
	case "resume":
		_, err = s.Exchange.Resume(r.Context(), p, id)
	default:
		err = errs.New(errs.NotFound, msgNoPage)
	}
	if err != nil {
		if errs.Is(err, errs.Conflict) {
			_, msg, _ := errs.Public(err)
			s.redirect(w, r, "/exchange/channels/"+id, msg)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash := map[string]string{"run": "exchange.flash.run", "pause": "exchange.flash.pause", "resume": "exchange.flash.resume"}[action]
	s.redirect(w, r, "/exchange/channels/"+id, s.t(r, flash))
}

// formatBytes renders a byte count with a binary unit.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "B"
}
