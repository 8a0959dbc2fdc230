package basedb

import (
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/quality"
)

// The population base database's sources (人口基础库的数据来源).
const (
	SrcHousehold = "gaj_household"   // 公安 户籍
	SrcHealth    = "wjw_birth_death" // 卫健 出生和死亡
	SrcCivil     = "mzj_marriage"    // 民政 婚姻和低保
	SrcInsurance = "rsj_insurance"   // 人社 社会保险
)

// Enumerations of the population attributes.
var (
	Sexes       = []string{"男", "女"}
	Marital     = []string{"未婚", "已婚", "离婚", "丧偶"}
	Insurance   = []string{"参保", "暂停", "终止", "未参保"}
	Aid         = []string{"是", "否"}
	Education   = []string{"小学", "初中", "高中", "中专", "大专", "本科", "硕士", "博士", "其他"}
	Ethnicities = []string{"汉族", "土家族", "苗族", "侗族", "瑶族", "回族", "壮族", "满族", "蒙古族", "其他"}
)

// Population is the population base database (人口基础库), keyed by the
// citizen ID number, from four sources: the household register (公安), births
// and deaths (卫健), marriage and subsistence aid (民政) and insurance (人社).
func Population() Schema {
	day := 24 * time.Hour
	return Schema{
		Name: "population", NameZH: "人口基础库", NameEN: "Population",
		KeyZH: "公民身份号码", KeyEN: "citizen ID number",
		CheckKey: quality.CheckIDNumber, Verify: "name",
		Sources: []Source{
			{ID: SrcHousehold, Department: "gaj", NameZH: "公安户籍信息", NameEN: "household register", Table: "bd_gaj_household",
				KeyColumn: "sfzh", RowColumn: "hjbh", TimeColumn: "bgsj", Cycle: day,
				Columns: []string{"xm", "xb", "csrq", "mz", "hjdz", "xzqh", "whcd", "hyzk"}},
			{ID: SrcHealth, Department: "wjw", NameZH: "卫健出生和死亡登记", NameEN: "births and deaths", Table: "bd_wjw_birth_death",
				KeyColumn: "sfzh", RowColumn: "djbh", TimeColumn: "djsj", Cycle: 7 * day,
				Columns: []string{"xb", "csrq", "swrq"}},
			{ID: SrcCivil, Department: "mzj", NameZH: "民政婚姻和低保信息", NameEN: "marriage and subsistence aid", Table: "bd_mzj_marriage",
				KeyColumn: "sfzh", RowColumn: "djbh", TimeColumn: "djsj", Cycle: 7 * day,
				Columns: []string{"hyzk", "dbzt"}},
			{ID: SrcInsurance, Department: "rsj", NameZH: "人社社会保险参保信息", NameEN: "social insurance", Table: "bd_rsj_insurance",
				KeyColumn: "sfzh", RowColumn: "cbbh", TimeColumn: "jfsj", Cycle: 31 * day,
				Columns: []string{"cbzt", "jfzy"}},
		},
		Attributes: []Attribute{
			{ID: "name", NameZH: "姓名", NameEN: "name", Required: true, Sensitive: true, Mask: mask.Name, From: []From{{SrcHousehold, "xm"}}},
			{ID: "sex", NameZH: "性别", NameEN: "sex", Required: true, From: []From{{SrcHousehold, "xb"}, {SrcHealth, "xb"}}, Check: enum(Sexes)},
			{ID: "birth_date", NameZH: "出生日期", NameEN: "birth date", Required: true, Sensitive: true,
				From: []From{{SrcHousehold, "csrq"}, {SrcHealth, "csrq"}}, Check: pastDate},
			{ID: "ethnicity", NameZH: "民族", NameEN: "ethnicity", Required: true, From: []From{{SrcHousehold, "mz"}}, Check: enum(Ethnicities)},
			{ID: "address", NameZH: "户籍地址", NameEN: "household address", Required: true, Sensitive: true, Mask: mask.Address, From: []From{{SrcHousehold, "hjdz"}}},
			{ID: "division", NameZH: "户籍行政区划", NameEN: "household division", Required: true, From: []From{{SrcHousehold, "xzqh"}}, Check: divisionCode},
			{ID: "education", NameZH: "文化程度", NameEN: "education", From: []From{{SrcHousehold, "whcd"}}, Check: enum(Education)},
			{ID: "death_date", NameZH: "死亡日期", NameEN: "death date", Sensitive: true, From: []From{{SrcHealth, "swrq"}}, Check: pastDate},
			{ID: "marital_status", NameZH: "婚姻状况", NameEN: "marital status", Sensitive: true,
				From: []From{{SrcCivil, "hyzk"}, {SrcHousehold, "hyzk"}}, Check: enum(Marital)},
			{ID: "subsistence_aid", NameZH: "低保", NameEN: "subsistence aid", Sensitive: true, From: []From{{SrcCivil, "dbzt"}}, Check: enum(Aid)},
			{ID: "insurance_status", NameZH: "参保状态", NameEN: "insurance status", From: []From{{SrcInsurance, "cbzt"}}, Check: enum(Insurance)},
			{ID: "insurance_paid_to", NameZH: "缴费至", NameEN: "insurance paid to", From: []From{{SrcInsurance, "jfzy"}}, Check: pastDate},
		},
		Rules: []Rule{{Kind: KindDeathPaid, Before: "death_date", After: "insurance_paid_to"}},
	}
}

// Messages of the attributes' rules.
var (
	msgDate       = errs.Define("basedb.check.date", "%q is not a date (YYYY-MM-DD)", "“%s”不是日期（YYYY-MM-DD）")
	msgFutureDate = errs.Define("basedb.check.future_date", "%s is in the future", "%s 晚于当前日期")
	msgDivision   = errs.Define("basedb.check.division", "%s is not a division code in force", "%s 不是现行行政区划代码")
	msgEnum       = errs.Define("basedb.check.enum", "%q is not one of %s", "“%s”不在可选值 %s 之内")
)

func textOf(m *errs.Msg, args ...any) *errs.Text {
	t := m.With(args...)
	return &t
}

// pastDate accepts a calendar date no later than now.
func pastDate(v string, now time.Time) *errs.Text {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return textOf(msgDate, clip(v))
	}
	if d.After(now) {
		return textOf(msgFutureDate, v)
	}
	return nil
}

// divisionCode accepts a division code of the embedded GB/T 2260 table.
func divisionCode(v string, _ time.Time) *errs.Text {
	if err := quality.CheckDivisionCodeFormat(v); err != nil {
		t := quality.TextOf(err)
		return &t
	}
	if _, ok := division.Default().Lookup(v); !ok {
		return textOf(msgDivision, v)
	}
	return nil
}

func enum(vs []string) func(string, time.Time) *errs.Text {
	all := strings.Join(vs, "、")
	return func(v string, _ time.Time) *errs.Text {
		if !slices.Contains(vs, v) {
			return textOf(msgEnum, clip(v), all)
		}
		return nil
	}
}

// clip shortens an outside value for a message.
func clip(v string) string {
	r := []rune(v)
	if len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return v
}
