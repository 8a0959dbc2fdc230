package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
)

// LicenceType is a licence type of the demo city, with how many synthetic
// licences the demo issues of it.
type LicenceType struct {
	Dept string // Department.Key of the issuing department
	licence.TypeInput
	N int
}

func item(code, label, typ string, required bool, m string) licence.ItemDef {
	return licence.ItemDef{Code: code, Label: label, Type: typ, Required: required, Mask: m}
}

// LicenceTypes are the licence types the demo city issues (证照目录). Every
// licence of them is synthetic: holders are named 某演示000, numbers carry
// "演示", entities have DM credit codes.
var LicenceTypes = []LicenceType{
	{"bdc", licence.TypeInput{Name: "不动产权证书", HolderKind: licence.Person, Title: "中华人民共和国不动产权证书", Items: []licence.ItemDef{
		item("location", "坐落", licence.ItemText, true, mask.Address), item("unit", "不动产单元号", licence.ItemText, true, mask.Full),
		item("right_type", "权利类型", licence.ItemText, true, mask.None), item("use", "用途", licence.ItemText, false, mask.None),
		item("area", "面积（平方米）", licence.ItemNumber, true, mask.None)}}, 1500},
	{"bdc", licence.TypeInput{Name: "不动产登记证明", HolderKind: licence.Person, Title: "不动产登记证明", Items: []licence.ItemDef{
		item("matter", "证明权利或事项", licence.ItemText, true, mask.None), item("location", "坐落", licence.ItemText, true, mask.Address),
		item("unit", "不动产单元号", licence.ItemText, true, mask.Full), item("obligor", "义务人", licence.ItemText, false, mask.Name)}}, 400},
	{"scj", licence.TypeInput{Name: "营业执照", HolderKind: licence.Entity, Title: "营业执照", Items: []licence.ItemDef{
		item("kind", "类型", licence.ItemText, true, mask.None), item("representative", "法定代表人", licence.ItemText, true, mask.Name),
		item("capital", "注册资本（万元）", licence.ItemNumber, false, mask.None), item("established", "成立日期", licence.ItemDate, true, mask.None),
		item("address", "住所", licence.ItemText, true, mask.Address)}}, 300},
	{"mzj", licence.TypeInput{Name: "结婚证", HolderKind: licence.Person, Title: "结婚证", Items: []licence.ItemDef{
		item("spouse", "配偶姓名", licence.ItemText, true, mask.Name), item("spouse_id", "配偶身份证件号", licence.ItemIDNumber, true, mask.IDNumber),
		item("registered_on", "登记日期", licence.ItemDate, true, mask.None)}}, 200},
	{"mzj", licence.TypeInput{Name: "离婚证", HolderKind: licence.Person, Title: "离婚证", Items: []licence.ItemDef{
		item("former_spouse", "原配偶姓名", licence.ItemText, true, mask.Name), item("registered_on", "登记日期", licence.ItemDate, true, mask.None)}}, 60},
	{"cl", licence.TypeInput{Name: "残疾人证", HolderKind: licence.Person, Title: "中华人民共和国残疾人证", ValidityYears: 10, Items: []licence.ItemDef{
		item("category", "残疾类别", licence.ItemText, true, mask.Full), item("grade", "残疾等级", licence.ItemText, true, mask.Full),
		item("guardian", "监护人", licence.ItemText, false, mask.Name)}}, 120},
	{"xzsp", licence.TypeInput{Name: "出租汽车驾驶员从业资格证", HolderKind: licence.Person, Title: "出租汽车驾驶员从业资格证", ValidityYears: 6, Items: []licence.ItemDef{
		item("category", "从业资格类别", licence.ItemText, true, mask.None), item("company", "服务单位", licence.ItemText, false, mask.None)}}, 80},
	{"cgj", licence.TypeInput{Name: "城市管理行政许可准许证", HolderKind: licence.Entity, Title: "城市管理行政许可准许证", ValidityYears: 1, Items: []licence.ItemDef{
		item("matter", "许可事项", licence.ItemText, true, mask.None), item("location", "许可地点", licence.ItemText, true, mask.None)}}, 85},
	{"scj", licence.TypeInput{Name: "食品经营许可证", HolderKind: licence.Entity, Title: "食品经营许可证", ValidityYears: 5, Items: []licence.ItemDef{
		item("operator", "经营者名称", licence.ItemText, true, mask.None), item("premises", "经营场所", licence.ItemText, true, mask.Address),
		item("main_kind", "主体业态", licence.ItemText, true, mask.None), item("items", "经营项目", licence.ItemText, true, mask.None)}}, 150},
	{"rsj", licence.TypeInput{Name: "社会保障卡", HolderKind: licence.Person, Title: "中华人民共和国社会保障卡", ValidityYears: 10, Items: []licence.ItemDef{
		item("card_no", "社会保障卡号", licence.ItemText, true, mask.BankCard), item("bank", "发卡银行", licence.ItemText, true, mask.None)}}, 300},
}

