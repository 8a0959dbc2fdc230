package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// loadSharing files applications in every state the console shows: one
// approved with its grant, one waiting for the provider, one waiting for the
// data authority past its time limit, one returned, and one for an
// unconditional entry granted at once.
func loadSharing(ctx context.Context, svc Services) error {
	s := svc.Sharing
	login := func(user string) (org.Principal, error) {
		_, p, err := svc.Org.Login(ctx, user, Password, "127.0.0.1")
		return p, err
	}
	authority, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	code := func(name string) (string, error) {
		res, err := svc.Catalog.Search(ctx, authority, catalog.Query{Q: name, PageSize: 5})
		if err != nil {
			return "", err
		}
		for _, h := range res.Items {
			if h.Name == name {
				return h.Code, nil
			}
		}
		return "", fmt.Errorf("no entry %s", name)
	}
	type step struct {
		user, action, note string
		terms              *sharing.Terms
	}
	apps := []struct {
		user, entry string
		in          sharing.ApplicationInput
		ago         int // days ago the application was filed
		steps       []step
	}{
		{"gjj.consumer", "婚姻登记信息", sharing.ApplicationInput{Items: []string{"cert_no", "kind", "man", "woman", "registered"},
			Purpose: "核验住房公积金贷款申请人的婚姻状况", Basis: "《住房公积金管理条例》第二十六条（演示）", Scenario: "住房公积金贷款审批（一件事：购房）",
			Delivery: sharing.DeliveryTable, Target: &sharing.Target{Datasource: "gjj-业务库", Table: "mzj_marriage"}}, 12,
			[]step{{"mzj.approver", "approve", "同意，按目录默认脱敏", nil}, {"xzsp.approver", "approve", "同意", nil}}},
		{"ybj.consumer", "户籍人口基本信息", sharing.ApplicationInput{Items: []string{"id_number", "name", "birth_date"},
			Purpose: "城乡居民医保参保登记时核验参保人身份", Basis: "《中华人民共和国社会保险法》第二十三条（演示）", Scenario: "医保参保登记",
			Delivery: sharing.DeliveryAPI, Lookup: []string{"id_number"}}, 1, nil},
		{"ll.consumer", "社会保险参保缴费信息", sharing.ApplicationInput{Items: []string{"id_number", "name", "insurance", "base"},
			Purpose: "醴陵市最低生活保障审核时核对家庭收入", Basis: "《社会救助暂行办法》第十一条（演示）", Scenario: "最低生活保障审核",
			Delivery: sharing.DeliveryFile}, 21,
			[]step{{"rsj.approver", "approve", "同意，仅限养老和医疗险种，缴费基数完全遮盖",
				&sharing.Terms{Masking: map[string]string{"base": "full"}, Filter: sharing.RowFilter{{Item: "insurance", Op: sharing.OpIn, Values: []string{"养老", "医疗"}}}}}}},
		{"cl.consumer", "不动产登记证明信息", sharing.ApplicationInput{Items: []string{"unit_no", "owner", "location", "area"},
			Purpose: "了解持证残疾人家庭住房情况", Basis: "工作需要", Scenario: "残疾人帮扶",
			Delivery: sharing.DeliveryFile}, 6,
			[]step{{"bdc.approver", "return", "依据不足：请写明法律法规或职责依据，并说明为何需要坐落和面积（演示）", nil}}},
		{"ty.consumer", "企业登记注册信息", sharing.ApplicationInput{Items: []string{"credit_code", "name", "legal_rep", "founded"},
			Purpose: "企业开办一件事：核验企业登记信息", Basis: "《优化营商环境条例》第十九条（演示）", Scenario: "天元区企业开办一件事",
			Delivery: sharing.DeliveryFile}, 3, nil},
	}
	defer s.SetClock(time.Now)
	for _, a := range apps {
		c, err := code(a.entry)
		if err != nil {
			return err
		}
		p, err := login(a.user)
		if err != nil {
			return err
		}
		at := time.Now().AddDate(0, 0, -a.ago)
		s.SetClock(func() time.Time { return at })
		a.in.EntryCode = c
		app, err := s.Apply(ctx, p, a.in)
		if err != nil {
			return fmt.Errorf("%s applies for %s: %w", a.user, a.entry, err)
		}
		for i, st := range a.steps {
			at = at.Add(time.Duration(i+1) * 26 * time.Hour)
			p, err := login(st.user)
			if err != nil {
				return err
			}
			if st.action == "return" {
				_, err = s.Return(ctx, p, app.ID, st.note)
			} else {
				_, err = s.Approve(ctx, p, app.ID, st.terms, st.note)
			}
			if err != nil {
				return fmt.Errorf("%s %s application %d: %w", st.user, st.action, app.ID, err)
			}
		}
	}
	return nil
}
