package basedb

import (
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/quality"
)

// The legal entity base database's sources (法人基础库的数据来源).
const (
	SrcRegister   = "scj_register"    // 市场监管 企业登记
	SrcLicences   = "xzsp_licences"   // 行政审批 持有许可
	SrcCreditRisk = "scj_credit_risk" // 市场监管 企业信用风险分类
)

// The credit base database's sources (信用基础库的数据来源): 双公示 and the lists.
const (
	SrcLicencePub = "xzsp_licence_pub" // 行政审批 行政许可公示
	SrcPenalty    = "scj_penalty"      // 市场监管 行政处罚公示
	SrcRedList    = "xzsp_red_list"    // 守信激励 红名单
	SrcBlackList  = "scj_black_list"   // 严重违法失信 黑名单
)

// Enumerations of the legal entity and credit attributes.
var (
	EntityTypes    = []string{"有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "农民专业合作社"}
	EntityStatuses = []string{"存续", "在业", "吊销", "注销", "迁出"}
	RiskClasses    = []string{"A", "B", "C", "D"}
	PenaltyKinds   = []string{"警告", "通报批评", "罚款", "没收违法所得", "暂扣许可证件", "吊销许可证件", "责令停产停业"}
	// Closed is what a registration status says of a company no longer
	// operating: licences it still holds are disputed.
	Closed = []string{"吊销", "注销"}
)

// PublicationPeriod is the legal period during which a credit record is
// published (公示期限), by kind: administrative penalties by their kind
// (警告 and 通报批评 three months, other general penalties one year, the
// serious ones — 吊销许可证件, 责令停产停业 — three years, after the 2021
// measures on the repair of credit information), the black list three years.
// Licences are published while in force and red lists for the period their
// source gives; both answer 0 here.
func PublicationPeriod(kind string) (years, months int) {
	switch kind {
	case "警告", "通报批评":
		return 0, 3
	case "罚款", "没收违法所得", "暂扣许可证件":
		return 1, 0
	case "吊销许可证件", "责令停产停业", "black_list":
		return 3, 0
	}
	return 0, 0
}

var msgNumber = errs.Define("basedb.check.number", "%q is not a non-negative number", "“%s”不是非负数")

// nonNegative accepts a decimal number at least 0.
func nonNegative(v string, _ time.Time) *errs.Text {
	if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
		return textOf(msgNumber, clip(v))
	}
	return nil
}

// LegalEntities is the legal entity base database (法人基础库), keyed by
// the unified social credit code (GB 32100, its check character checked),
// from the company register (市场监管), the licences each holds (行政审批)
// and the credit risk class (市场监管). A company dissolved or revoked yet
// still holding licences is disputed.
func LegalEntities() Schema {
	day := 24 * time.Hour
	return Schema{
		Name: "legal_entity", NameZH: "法人基础库", NameEN: "Legal entities",
		KeyZH: "统一社会信用代码", KeyEN: "unified social credit code",
		CheckKey: quality.CheckCreditCode, Verify: "name",
		Sources: []Source{
			{ID: SrcRegister, Department: "scj", NameZH: "市场监管企业登记信息", NameEN: "company register", Table: "bd_scj_register",
				KeyColumn: "tyshxydm", RowColumn: "djbh", TimeColumn: "bgsj", Cycle: day,
				Columns: []string{"qymc", "qylx", "clrq", "zczb", "zs", "xzqh", "djzt", "fddbr"}},
			{ID: SrcLicences, Department: "xzsp", NameZH: "行政审批许可持有信息", NameEN: "licences held", Table: "bd_xzsp_licences",
				KeyColumn: "tyshxydm", RowColumn: "xkbh", TimeColumn: "gxsj", Cycle: day,
				Columns: []string{"qymc", "xkzs"}},
			{ID: SrcCreditRisk, Department: "scj", NameZH: "企业信用风险分类", NameEN: "credit risk class", Table: "bd_scj_credit_risk",
				KeyColumn: "tyshxydm", RowColumn: "pjbh", TimeColumn: "pjsj", Cycle: 92 * day,
				Columns: []string{"fxfl"}},
		},
		Attributes: []Attribute{
			{ID: "name", NameZH: "名称", NameEN: "name", Required: true, From: []From{{SrcRegister, "qymc"}, {SrcLicences, "qymc"}}},
			{ID: "entity_type", NameZH: "市场主体类型", NameEN: "entity type", Required: true, From: []From{{SrcRegister, "qylx"}}, Check: enum(EntityTypes)},
			{ID: "established", NameZH: "成立日期", NameEN: "established", Required: true, From: []From{{SrcRegister, "clrq"}}, Check: pastDate},
			{ID: "capital", NameZH: "注册资本（万元）", NameEN: "registered capital (10k yuan)", From: []From{{SrcRegister, "zczb"}}, Check: nonNegative},
			{ID: "address", NameZH: "住所", NameEN: "address", Required: true, From: []From{{SrcRegister, "zs"}}},
			{ID: "division", NameZH: "行政区划", NameEN: "division", Required: true, From: []From{{SrcRegister, "xzqh"}}, Check: divisionCode},
			{ID: "status", NameZH: "登记状态", NameEN: "registration status", Required: true, From: []From{{SrcRegister, "djzt"}}, Check: enum(EntityStatuses)},
			{ID: "legal_rep", NameZH: "法定代表人", NameEN: "legal representative", Required: true, Sensitive: true, Mask: mask.Name,
				From: []From{{SrcRegister, "fddbr"}}},
			{ID: "licences", NameZH: "持有许可", NameEN: "licences held", From: []From{{SrcLicences, "xkzs"}}},
			{ID: "credit_rating", NameZH: "信用风险分类", NameEN: "credit risk class", From: []From{{SrcCreditRisk, "fxfl"}}, Check: enum(RiskClasses)},
		},
		Rules: []Rule{{Kind: KindClosedLicensed, Before: "status", In: Closed, After: "licences"}},
	}
}

