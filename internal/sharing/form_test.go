package sharing_test

import (
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// The printed form of an application holds what it asks for, every step
// and the approvers' opinions beside the places of the seals, the
// applicant's rare name (𠮷, U+20BB7) intact; whoever may read the
// application may print it, and to anyone else it is not found.
func TestApplicationForm(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		rsj := w.User("rsj.consumer")
		u, _, err := w.Org.CreateUser(ctx, w.User("admin"), org.UserInput{Username: "jitian", DisplayName: "𠮷田春花", DepartmentID: rsj.DepartmentID, Password: demo.Password})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Org.SetRoles(ctx, w.User("secadmin"), u.ID, []org.Role{org.Consumer}); err != nil {
			t.Fatal(err)
		}
		a, err := w.Sharing.Apply(ctx, w.User("jitian"), sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: []string{"id_number", "name", "gender"},
			Purpose: "核验参保人员身份", Basis: "《社会保险法》第五十七条（测试）", Scenario: "社保参保登记", Delivery: sharing.DeliveryAPI,
			RowFilter: sharing.RowFilter{{Item: "gender", Op: sharing.OpEq, Values: []string{"男"}}}})
		if err != nil {
			t.Fatal(err)
		}
		// Before any approval the opinions are blanks to fill in by hand.
		f, err := w.Sharing.Form(ctx, rsj, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.ProviderOpinion.Decided || f.AuthorityOpinion.Decided || f.Applicant != "𠮷田春花" || len(f.Items) != 3 || f.Contact != "演示联系人" {
			t.Fatalf("a pending application's form: %+v", f)
		}
		if _, err := w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Items: []string{"id_number", "gender"}}, "仅提供身份证号码"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, nil, "同意共享"); err != nil {
			t.Fatal(err)
		}

		for _, reader := range []string{"jitian", "rsj.consumer", "rsj.cataloger", "gaj.approver", "xzsp.approver", "secadmin"} {
			if _, err := w.Sharing.Form(ctx, w.User(reader), a.ID); err != nil {
				t.Errorf("%s prints the form: %v", reader, err)
			}
		}
		for _, outsider := range []string{"mzj.approver", "ybj.consumer", "auditor", "admin"} {
			_, err := w.Sharing.FormPDF(ctx, w.User(outsider), a.ID)
			wantCode(t, outsider+" prints another department's form", err, errs.NotFound)
		}

		// An unconditional application is granted at once: both opinions
		// say so, in the platform's name.
		un, err := w.Sharing.Apply(ctx, rsj, sharing.ApplicationInput{EntryCode: w.Code["scj"], Purpose: "核验", Basis: "依据（测试）", Scenario: "场景",
			Delivery: sharing.DeliveryFile})
		if err != nil {
			t.Fatal(err)
		}
		uf, err := w.Sharing.Form(ctx, rsj, un.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []sharing.Opinion{uf.ProviderOpinion, uf.AuthorityOpinion} {
			if !o.Decided || o.Decision != "无条件共享，无需审批，自动授权" || o.Actor != "系统" || o.Comment != "" {
				t.Errorf("an unconditional application's opinion: %+v", o)
			}
		}
		if uf.ShareType != "无条件共享" || uf.State != "已批准" || uf.Delivery != "文件下载" {
			t.Errorf("an unconditional application's form: share type %q, state %q, delivery %q", uf.ShareType, uf.State, uf.Delivery)
		}

		pdf, err := w.Sharing.FormPDF(ctx, rsj, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.Squeezed(t, pdf)
		for _, want := range []string{
			"政务数据共享申请表", "申请编号：", "申请单位", "株洲市人力资源和社会保障局", "申请人", "𠮷田春花", "联系人", "演示联系人", "提供单位", "株洲市公安局",
			"户籍人口基本信息", w.Code["gaj"], "共享属性有条件共享", "共享方式数据服务接口", "用途核验参保人员身份", "依据《社会保险法》第五十七条（测试）",
			"应用场景社保参保登记", "行筛选条件性别等于男", "有效期至", "公民身份号码", "已核减", "办理过程", "提交申请", "审批通过",
			"申请单位（盖章）", "提供单位意见（盖章）", "数据主管部门意见（盖章）", "盖章处", "经办人：𠮷田春花",
			"同意（调整了共享条件，以本表所列为准）。意见：仅提供身份证号码", "同意。意见：同意共享", "年", "月", "日",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the form's text lacks %q:\n%s", want, text)
			}
		}
	})
}
