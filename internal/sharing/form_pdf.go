package sharing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
)

// FormTitle is the title of the printed form.
const FormTitle = "政务数据共享申请表"

// FormName is the file name of application id's printed form.
func FormName(id int64) string { return fmt.Sprintf("application-%d-form.pdf", id) }

// FormPDF assembles the form of application id (see Form) and prints it
// with the service's fonts; a missing font is an Unavailable error naming
// its Debian package.
func (s *Service) FormPDF(ctx context.Context, p org.Principal, id int64) ([]byte, error) {
	f, err := s.Form(ctx, p, id)
	if err != nil {
		return nil, err
	}
	fonts, err := s.Fonts.Fonts()
	if err != nil {
		return nil, err
	}
	return f.PDF(fonts)
}

// formDay and formTime are how the form says a day and an instant, in
// China Standard Time.
func formDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(lists.Beijing)
	return fmt.Sprintf("%d 年 %02d 月 %02d 日", t.Year(), t.Month(), t.Day())
}

func formTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(lists.Beijing).Format("2006-01-02 15:04")
}

// orNone is s, or a dash for nothing.
func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// PDF prints the form on A4 paper.
func (f Form) PDF(fonts *pdfdoc.Fonts) ([]byte, error) {
	L, V := pdfdoc.Label, pdfdoc.Value
	d := fonts.New(pdfdoc.Info{Title: FormTitle, Subject: fmt.Sprintf("共享申请 %d：%s", f.ID, f.EntryName), Author: f.Consumer,
		Footer: fmt.Sprintf("%s · 申请编号 %d", FormTitle, f.ID), Created: f.Printed})
	d.Title(FormTitle, 0)
	d.Pair(fmt.Sprintf("申请编号：%d", f.ID), "打印时间："+formTime(f.Printed), 0)
	d.Pair("当前状态："+f.State, "申请时间："+formTime(f.Filed), 0)
	d.Space(4)

	renew := "—"
	if f.RenewOf != 0 {
		renew = "续期申请，原申请编号 " + strconv.FormatInt(f.RenewOf, 10)
	}
	info := pdfdoc.Table{Widths: []float64{1.1, 2, 1.1, 2}, Rows: []pdfdoc.Row{
		{L("一、申请信息").Spans(4)},
		{L("申请单位"), V(f.Consumer).Spans(3)},
		{L("申请人"), V(f.Applicant), L("联系人"), V(orNone(f.Contact, "—"))},
		{L("联系电话"), V(orNone(f.Phone, "—")), L("申请类型"), V(renew)},
		{L("提供单位"), V(f.Provider).Spans(3)},
		{L("申请资源"), V(fmt.Sprintf("%s（资源代码 %s，第 %d 版）", f.EntryName, f.EntryCode, f.EntryVersion)).Spans(3)},
		{L("共享属性"), V(f.ShareType), L("共享方式"), V(f.Delivery)},
		{L("用途"), V(f.Purpose).Spans(3)},
		{L("依据"), V(f.Basis).Spans(3)},
		{L("应用场景"), V(f.Scenario).Spans(3)},
		{L("行筛选条件"), V(orNone(f.RowFilter, "无（全部数据行）")).Spans(3)},
		{L("有效期至"), V(f.ValidUntil), L("接口限速"), V(rate(f.RateLimit))},
	}}
	d.Table(info)

	items := pdfdoc.Table{Widths: []float64{0.6, 2.2, 1.9, 1.3, 0.9, 1.1}, Header: 2, Rows: []pdfdoc.Row{
		{L("二、申请的信息项").Spans(6)},
		{L("序号"), L("信息项名称"), L("标识"), L("脱敏方式"), L("查询条件"), L("审批结果")},
	}}
	for i, it := range f.Items {
		lookup, result := "", "同意"
		if it.Lookup {
			lookup = "是"
		}
		if it.Removed {
			result, it.Masking, lookup = "已核减", "—", ""
		}
		items.Rows = append(items.Rows, pdfdoc.Row{pdfdoc.Cell{Text: strconv.Itoa(i + 1), Align: pdfdoc.Center}, V(it.Name), V(it.Identifier),
			pdfdoc.Cell{Text: it.Masking, Align: pdfdoc.Center}, pdfdoc.Cell{Text: lookup, Align: pdfdoc.Center}, pdfdoc.Cell{Text: result, Align: pdfdoc.Center}})
	}
	d.Table(items)

	steps := pdfdoc.Table{Widths: []float64{1.75, 1.2, 1.5, 1.8, 2.4}, Header: 2, Rows: []pdfdoc.Row{
		{L("三、办理过程").Spans(5)},
		{L("时间"), L("环节"), L("办理人"), L("单位"), L("意见")},
	}}
	for _, st := range f.Steps {
		reason := st.Reason
		if st.Narrowed {
			reason = joinText(reason, "调整了共享条件")
		}
		steps.Rows = append(steps.Rows, pdfdoc.Row{V(formTime(st.At)), V(st.Action), V(st.Actor), V(st.Department), V(reason)})
	}
	d.Table(steps)

	d.Stamp(pdfdoc.Stamp{Label: "申请单位\n（盖章）",
		Text:   "本单位承诺：所申请的数据仅用于上述用途，在授权范围和有效期内使用，落实数据安全保护责任，不向第三方提供。",
		Signer: "经办人：" + f.Applicant, Date: formDay(f.Filed)})
	d.Stamp(opinionStamp("提供单位意见\n（盖章）", f.ProviderOpinion))
	d.Stamp(opinionStamp("数据主管部门意见\n（盖章）", f.AuthorityOpinion))
	return d.Bytes()
}

// opinionStamp is an approver's stamp box: the decision as recorded, or
// blanks to fill in by hand while the step is to come.
func opinionStamp(label string, o Opinion) pdfdoc.Stamp {
	if !o.Decided {
		return pdfdoc.Stamp{Label: label, Signer: "审批人："}
	}
	text := o.Decision + "。"
	if o.Comment != "" {
		text += "\n意见：" + o.Comment
	}
	signer := "审批人：" + o.Actor
	if o.Department != "" {
		signer += "（" + o.Department + "）"
	}
	return pdfdoc.Stamp{Label: label, Text: text, Signer: signer, Date: formDay(o.At)}
}

func rate(r float64) string {
	if r <= 0 {
		return "按应用的限额"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + " 次/秒"
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "；" + b
}
