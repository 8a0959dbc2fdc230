package catalog

import (
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// Option is one value of an enumeration with its labels.
type Option struct {
	Value string `json:"value"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
}

// Enum is an ordered set of stable string values with Chinese labels.
type Enum []Option

// Valid reports whether v is one of the values.
func (e Enum) Valid(v string) bool {
	for _, o := range e {
		if o.Value == v {
			return true
		}
	}
	return false
}

// Label returns the label of v in lang ("zh-CN" or "en").
func (e Enum) Label(v, lang string) string {
	for _, o := range e {
		if o.Value == v {
			if lang == "en" {
				return o.EN
			}
			return o.ZH
		}
	}
	return v
}

// Arg returns v as a message argument (errs.Localizer) that each language
// says with its own label: errs.New(code, msg, Statuses.Arg(status)).
func (e Enum) Arg(v string) errs.Localizer { return enumArg{e, v} }

type enumArg struct {
	e Enum
	v string
}

func (a enumArg) In(lang string) string { return a.e.Label(a.v, lang) }

// ValuesArg returns the enumeration as a message argument: its values in
// English (what a file or the API takes), its labels in Chinese.
func (e Enum) ValuesArg() errs.Localizer { return enumList(e) }

type enumList Enum

func (l enumList) In(lang string) string {
	if lang == "en" {
		return strings.Join(Enum(l).Values(), ", ")
	}
	out := make([]string, len(l))
	for i, o := range l {
		out[i] = o.ZH
	}
	return strings.Join(out, "、")
}

// Parse accepts a value or its Chinese or English label.
func (e Enum) Parse(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, o := range e {
		if s == o.Value || s == o.ZH || strings.EqualFold(s, o.EN) {
			return o.Value, true
		}
	}
	return "", false
}

// Values lists the values in order.
func (e Enum) Values() []string {
	out := make([]string, len(e))
	for i, o := range e {
		out[i] = o.Value
	}
	return out
}

// Share types (共享属性).
const (
	ShareUnconditional = "unconditional"
	ShareConditional   = "conditional"
	ShareNone          = "none"
)

// Open types (开放属性).
const (
	OpenUnconditional = "open"
	OpenConditional   = "conditional"
	OpenNone          = "closed"
)

// Enumerations of the catalog. Values are stable; labels follow the guide.
var (
	ShareTypes = Enum{
		{ShareUnconditional, "无条件共享", "Unconditional"},
		{ShareConditional, "有条件共享", "Conditional"},
		{ShareNone, "不予共享", "Not shared"},
	}
	ShareModes = Enum{
		{"platform", "共享平台方式", "Through the platform"},
		{"email", "邮件方式", "E-mail"},
		{"media", "介质方式", "Media"},
		{"custom", "自定义", "Custom"},
	}
	ShareChannels = Enum{
		{"database", "数据库", "Database"},
		{"api", "接口", "API"},
		{"file", "文件", "File"},
	}
	OpenTypes = Enum{
		{OpenUnconditional, "无条件开放", "Open"},
		{OpenConditional, "有条件开放", "Conditionally open"},
		{OpenNone, "不予开放", "Not open"},
	}
	UpdateCycles = Enum{
		{"realtime", "实时", "Real time"},
		{"daily", "每日", "Daily"},
		{"weekly", "每周", "Weekly"},
		{"monthly", "每月", "Monthly"},
		{"quarterly", "每季度", "Quarterly"},
		{"halfyearly", "每半年", "Half-yearly"},
		{"yearly", "每年", "Yearly"},
		{"irregular", "不定时", "Irregular"},
		{"other", "其他", "Other"},
	}
	Categories = Enum{
		{"base", "基础信息资源", "Base"},
		{"thematic", "主题信息资源", "Thematic"},
		{"departmental", "部门信息资源", "Departmental"},
	}
	Formats = Enum{
		{"database", "数据库", "Database"},
		{"spreadsheet", "电子表格", "Spreadsheet"},
		{"document", "电子文件", "Electronic document"},
		{"image", "图形图像", "Image"},
		{"streaming", "流媒体", "Streaming media"},
		{"self_describing", "自描述格式", "Self-describing"},
		{"api", "接口", "API"},
		{"other", "其他", "Other"},
	}
	Grades = Enum{
		{"general", "一般数据", "General"},
		{"important", "重要数据", "Important"},
		{"core", "核心数据", "Core"},
		{"classified", "涉密数据", "Classified"},
	}
	Statuses = Enum{
		{StatusDraft, "草稿", "Draft"},
		{StatusSubmitted, "待审核", "Submitted"},
		{StatusApproved, "已审核", "Approved"},
		{StatusReturned, "已退回", "Returned"},
		{StatusPublished, "已发布", "Published"},
		{StatusWithdrawn, "已撤销", "Withdrawn"},
		{StatusSuperseded, "已被新版本替代", "Superseded"},
	}
	// Actions of the workflow (审核流程), as the history and messages name them.
	Actions = Enum{
		{"create", "新建", "create"},
		{"update", "修改", "update"},
		{ActionSubmit, "提交审核", "submit"},
		{ActionApprove, "审核通过", "approve"},
		{ActionReturn, "退回", "return"},
		{ActionPublish, "发布", "publish"},
		{ActionWithdraw, "撤销发布", "withdraw"},
	}
	// Kinds of mount (资源挂接).
	MountKinds = Enum{
		{MountTable, "库表", "table"},
		{MountAPI, "接口", "API"},
		{MountFile, "文件", "file"},
	}
	Maskings = Enum{
		{"none", "不脱敏", "None"},
		{"name", "姓名", "Name"},
		{"id_number", "身份证号", "ID number"},
		{"phone", "手机号", "Phone"},
		{"address", "地址", "Address"},
		{"bank_card", "银行卡号", "Bank card"},
		{"email", "电子邮件", "E-mail"},
		{"full", "全部遮盖", "Full"},
		{"hash", "SM3 摘要", "SM3 hash"},
	}
	Validators = Enum{
		{"", "无", "None"},
		{"id_number", "身份证号", "ID number"},
		{"credit_code", "统一社会信用代码", "Credit code"},
		{"division_code", "行政区划代码", "Division code"},
		{"phone", "手机号", "Phone"},
		{"date", "日期", "Date"},
		{"enum", "枚举", "Enumeration"},
		{"regex", "正则表达式", "Regular expression"},
	}
)

// Workflow statuses of an entry version.
const (
	StatusDraft      = "draft"
	StatusSubmitted  = "submitted"
	StatusApproved   = "approved"
	StatusReturned   = "returned"
	StatusPublished  = "published"
	StatusWithdrawn  = "withdrawn"
	StatusSuperseded = "superseded"
)

// gradeRank orders grades; an entry's grade is at least its items' (就高从严).
func gradeRank(g string) int {
	for i, o := range Grades {
		if o.Value == g {
			return i
		}
	}
	return -1
}

// Data types of information items, with the classic single-letter codes and
// the newer Chinese names both accepted.
var DataTypes = Enum{
	{"string", "字符型", "String"},
	{"integer", "整数型", "Integer"},
	{"decimal", "小数型", "Decimal"},
	{"high_precision", "高精度型", "High precision"},
	{"float", "浮点型", "Float"},
	{"currency", "货币型", "Currency"},
	{"date", "日期型", "Date"},
	{"datetime", "日期时间型", "Date-time"},
	{"time", "时间型", "Time"},
	{"boolean", "布尔型", "Boolean"},
	{"text", "备注型", "Memo"},
	{"binary", "通用型", "Binary"},
	{"other", "其他", "Other"},
}

// classicTypes maps the classic letters and older labels to data types.
var classicTypes = map[string]string{
	"C": "string", "N": "decimal", "Y": "currency", "D": "date", "T": "datetime", "L": "boolean",
	"M": "text", "G": "binary", "B": "float", "I": "integer", "F": "float",
	"数值型": "decimal", "整型": "integer", "双精度型": "float", "逻辑型": "boolean", "日期时间": "datetime",
	"自定义": "other", "字符": "string",
}

// ParseDataType accepts a value, a label, a classic letter (C/N/Y/D/T/L/M/G/B/I/F) or an older name.
func ParseDataType(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if v, ok := DataTypes.Parse(s); ok {
		return v, true
	}
	if v, ok := classicTypes[strings.ToUpper(s)]; ok {
		return v, true
	}
	v, ok := classicTypes[s]
	return v, ok
}

// AllEnums returns every enumeration by field name.
func AllEnums() map[string]Enum {
	return map[string]Enum{"category": Categories, "format": Formats, "share_type": ShareTypes, "share_mode": ShareModes,
		"share_channel": ShareChannels, "open_type": OpenTypes, "update_cycle": UpdateCycles, "grade": Grades, "status": Statuses,
		"masking": Maskings, "validator": Validators, "data_type": DataTypes}
}