// Credit is the credit base database (信用基础库), keyed by the unified
// social credit code: the administrative licences and penalties published
// under 双公示, and the red and black lists, each value with its period of
// publication (the source row's validity). A company on both lists is
// disputed.
func Credit() Schema {
	day := 24 * time.Hour
	return Schema{
		Name: "credit", NameZH: "信用基础库", NameEN: "Credit",
		KeyZH: "统一社会信用代码", KeyEN: "unified social credit code",
		CheckKey: quality.CheckCreditCode, Verify: "name",
		Sources: []Source{
			{ID: SrcLicencePub, Department: "xzsp", NameZH: "行政许可公示信息", NameEN: "administrative licences (双公示)", Table: "bd_xzsp_licence_pub",
				KeyColumn: "tyshxydm", RowColumn: "xkbh", TimeColumn: "xkrq", Cycle: 7 * day,
				Columns: []string{"xdrmc", "xkmc", "xkbh"}},
			{ID: SrcPenalty, Department: "scj", NameZH: "行政处罚公示信息", NameEN: "administrative penalties (双公示)", Table: "bd_scj_penalty",
				KeyColumn: "tyshxydm", RowColumn: "cfbh", TimeColumn: "cfrq", Cycle: 7 * day,
				Columns: []string{"xdrmc", "cflb", "cfnr", "cfbh"}},
			{ID: SrcRedList, Department: "xzsp", NameZH: "守信激励红名单", NameEN: "red list", Table: "bd_xzsp_red_list",
				KeyColumn: "tyshxydm", RowColumn: "mdbh", TimeColumn: "lrrq", Cycle: 31 * day,
				Columns: []string{"mdmc"}},
			{ID: SrcBlackList, Department: "scj", NameZH: "严重违法失信黑名单", NameEN: "black list", Table: "bd_scj_black_list",
				KeyColumn: "tyshxydm", RowColumn: "mdbh", TimeColumn: "lrrq", Cycle: 31 * day,
				Columns: []string{"mdmc", "lryy"}},
		},
		Attributes: []Attribute{
			{ID: "name", NameZH: "名称", NameEN: "name", Required: true, From: []From{{SrcLicencePub, "xdrmc"}, {SrcPenalty, "xdrmc"}}},
			{ID: "licence", NameZH: "行政许可", NameEN: "administrative licence", From: []From{{SrcLicencePub, "xkmc"}}},
			{ID: "licence_no", NameZH: "许可编号", NameEN: "licence number", From: []From{{SrcLicencePub, "xkbh"}}},
			{ID: "penalty_kind", NameZH: "处罚类别", NameEN: "penalty kind", From: []From{{SrcPenalty, "cflb"}}, Check: enum(PenaltyKinds)},
			{ID: "penalty", NameZH: "处罚内容", NameEN: "penalty", From: []From{{SrcPenalty, "cfnr"}}},
			{ID: "penalty_no", NameZH: "处罚决定书文号", NameEN: "penalty decision number", From: []From{{SrcPenalty, "cfbh"}}},
			{ID: "red_list", NameZH: "红名单", NameEN: "red list", From: []From{{SrcRedList, "mdmc"}}},
			{ID: "black_list", NameZH: "黑名单", NameEN: "black list", From: []From{{SrcBlackList, "mdmc"}}},
			{ID: "black_reason", NameZH: "列入原因", NameEN: "reason listed", From: []From{{SrcBlackList, "lryy"}}},
		},
		Rules: []Rule{{Kind: KindRedAndBlack, Before: "red_list", Both: true, After: "black_list"}},
	}
}
