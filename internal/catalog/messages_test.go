package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
)

// TestMessagesByLanguage shows the catalog's messages said by key in both
// languages: validation, workflow refusals with enumeration labels, table
// checks, code and file problems.
func TestMessagesByLanguage(t *testing.T) {
	entry := Entry{Name: "户籍", Category: "base", CategoryItem: "01", CategorySubItem: "001", Format: "database",
		ShareType: ShareConditional, ShareMode: "platform", OpenType: OpenNone, UpdateCycle: "daily", Grade: "general",
		Items: []Item{{Name: "身份证号", Identifier: "id_number", DataType: "string", Length: 18, ShareType: ShareConditional, OpenType: OpenNone,
			Grade: "core", Masking: "none", Validator: "none"}}}
	field := func(err error, f string) errs.Text {
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a coded error: %v", err)
		}
		return e.Fields[f]
	}
	_, codeErr := NationalProfile{}.Parse("301002/17")
	_, xlsxProblems, err := ParseJSON(strings.NewReader(`{"entries": [{"name": 3}]}`), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		text   errs.Text
		en, zh string
	}{
		{"condition required", field(entry.Validate(), "share_condition"),
			"is required for conditional sharing (有条件共享)", "有条件共享时必须填写共享条件"},
		{"grade by label", field(entry.Validate(), "grade"),
			"must be at least Core, the highest grade of its items (就高从严)", "不得低于信息项的最高分级（核心数据，就高从严）"},
		{"transition by labels", msgCannotTransition.With(Actions.Arg(ActionApprove), 2, "101001/000001", Statuses.Arg(StatusDraft)),
			"cannot approve version 2 of 101001/000001: it is Draft", "目录 101001/000001 的第 2 版当前为“草稿”，不能执行“审核通过”"},
		{"approver by action", errs.TextOf(errs.New(errs.Forbidden, msgOnlyApprover, Actions.Arg(ActionPublish))),
			"only an approver of the data authority may publish an entry", "只有数据主管部门的审核员可以执行“发布”"},
		{"column type", errs.Raw(CheckTable(Entry{Items: []Item{{Name: "年龄", Identifier: "age", DataType: "integer"}}},
			connector.Table{Name: "people", Columns: []connector.Column{{Name: "age", Type: connector.TypeString, DBType: "varchar(10)"}}}, nil)[0].In("zh-CN")),
			"列类型 varchar(10)（string）不能存放整数型", "列类型 varchar(10)（string）不能存放整数型"},
		{"code", errs.TextOf(codeErr),
			`resource code "301002/17": 顺序码 "17" must be 6 to 9 digits`, "资源代码“301002/17”有误：顺序码“17”须为 6 至 9 位数字"},
		{"JSON type", xlsxProblems[0].Text,
			"want a string, got a number", "应为字符串，实为数字"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.text.In("en"); tt.text.Msg != nil && got != tt.en {
				t.Errorf("en = %q, want %q", got, tt.en)
			}
			if got := tt.text.In("zh-CN"); got != tt.zh {
				t.Errorf("zh-CN = %q, want %q", got, tt.zh)
			}
		})
	}
	// A mount problem keeps both texts where it is stored.
	ps := CheckTable(Entry{Items: []Item{{Name: "姓名", Identifier: "name", DataType: "string"}}}, connector.Table{Name: "people"}, nil)
	if len(ps) != 1 || ps[0].Problem != "table people has no column name" || ps[0].In("zh-CN") != "表 people 没有列 name" || ps[0].In("en") != ps[0].Problem {
		t.Errorf("mount problem = %+v", ps)
	}
}