// demoEntity returns a synthetic legal entity's credit code (organisation
// code body "DE" and digits, both check characters valid).
func demoEntity(i int) string {
	body := fmt.Sprintf("DE%06d", i)
	oc, _ := quality.OrgCodeCheckChar(body)
	first := "91430200" + body + string(oc)
	c, _ := quality.CreditCodeCheckChar(first)
	return first + string(c)
}

var streets = []string{"天元区黄河北路", "芦淞区建设中路", "荷塘区新华西路", "石峰区响石路", "天元区长江南路", "渌口区渌湘大道", "醴陵市瓷城大道"}

// licenceInput is the i-th synthetic licence of a demo type.
func licenceInput(r *rand.Rand, today time.Time, lt LicenceType, i int) licence.IssueInput {
	// Issued within the last 300 days, so that every demo licence is valid
	// today (the shortest validity is a year).
	issued := today.AddDate(0, 0, -1-r.IntN(300))
	street := streets[r.IntN(len(streets))]
	in := licence.IssueInput{Number: fmt.Sprintf("演示%s第%06d号", lt.Name, i), HolderName: person(r, i), HolderID: idNumber(r),
		IssuedOn: issued.Format(time.DateOnly), Items: map[string]string{}}
	if lt.HolderKind == licence.Entity {
		in.HolderName, in.HolderID = fmt.Sprintf("株洲演示%03d商贸有限公司", i), demoEntity(i+1000*len(lt.Name))
	}
	set := func(k, v string) { in.Items[k] = v }
	switch lt.Name {
	case "不动产权证书":
		in.Number = fmt.Sprintf("湘（%d）株洲市不动产权第演示%07d号", issued.Year(), i)
		set("location", fmt.Sprintf("湖南省株洲市%s%d号%d栋%d室", street, 1+r.IntN(300), 1+r.IntN(30), 101+r.IntN(2500)))
		set("unit", fmt.Sprintf("430211%06dGB%05dF%08d", r.IntN(1000000), r.IntN(100000), i))
		set("right_type", "国有建设用地使用权/房屋所有权")
		set("use", []string{"城镇住宅用地/住宅", "商业服务用地/商业"}[r.IntN(2)])
		set("area", fmt.Sprintf("%d.%02d", 40+r.IntN(160), r.IntN(100)))
	case "不动产登记证明":
		in.Number = fmt.Sprintf("湘（%d）株洲市不动产证明第演示%07d号", issued.Year(), i)
		set("matter", []string{"抵押权", "预告登记", "地役权"}[r.IntN(3)])
		set("location", fmt.Sprintf("湖南省株洲市%s%d号", street, 1+r.IntN(300)))
		set("unit", fmt.Sprintf("430211%06dGB%05dF%08d", r.IntN(1000000), r.IntN(100000), i))
		set("obligor", person(r, i+5000))
	case "营业执照":
		set("kind", "有限责任公司（自然人投资或控股）")
		set("representative", person(r, i))
		set("capital", fmt.Sprint(10*(1+r.IntN(500))))
		set("established", issued.AddDate(0, 0, -r.IntN(30)).Format(time.DateOnly))
		set("address", fmt.Sprintf("湖南省株洲市%s%d号", street, 1+r.IntN(300)))
	case "结婚证", "离婚证":
		key := "spouse"
		if lt.Name == "离婚证" {
			key = "former_spouse"
		} else {
			set("spouse_id", idNumber(r))
		}
		set(key, person(r, i+7000))
		set("registered_on", issued.Format(time.DateOnly))
	case "残疾人证":
		set("category", []string{"视力残疾", "听力残疾", "肢体残疾"}[r.IntN(3)])
		set("grade", []string{"一级", "二级", "三级", "四级"}[r.IntN(4)])
	case "出租汽车驾驶员从业资格证":
		set("category", "巡游出租汽车驾驶员")
		set("company", fmt.Sprintf("株洲演示%02d出租汽车有限公司", 1+r.IntN(12)))
	case "城市管理行政许可准许证":
		set("matter", []string{"设置大型户外广告", "临时占用城市道路", "城市建筑垃圾处置"}[r.IntN(3)])
		set("location", fmt.Sprintf("株洲市%s%d号", street, 1+r.IntN(300)))
	case "食品经营许可证":
		in.Number = fmt.Sprintf("JY演示%011d", i)
		set("operator", in.HolderName)
		set("premises", fmt.Sprintf("湖南省株洲市%s%d号", street, 1+r.IntN(300)))
		set("main_kind", []string{"食品销售经营者", "餐饮服务经营者"}[r.IntN(2)])
		set("items", "预包装食品（含冷藏冷冻食品）销售")
	case "社会保障卡":
		set("card_no", fmt.Sprintf("D%08d", i))
		set("bank", []string{"中国工商银行株洲分行", "中国建设银行株洲分行", "长沙银行株洲分行"}[r.IntN(3)])
	}
	return in
}

