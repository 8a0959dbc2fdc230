package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// The exchange area (数据交换): the overview with city and department
// totals, the channel list with live progress, the form that creates a
// channel, and a channel's page with its charts and run/pause/resume.

func (s *server) exchangeRoutes(r chi.Router) {
	if s.Exchange == nil {
		return
	}
	r.Get("/exchange", s.exchangeOverview)
	r.Get("/exchange/channels", s.exchangeChannels)
	r.Get("/exchange/channels/rows", s.exchangeChannelRows)
	r.Get("/exchange/channels/new", s.exchangeNew)
	r.Post("/exchange/channels", s.exchangeCreate)
	r.Get("/exchange/tables", s.exchangeTables)
	r.Get("/exchange/channels/{id}", s.exchangeChannel)
	r.Get("/exchange/channels/{id}/live", s.exchangeChannelLive)
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
			"CanCreate": exchange.CanManage(p), "State": f.State, "Q": f.Query, "Rows": "/exchange/channels/rows?" + r.URL.RawQuery,
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

type exchangeForm struct {
	url.Values
	Sources []catalog.Datasource
	Modes   []string
}

func (s *server) exchangeFormPage(w http.ResponseWriter, r *http.Request, status int, form url.Values, fields map[string]string, msg string) {
	if form == nil {
		form = url.Values{"mode": {exchange.FullThenIncremental}, "schedule": {exchange.Continuous}}
	}
	var sources []catalog.Datasource
	if s.Catalog != nil {
		var err error
		if sources, err = s.Catalog.AllDatasources(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "exchange_form", view{Title: "exchange.title.new", Active: "/exchange", Errors: fields, Error: msg,
		Data: exchangeForm{Values: form, Sources: sources, Modes: []string{exchange.FullThenIncremental, exchange.Incremental, exchange.Full}}})
}

func (s *server) exchangeNew(w http.ResponseWriter, r *http.Request) {
	if !exchange.CanManage(s.principal(r)) {
		s.fail(w, r, errs.E(errs.Forbidden, "only the system admin or a node operator creates channels"))
		return
	}
	s.exchangeFormPage(w, r, http.StatusOK, nil, nil, "")
}

// splitSource reads a picker's value "department-id|datasource name".
func splitSource(v string) (int64, string) {
	id, name, _ := strings.Cut(v, "|")
	n, _ := strconv.ParseInt(id, 10, 64)
	return n, name
}

func (s *server) exchangeCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.E(errs.Invalid, "the form cannot be read"))
		return
	}
	f := r.PostForm
	prov, srcDS := splitSource(f.Get("source_datasource"))
	cons, dstDS := splitSource(f.Get("target_datasource"))
	batch, _ := strconv.Atoi(f.Get("batch_size"))
	schedule := f.Get("schedule")
	if f.Get("schedule_kind") == "cron" {
		schedule = strings.TrimSpace(f.Get("cron"))
	} else if f.Get("schedule_kind") == exchange.Continuous {
		schedule = exchange.Continuous
	}
	in := exchange.ChannelInput{Name: f.Get("name"), ProviderID: prov, ConsumerID: cons,
		Source:    exchange.TableRef{Datasource: srcDS, Table: strings.TrimSpace(f.Get("source_table"))},
		Target:    exchange.TableRef{Datasource: dstDS, Table: strings.TrimSpace(f.Get("target_table"))},
		Watermark: strings.TrimSpace(f.Get("watermark")), SoftDelete: strings.TrimSpace(f.Get("soft_delete")),
		Mode: f.Get("mode"), Schedule: schedule, BatchSize: batch}
	c, err := s.Exchange.Create(r.Context(), s.principal(r), in)
	if err != nil {
		if errs.Is(err, errs.Forbidden) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		for k, v := range map[string]string{"provider_id": "source_datasource", "consumer_id": "target_datasource", "source": "source_table", "target": "target_table"} {
			if p, ok := fields[k]; ok {
				fields[v] = p
			}
		}
		s.exchangeFormPage(w, r, errs.Status(errs.CodeOf(err)), f, fields, msg)
		return
	}
	s.redirect(w, r, "/exchange/channels/"+c.ID, s.t(r, "exchange.flash.created", c.Name))
}

// exchangeTables answers <option>s with a datasource's tables for the
// form's table pickers.
func (s *server) exchangeTables(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := q.Get("source_datasource")
	if q.Get("side") == "target" {
		v = q.Get("target_datasource")
	}
	dept, name := splitSource(v)
	var tables []string
	if dept != 0 && name != "" {
		tables, _ = s.Exchange.Tables(r.Context(), s.principal(r), dept, exchange.TableRef{Datasource: name})
	}
	s.catalogFragment(w, r, "exchange_form", "table-options", tables)
}

// channelView is a channel with the figures its page shows.
type channelView struct {
	C          exchange.ChannelInfo
	Lang       string
	CanOperate bool
	Lag        string
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
	return channelView{C: c, Lang: lang, CanOperate: exchange.CanOperate(p, c), Lag: s.lagText(lang, c.Stats.LagSeconds)}, nil
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
		err = errs.E(errs.NotFound, "no such page")
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
