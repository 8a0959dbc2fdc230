package assess

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/govshare/govshare/internal/org"
)

// Results are the sharing results (共享成效) of a period: per entry and per
// department, who uses the data, how often and in which scenarios.
type Results struct {
	Entries     []EntryResult `json:"entries"`
	Departments []DeptResult  `json:"departments"`
	Grants      int           `json:"grants"`
	Calls       int64         `json:"calls"`
	Rows        int64         `json:"rows" doc:"Records delivered by channels (交换条次)"`
	Scenarios   []string      `json:"scenarios"`
	OneThing    string        `json:"one_thing_note" doc:"One-thing cases (一件事一次办) are counted once the platform keeps them"`
}

// EntryResult is how one entry's data was used.
type EntryResult struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	ProviderID int64    `json:"provider_id"`
	Provider   string   `json:"provider"`
	Uses       []Use    `json:"uses"`
	Grants     int      `json:"grants"`
	Calls      int64    `json:"calls"`
	Rows       int64    `json:"rows"`
	Scenarios  []string `json:"scenarios"`
}

// Use is one consumer department's use of an entry.
type Use struct {
	ConsumerID int64    `json:"consumer_id"`
	Consumer   string   `json:"consumer"`
	Grants     int      `json:"grants"`
	Calls      int64    `json:"calls"`
	Rows       int64    `json:"rows"`
	Deliveries []string `json:"deliveries" doc:"table, api, file"`
	Scenarios  []string `json:"scenarios"`
}

// DeptResult sums a department's data used by others and its use of others'.
type DeptResult struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	EntriesUsed   int    `json:"entries_used" doc:"Its entries others used"`
	Consumers     int    `json:"consumers" doc:"Departments using its data"`
	Calls         int64  `json:"calls" doc:"Data-service calls to its entries"`
	Rows          int64  `json:"rows" doc:"Records its channels delivered"`
	EntriesUsing  int    `json:"entries_using" doc:"Others' entries it used"`
	CallsMade     int64  `json:"calls_made"`
	RowsReceived  int64  `json:"rows_received"`
	ScenarioCount int    `json:"scenarios"`
}

// only keeps what department dept sees: its entries, and its own use of
// others'.
func (r *Results) only(dept int64) *Results {
	out := *r
	out.Entries, out.Departments = nil, nil
	for _, e := range r.Entries {
		if e.ProviderID == dept {
			out.Entries = append(out.Entries, e)
			continue
		}
		var mine []Use
		for _, u := range e.Uses {
			if u.ConsumerID == dept {
				mine = append(mine, u)
			}
		}
		if len(mine) > 0 {
			e.Uses = mine
			out.Entries = append(out.Entries, e)
		}
	}
	for _, d := range r.Departments {
		if d.ID == dept {
			out.Departments = append(out.Departments, d)
		}
	}
	return &out
}