// loadLicences defines the demo's licence types through the issuing
// departments' catalogers and issues their synthetic licences in batches,
// each anchored in the ledger; it then revokes, suspends and changes a few
// and records a use, so every state is on show.
func loadLicences(ctx context.Context, svc Services, out io.Writer) error {
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	r := rand.New(rand.NewPCG(11, 2026))
	now := time.Now().In(licence.Beijing)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	total := 0
	var first licence.Licence
	var bdc org.Principal
	for _, lt := range LicenceTypes {
		p, err := login(Username(departmentByKey(lt.Dept), org.Cataloger))
		if err != nil {
			return err
		}
		t, err := svc.Licences.CreateType(ctx, p, lt.TypeInput)
		if err != nil {
			return fmt.Errorf("licence type %s: %w", lt.Name, err)
		}
		ins := make([]licence.IssueInput, lt.N)
		for i := range ins {
			ins[i] = licenceInput(r, today, lt, i+1)
		}
		rep, err := svc.Licences.IssueBatch(ctx, p, t.Code, ins)
		if err != nil {
			if len(rep.Problems) > 0 {
				return fmt.Errorf("licences of %s: row %d %s: %s", lt.Name, rep.Problems[0].Row, rep.Problems[0].Column, rep.Problems[0].Message)
			}
			return fmt.Errorf("licences of %s: %w", lt.Name, err)
		}
		total += rep.Issued
		if lt.Name == "不动产权证书" {
			bdc = p
			ls, _, err := svc.Licences.Licences(ctx, p, licence.Query{Type: t.Code, PageSize: 3})
			if err != nil || len(ls) < 3 {
				return fmt.Errorf("demo title certificates: %v", err)
			}
			first = ls[0]
			if _, err := svc.Licences.Revoke(ctx, p, ls[1].Identifier, licence.StatusInput{Reason: "holder_request", Note: "演示：持证人申请注销"}); err != nil {
				return err
			}
			if _, err := svc.Licences.Suspend(ctx, p, ls[2].Identifier, licence.StatusInput{Reason: "dispute", Note: "演示：权属争议"}); err != nil {
				return err
			}
			if first, err = svc.Licences.Change(ctx, p, first.Identifier, licence.ChangeInput{StatusInput: licence.StatusInput{Reason: "correction", Note: "演示：面积更正"},
				Items: map[string]string{"area": "88.88"}}); err != nil {
				return err
			}
		}
	}
	// A use: the holder asks for a code at the centre's window and gives it
	// to the public security bureau.
	gaj, err := login("gaj.consumer")
	if err != nil {
		return err
	}
	code, err := svc.Licences.NewAuthCode(ctx, bdc, first.Identifier, licence.AuthCodeInput{})
	if err != nil {
		return err
	}
	if _, err := svc.Licences.Use(ctx, gaj, first.Identifier, licence.UseInput{Purpose: "办理户籍迁入（演示）", Authorisation: code.Code}); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo licences: %d types, %d synthetic licences issued and anchored in the ledger (one changed, one revoked, one suspended, one used).\n", len(LicenceTypes), total)
	return nil
}
