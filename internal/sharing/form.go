package sharing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
)

// Form is the printable application and approval form (数据共享申请表) of
// one application, worded in Chinese as the paper is: what the consumer
// asks for and why, the terms as they stand, every step, and the
// opinions of the providing department and the data authority beside the
// places of their seals.
type Form struct {
	ID        int64
	State     string // in words
	Filed     time.Time
	Printed   time.Time
	RenewOf   int64
	Consumer  string // 申请单位
	Applicant string // the applicant's name
	Contact   string // the department's contact person
	Phone     string
	Provider  string // 提供单位

	EntryName    string
	EntryCode    string
	EntryVersion int
	ShareType    string // 共享属性 of the entry, in words
	Delivery     string // 共享方式, in words, with the target of a table sync
	Purpose      string // 用途
	Basis        string // 依据
	Scenario     string // 应用场景
	ValidUntil   string
	RowFilter    string // in words; empty for none
	RateLimit    float64
	Items        []FormItem
	Steps        []FormStep
	// The opinions of the providing department's approver and of the data
	// authority's; Decided is false while their step is to come.
	ProviderOpinion, AuthorityOpinion Opinion
}

// FormItem is one item applied for.
type FormItem struct {
	Identifier, Name string
	Masking          string // the masking rule as it stands, in words
	Lookup           bool   // a lookup key (查询条件)
	Removed          bool   // applied for, then taken out by an approver
}

// FormStep is one step of the application, in words.
type FormStep struct {
	At         time.Time
	Action     string
	Actor      string // the person's name
	Department string
	Reason     string
	Narrowed   bool // the approver narrowed the terms
}

// Opinion is an approver's decision on the form.
type Opinion struct {
	Decided    bool
	Decision   string // 同意, 退回, ...
	Comment    string
	Actor      string
	Department string
	At         time.Time
}

// formActions are the steps' actions in words, as the console says them.
var formActions = map[string]string{
	"apply":        "提交申请",
	"renew":        "申请续期",
	"auto_approve": "无条件共享，自动授权",
	"approve":      "审批通过",
	"return":       "退回",
	"withdraw":     "撤回",
}

// Form assembles the form of application id. Whoever may read the
// application may print it: the staff of the consumer and of the provider,
// the data authority's approvers and the security admin; to anyone else it
// is not found, as reading it is.
func (s *Service) Form(ctx context.Context, p org.Principal, id int64) (Form, error) {
	a, err := s.Application(ctx, p, id)
	if err != nil {
		return Form{}, err
	}
	f := Form{ID: a.ID, State: words[a.State], Filed: a.CreatedAt, Printed: s.now(), RenewOf: a.RenewOf, Consumer: a.ConsumerName,
		Provider: a.ProviderName, EntryName: a.EntryName, EntryCode: a.EntryCode, EntryVersion: a.EntryVersion,
		Purpose: a.Purpose, Basis: a.Basis, Scenario: a.Scenario, ValidUntil: a.Terms.ValidUntil, RateLimit: a.Terms.RateLimit}
	consumer, err := s.org.Department(ctx, a.ConsumerID)
	if err != nil {
		return Form{}, err
	}
	f.Contact, f.Phone = consumer.Contact, consumer.Phone
	actors := []string{a.Applicant}
	for _, st := range a.Steps {
		actors = append(actors, st.Actor)
	}
	names, err := s.org.DisplayNames(ctx, actors)
	if err != nil {
		return Form{}, err
	}
	name := func(username string) string {
		switch {
		case username == org.System.Username:
			return org.System.DisplayName
		case names[username] != "":
			return names[username]
		}
		return username
	}
	f.Applicant = name(a.Applicant)

	// The items by name, from the version applied for.
	e, err := s.cat.Version(ctx, org.System, a.EntryCode, a.EntryVersion)
	if err != nil {
		return Form{}, err
	}
	f.ShareType = catalog.ShareTypes.Label(e.ShareType, "zh-CN")
	if conditional(e, a.Requested) && e.ShareType != catalog.ShareConditional {
		f.ShareType = catalog.ShareTypes.Label(catalog.ShareConditional, "zh-CN") + "（含有条件共享的信息项）"
	}
	f.Delivery = words[a.Delivery]
	if t := a.Target; t != nil {
		f.Delivery += "：" + strings.Join(slices.DeleteFunc([]string{t.Node, t.Datasource, t.Table}, func(s string) bool { return s == "" }), " / ")
	}
	itemName := map[string]string{}
	for _, it := range e.Items {
		itemName[it.Identifier] = it.Name
	}
	for _, id := range a.Requested {
		masking := a.Terms.Masking[id]
		f.Items = append(f.Items, FormItem{Identifier: id, Name: itemName[id], Masking: catalog.Maskings.Label(masking, "zh-CN"),
			Lookup: slices.Contains(a.Terms.Lookup, id), Removed: !slices.Contains(a.Terms.Items, id)})
	}
	f.RowFilter = filterWords(a.Terms.Filter, itemName)

	for _, st := range a.Steps {
		fs := FormStep{At: st.At, Action: formActions[st.Action], Actor: name(st.Actor), Department: st.Department, Reason: st.Reason, Narrowed: st.Terms != nil}
		if fs.Action == "" {
			fs.Action = st.Action
		}
		if st.Action == "auto_approve" {
			fs.Reason = "" // the platform's own words, said by the action
		}
		f.Steps = append(f.Steps, fs)
		op := Opinion{Decided: true, Comment: fs.Reason, Actor: fs.Actor, Department: fs.Department, At: st.At}
		switch st.Action {
		case "approve":
			op.Decision = "同意"
			if fs.Narrowed {
				op.Decision = "同意（调整了共享条件，以本表所列为准）"
			}
		case "return":
			op.Decision = "退回"
		case "auto_approve":
			op.Decision = "无条件共享，无需审批，自动授权"
		default:
			continue
		}
		switch {
		case st.Action == "auto_approve":
			f.ProviderOpinion, f.AuthorityOpinion = op, op
		case st.From == StateProvider:
			f.ProviderOpinion = op
			if st.To == StateApproved { // the provider is the data authority
				f.AuthorityOpinion = op
			}
		case st.From == StateAuthority:
			f.AuthorityOpinion = op
		}
	}
	return f, nil
}

// filterWords says a row filter in Chinese with the items' names.
func filterWords(rf RowFilter, names map[string]string) string {
	parts := make([]string, len(rf))
	for i, c := range rf {
		n := names[c.Item]
		if n == "" {
			n = c.Item
		}
		parts[i] = fmt.Sprintf("%s %s %s", n, words[c.Op], strings.Join(c.Values, "、"))
	}
	return strings.Join(parts, "；")
}