func addScenario(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// GenerateSharing makes the sharing results of period on demand and keeps
// them. Only the data authority's staff generate.
func (s *Service) GenerateSharing(ctx context.Context, p org.Principal, period string) (Report, error) {
	if err := s.requireAuthority(ctx, p, msgGenerate); err != nil {
		return Report{}, s.denied(ctx, p, "assess.generate", "assess:"+period, err)
	}
	per, err := ParsePeriod(period)
	if err != nil {
		return Report{}, err
	}
	r, _, err := s.generateSharing(ctx, p, per, OriginDemand)
	return r, err
}

func (s *Service) generateSharing(ctx context.Context, p org.Principal, per Period, origin string) (Report, bool, error) {
	now := s.now()
	from, to, partial, err := span(per, now)
	if err != nil {
		return Report{}, false, err
	}
	ds, err := s.departments(ctx)
	if err != nil {
		return Report{}, false, err
	}
	names := map[int64]string{}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	list, err := s.src.Catalog.EntryFacts(ctx, to)
	if err != nil {
		return Report{}, false, err
	}
	read, entries := int64(len(list)), indexEntries(list)
	type key struct {
		code     string
		consumer int64
	}
	uses := map[key]*Use{}
	var recs []fact
	use := func(code string, consumer int64) *Use {
		k := key{code, consumer}
		if uses[k] == nil {
			uses[k] = &Use{ConsumerID: consumer, Consumer: names[consumer]}
		}
		return uses[k]
	}
	add := func(code, ref, label string, n float64, note string) {
		recs = append(recs, fact{indicator: code, Record: Record{Ref: ref, Label: label, Num: n, Note: note}})
	}
	grants, err := s.src.Sharing.GrantFacts(ctx, from, to)
	if err != nil {
		return Report{}, false, err
	}
	read += int64(len(grants))
	grantCode := map[int64]string{}
	for _, g := range grants {
		grantCode[g.ID] = g.EntryCode
		u := use(g.EntryCode, g.ConsumerID)
		u.Grants++
		u.Scenarios = addScenario(u.Scenarios, g.Scenario)
		if !slices.Contains(u.Deliveries, g.Delivery) {
			u.Deliveries = append(u.Deliveries, g.Delivery)
		}
		add(g.EntryCode, "grant:"+strconv.FormatInt(g.ID, 10), names[g.ConsumerID], 1, g.Scenario+" · "+g.Delivery)
	}
	if s.src.Gateway != nil {
		usage, err := s.src.Gateway.UsageFacts(ctx, from, to)
		if err != nil {
			return Report{}, false, err
		}
		read += int64(len(usage))
		for _, x := range usage {
			use(x.EntryCode, x.DepartmentID).Calls += x.Calls
			add(x.EntryCode, fmt.Sprintf("service:%s/app:%d", x.EntryCode, x.AppID), names[x.DepartmentID]+" · "+x.AppName, float64(x.Calls), "数据服务调用")
		}
	}
	if s.src.Exchange != nil {
		chans, _, err := s.src.Exchange.ChannelFacts(ctx, from, to)
		if err != nil {
			return Report{}, false, err
		}
		read += int64(len(chans))
		for _, c := range chans {
			code := grantCode[c.GrantID]
			if code == "" || c.Rows == 0 {
				continue // aggregation channels (归集) are not sharing
			}
			use(code, c.ConsumerID).Rows += c.Rows
			add(code, "channel:"+c.ID, names[c.ConsumerID]+" · "+c.Name, float64(c.Rows), "库表交换条次")
		}
	}
	res := &Results{OneThing: "“一件事一次办”办件尚未在平台登记，暂按共享申请的应用场景统计。", Scenarios: []string{}}
	byEntry := map[string]*EntryResult{}
	for k, u := range uses {
		e, ok := byEntry[k.code]
		if !ok {
			f := entries.of(k.code)
			e = &EntryResult{Code: k.code, Name: f.Name, ProviderID: f.ProviderID, Provider: names[f.ProviderID], Scenarios: []string{}}
			byEntry[k.code] = e
		}
		e.Uses = append(e.Uses, *u)
		e.Grants += u.Grants
		e.Calls += u.Calls
		e.Rows += u.Rows
		for _, sc := range u.Scenarios {
			e.Scenarios = addScenario(e.Scenarios, sc)
			res.Scenarios = addScenario(res.Scenarios, sc)
		}
	}
	depts := map[int64]*DeptResult{}
	dept := func(id int64) *DeptResult {
		if depts[id] == nil {
			depts[id] = &DeptResult{ID: id, Name: names[id]}
		}
		return depts[id]
	}
	consumers := map[int64]map[int64]bool{}
	scen := map[int64]map[string]bool{}
	for _, e := range byEntry {
		slices.SortFunc(e.Uses, func(a, b Use) int { return cmp.Compare(b.Calls+b.Rows+int64(b.Grants), a.Calls+a.Rows+int64(a.Grants)) })
		res.Entries = append(res.Entries, *e)
		res.Grants += e.Grants
		res.Calls += e.Calls
		res.Rows += e.Rows
		pd := dept(e.ProviderID)
		pd.EntriesUsed++
		pd.Calls += e.Calls
		pd.Rows += e.Rows
		for _, u := range e.Uses {
			if consumers[e.ProviderID] == nil {
				consumers[e.ProviderID], scen[e.ProviderID] = map[int64]bool{}, map[string]bool{}
			}
			consumers[e.ProviderID][u.ConsumerID] = true
			for _, sc := range u.Scenarios {
				scen[e.ProviderID][sc] = true
			}
			cd := dept(u.ConsumerID)
			cd.EntriesUsing++
			cd.CallsMade += u.Calls
			cd.RowsReceived += u.Rows
		}
	}
	for id, d := range depts {
		d.Consumers, d.ScenarioCount = len(consumers[id]), len(scen[id])
		res.Departments = append(res.Departments, *d)
	}
	slices.SortFunc(res.Entries, func(a, b EntryResult) int {
		return cmp.Or(cmp.Compare(len(b.Uses), len(a.Uses)), cmp.Compare(b.Calls+b.Rows, a.Calls+a.Rows), cmp.Compare(a.Code, b.Code))
	})
	slices.SortFunc(res.Departments, func(a, b DeptResult) int {
		return cmp.Or(cmp.Compare(b.Consumers, a.Consumers), cmp.Compare(b.Calls+b.Rows, a.Calls+a.Rows), cmp.Compare(a.ID, b.ID))
	})
	r := Report{Kind: KindSharing, Period: per, PeriodLabel: per.Label(), Level: LevelDepartment, DataFrom: from, DataTo: to, Partial: partial,
		Origin: origin, GeneratedBy: p.Username, GeneratedAt: now, RecordsRead: read, Results: res, Units: len(res.Entries), Empty: len(recs) == 0}
	if r.Empty {
		r.Notes = append(r.Notes, "本期没有共享使用记录。")
	}
	made, err := s.store(ctx, p, &r, func(add func(unit, ind string, rec Record)) {
		for _, x := range recs {
			add(x.indicator, "use", x.Record)
		}
	})
	return r, made, err
}

// entryIndex maps entries by code (the database's collation orders codes
// its own way, so nothing here relies on their order).
type entryIndex map[string]catalogEntry

func indexEntries(list []catalogEntry) entryIndex {
	m := make(entryIndex, len(list))
	for _, e := range list {
		m[e.Code] = e
	}
	return m
}

// of returns the entry of code; an unknown code has no provider.
func (m entryIndex) of(code string) catalogEntry {
	if e, ok := m[code]; ok {
		return e
	}
	return catalogEntry{Code: code, Name: code}
}
