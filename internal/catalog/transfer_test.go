package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// transferEntries are valid entries covering every field, as the service
// would hand them to an export.
func transferEntries() []Exported {
	return []Exported{
		{ProviderCreditCode: "11530100MB1234567W", Entry: Entry{
			Code: "101001/000017", Name: "户籍人口基本信息", Summary: "本市户籍人口的基本信息。\n第二行说明 <b>&</b>",
			Category: "base", CategoryItem: "01", CategorySubItem: "001", Format: "database", FormatNote: "MySQL 表",
			ShareType: ShareConditional, ShareCondition: "仅用于政务服务办理", ShareMode: "platform", ShareChannel: "api",
			OpenType: OpenNone, UpdateCycle: "daily", Grade: "core", Related: []string{"101001/000018", "301002/000001"},
			Keywords: []string{"户籍", "人口", "=SUM(A1)"}, Records: 1234567, SizeMB: 2048, SourceSystem: "人口管理信息系统",
			Contact: "张三", Phone: "13800138000",
			Items: []Item{
				{Name: "公民身份号码", Identifier: "id_number", DataType: "string", Length: 18, Required: true, Key: true,
					ShareType: ShareConditional, OpenType: OpenNone, Grade: "core", Sensitive: true, Masking: "id_number", Validator: "id_number",
					Description: "18 位"},
				{Name: "性别", Identifier: "gender", DataType: "string", Length: 1, ShareType: ShareConditional, OpenType: OpenNone,
					Grade: "general", Masking: "none", Validator: "enum", ValidatorParam: "男,女"},
				{Name: "出生日期", Identifier: "birth_date", DataType: "date", ShareType: ShareNone, OpenType: OpenNone, Grade: "important",
					Masking: "full", Validator: "regex", ValidatorParam: `^\d{8}$`},
				{Name: "更新时间", Identifier: "updated_at", DataType: "datetime", Timestamp: true, ShareType: ShareConditional,
					OpenType: OpenNone, Grade: "general", Masking: "none"},
			},
		}},
		{Entry: Entry{
			Name: "新建的不予共享资源", Category: "departmental", CategoryItem: "12", CategorySubItem: "345", CategoryDetail: "0001",
			Format: "spreadsheet", ShareType: ShareNone, ShareBasis: "《某某条例》第十条", ShareMode: "media", OpenType: OpenNone,
			UpdateCycle: "irregular", Grade: "general", PhysicalDelete: true,
			Items: []Item{{Name: "字段一", Identifier: "field_1", DataType: "decimal", Length: 12, Precision: 2, ShareType: ShareNone,
				OpenType: OpenNone, Grade: "general", Masking: "none"}},
		}},
		{ProviderCreditCode: "12530000000000000A", Entry: Entry{
			Code: "201002/000003", Name: "企业登记信息", Summary: "市场主体登记信息", Category: "thematic", CategoryItem: "02",
			CategorySubItem: "002", Format: "api", ShareType: ShareUnconditional, ShareMode: "platform", ShareChannel: "database",
			OpenType: OpenConditional, OpenCondition: "注册用户申请后开放", UpdateCycle: "realtime", Grade: "general",
			Items: []Item{
				{Name: "统一社会信用代码", Identifier: "credit_code", DataType: "string", Length: 18, Key: true,
					ShareType: ShareUnconditional, OpenType: OpenUnconditional, Grade: "general", Masking: "none", Validator: "credit_code"},
				{Name: "注册资本", Identifier: "capital", DataType: "high_precision", Length: 20, Precision: 6,
					ShareType: ShareConditional, ShareCondition: "仅限监管", OpenType: OpenNone, Grade: "general", Masking: "hash"},
			},
		}},
	}
}

// normalized returns e after Normalize, as an import yields it.
func normalized(e Entry) Entry {
	e.Items = append([]Item(nil), e.Items...)
	e.Normalize()
	return e
}

func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJSONRoundTrip(t *testing.T) {
	in := transferEntries()
	published := time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)
	for i := range in {
		e := &in[i].Entry
		e.Version, e.Status, e.ProviderID, e.ProviderName = i+1, StatusPublished, int64(10+i), "公安局"
		e.PublishedAt, e.UpdatedAt, e.Mounted = published, published.Add(time.Hour), i == 0
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "<b>&</b>") || !strings.HasPrefix(s, "{\n  \"entries\": [") {
		t.Errorf("WriteJSON escapes HTML or lacks the entries wrapper:\n%.200s", s)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("WriteJSON wrote invalid JSON:\n%s", buf.String())
	}
	bare := func() []byte { // the same entries as a bare array
		var v struct{ Entries json.RawMessage }
		if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		return v.Entries
	}()
	for _, tt := range []struct {
		name string
		body []byte
	}{
		{"wrapped", buf.Bytes()},
		{"bare array", bare},
		{"byte order mark", append([]byte("\xef\xbb\xbf"), buf.Bytes()...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := ParseJSON(bytes.NewReader(tt.body), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Fatalf("problems: %+v", problems)
			}
			if len(got) != len(in) {
				t.Fatalf("got %d entries, want %d", len(got), len(in))
			}
			for i, imp := range got {
				want := normalized(in[i].Entry)
				if !reflect.DeepEqual(imp.Entry, want) {
					t.Errorf("entry %d:\n got %s\nwant %s", i, asJSON(t, imp.Entry), asJSON(t, want))
				}
				if imp.ProviderCreditCode != in[i].ProviderCreditCode || imp.Row != i+1 {
					t.Errorf("entry %d: credit code %q row %d, want %q row %d", i, imp.ProviderCreditCode, imp.Row, in[i].ProviderCreditCode, i+1)
				}
			}
		})
	}
	// Field order is the Entry's, and stable.
	var again bytes.Buffer
	if err := WriteJSON(&again, in); err != nil || again.String() != buf.String() {
		t.Errorf("WriteJSON is not stable (err %v)", err)
	}
	s := buf.String()
	if i, j := strings.Index(s, `"code"`), strings.Index(s, `"provider_credit_code"`); i < 0 || j < i {
		t.Errorf("code at %d, provider_credit_code at %d: want the Entry's fields first", i, j)
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "{\n  \"entries\": []\n}\n"; got != want {
		t.Errorf("WriteJSON(nil) = %q, want %q", got, want)
	}
	got, problems, err := ParseJSON(&buf, DefaultLimits)
	if err != nil || len(got) != 0 || len(problems) != 0 {
		t.Errorf("ParseJSON(empty) = %v, %v, %v", got, problems, err)
	}
}

// jsonEntryText is a valid entry as JSON, with a hole for more fields.
func jsonEntryText(extra string) string {
	return `{"name": "人口", "category": "基础信息资源", "category_item": "01", "category_sub_item": "001", "format": "数据库",
		"share_type": "无条件共享", "open_type": "不予开放", "update_cycle": "每日"` + extra + `,
		"items": [{"name": "姓名", "identifier": "name", "data_type": "C"}]}`
}

func TestParseJSONProblems(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Problem
	}{
		{"valid", `[` + jsonEntryText("") + `]`, nil},
		{"unknown field", `[` + jsonEntryText(`, "colour": "red"`) + `]`,
			[]Problem{{Row: 1, Column: "colour", Message: `unknown field "colour"`}}},
		{"unknown item field", `[{"name": "人口", "category": "base", "category_item": "01", "category_sub_item": "001", "format": "database",
			"share_type": "unconditional", "open_type": "closed", "update_cycle": "daily",
			"items": [{"name": "姓名", "identifier": "name", "data_type": "C", "size": 3}]}]`,
			[]Problem{{Row: 1, Column: "items[0].size", Message: `unknown field "size"`}}},
		{"wrong types", `[` + jsonEntryText(`, "records": "many", "physical_delete": "yes", "keywords": "a;b"`) + `]`,
			[]Problem{
				{Row: 1, Column: "physical_delete", Field: "physical_delete", Message: "want true or false, got a string"},
				{Row: 1, Column: "keywords", Field: "keywords", Message: "want an array of strings, got a string"},
				{Row: 1, Column: "records", Field: "records", Message: "want a whole number, got a string"},
			}},
		{"wrong item type", `[{"name": "人口", "category": "base", "category_item": "01", "category_sub_item": "001", "format": "database",
			"share_type": "unconditional", "open_type": "closed", "update_cycle": "daily",
			"items": [{"name": "姓名", "identifier": "name", "data_type": "C", "length": 1.5}, 7]}]`,
			[]Problem{
				{Row: 1, Column: "items[0].length", Field: "items[0].length", Message: "want a whole number, got a number"},
				{Row: 1, Column: "items[1]", Field: "items[1]", Message: "want an information item (an object), got a number"},
			}},
		{"items not an array", `[{"name": "人口", "items": {}}]`, nil}, // checked below: one problem at items, no item problems
		{"not an object", `[` + jsonEntryText("") + `, 42]`,
			[]Problem{{Row: 2, Message: "want an entry (an object), got a number"}}},
		{"over-long string", `[` + jsonEntryText(`, "summary": "`+strings.Repeat("长", 4001)+`"`) + `]`,
			[]Problem{{Row: 1, Column: "summary", Field: "summary", Message: "longer than 4000 characters"}}},
		{"invalid credit code", `[` + jsonEntryText(`, "provider_credit_code": "12345"`) + `]`,
			[]Problem{{Row: 1, Column: "provider_credit_code", Field: "provider_credit_code",
				Message: "want an 18-character unified social credit code (统一社会信用代码): credit code: must be 18 characters, got 5"}}},
		{"validation", `[` + jsonEntryText(`, "share_type": "有条件共享"`) + `]`,
			[]Problem{{Row: 1, Column: "share_condition", Field: "share_condition", Message: "is required for conditional sharing (有条件共享)"}}},
		{"duplicate code", `[` + jsonEntryText(`, "code": "101001/000001"`) + `,` + jsonEntryText(`, "code": "101001/000001"`) + `]`,
			[]Problem{{Row: 2, Column: "code", Field: "code", Message: "code 101001/000001 repeats entry 1"}}},
		{"unknown top-level field", `{"entries": [` + jsonEntryText("") + `], "version": 2}`,
			[]Problem{{Column: "version", Message: `unknown field "version": want only "entries"`}}},
		{"all at once", `[` + jsonEntryText(`, "colour": 1`) + `,` + jsonEntryText(`, "share_type": "有条件共享", "records": -1`) + `]`,
			[]Problem{
				{Row: 1, Column: "colour", Message: `unknown field "colour"`},
				{Row: 2, Column: "share_condition", Field: "share_condition", Message: "is required for conditional sharing (有条件共享)"},
				{Row: 2, Column: "records", Field: "records", Message: "cannot be negative"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := ParseJSON(strings.NewReader(tt.body), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "items not an array" {
				if len(problems) == 0 || problems[len(problems)-1].Column != "items" {
					t.Errorf("problems = %+v, want the last at items", problems)
				}
				for _, p := range problems {
					if strings.HasPrefix(p.Column, "items[") {
						t.Errorf("problem %+v repeats the items problem", p)
					}
				}
				return
			}
			if !reflect.DeepEqual(plain(t, problems), tt.want) {
				t.Errorf("problems:\n got %s\nwant %s", asJSON(t, problems), asJSON(t, tt.want))
			}
			if len(got) == 0 {
				t.Errorf("no entries returned; want them even with problems")
			}
		})
	}
}

func TestParseJSONNormalizes(t *testing.T) {
	got, problems, err := ParseJSON(strings.NewReader(`{"entries": [`+jsonEntryText(`, "provider_credit_code": " 11530100mb1234567w "`)+`]}`), DefaultLimits)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ParseJSON: %v %+v", err, problems)
	}
	e := got[0].Entry
	if e.Category != "base" || e.ShareType != ShareUnconditional || e.Items[0].DataType != "string" || e.Items[0].OpenType != OpenNone {
		t.Errorf("not normalized: %+v", e)
	}
	if got, want := got[0].ProviderCreditCode, "11530100MB1234567W"; got != want {
		t.Errorf("credit code = %q, want %q", got, want)
	}
}

func TestParseJSONRefused(t *testing.T) {
	many := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = jsonEntryText("")
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	items := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `{"name": "x", "identifier": "x", "data_type": "C"}`
		}
		return `[{"name": "x", "items": [` + strings.Join(parts, ",") + `]}]`
	}
	lim := Limits{MaxBytes: 1 << 20, MaxEntries: 3, MaxItemsPerEntry: 4, MaxCellChars: 100}
	tests := []struct {
		name, body, code, msg string
	}{
		{"empty", "", errs.Invalid, "not valid JSON"},
		{"not JSON", "entries: []", errs.Invalid, "not valid JSON"},
		{"truncated", `[` + jsonEntryText(""), errs.Invalid, "not valid JSON"},
		{"a string", `"entries"`, errs.Invalid, `want {"entries": [...]}`},
		{"no entries", `{"items": []}`, errs.Invalid, `no "entries"`},
		{"entries not an array", `{"entries": {}}`, errs.Invalid, `"entries" must be an array`},
		{"trailing data", `[] []`, errs.Invalid, "unexpected data after the entries"},
		{"too large", `[` + strings.Repeat(" ", 1<<20) + `]`, errs.TooLarge, "larger than 1 MiB"},
		{"too many entries", many(4), errs.TooLarge, "more than 3 entries"},
		{"too many items", items(5), errs.TooLarge, "more than 4 information items"},
		{"not UTF-8", "[\xff]", errs.Invalid, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseJSON(strings.NewReader(tt.body), lim)
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			code, msg, _ := errs.Public(err)
			if code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("refused with %s %q, want %s containing %q", code, msg, tt.code, tt.msg)
			}
		})
	}
	if _, _, err := ParseJSON(strings.NewReader(many(3)), lim); err != nil {
		t.Errorf("exactly MaxEntries: %v", err)
	}
}

func TestParseJSONProblemCap(t *testing.T) {
	parts := make([]string, MaxProblems+10)
	for i := range parts {
		parts[i] = `{"bogus": 1}`
	}
	got, problems, err := ParseJSON(strings.NewReader("["+strings.Join(parts, ",")+"]"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != MaxProblems+1 || !strings.Contains(problems[MaxProblems].Message, "more than 1000 problems") {
		t.Errorf("%d problems, last %+v; want %d ending with the cap", len(problems), problems[len(problems)-1], MaxProblems+1)
	}
	if len(got) > MaxProblems {
		t.Errorf("parsing went on after the cap: %d entries", len(got))
	}
}

func FuzzImportJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, transferEntries()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`[` + jsonEntryText(`, "colour": 1, "records": "x"`) + `]`))
	f.Add([]byte(`{"entries": [{"items": [1, {"length": "x"}]}], "x": null}`))
	f.Add([]byte(`[{"published_at": "2025-01-01T00:00:00+08:00", "keywords": ["a", 1]}]`))
	f.Add([]byte(`[[[[[[[[]]]]]]]]`))
	lim := Limits{MaxBytes: 1 << 20, MaxEntries: 50, MaxItemsPerEntry: 50, MaxCellChars: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		got, problems, err := ParseJSON(bytes.NewReader(data), lim)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("ParseJSON took %v", d)
		}
		if err != nil {
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("error does not wrap ErrRefused: %v", err)
			}
			return
		}
		if len(got) > lim.MaxEntries || len(problems) > MaxProblems+1 {
			t.Fatalf("%d entries, %d problems: limits not kept", len(got), len(problems))
		}
		if len(problems) > 0 {
			return
		}
		// A clean parse writes and reads back to the same thing.
		out := make([]Exported, len(got))
		for i, imp := range got {
			out[i] = Exported{Entry: imp.Entry, ProviderCreditCode: imp.ProviderCreditCode}
		}
		var first, second bytes.Buffer
		if err := WriteJSON(&first, out); err != nil {
			t.Fatal(err)
		}
		again, problems, err := ParseJSON(bytes.NewReader(first.Bytes()), lim)
		if err != nil || len(problems) > 0 {
			t.Fatalf("re-reading a clean parse: %v %+v", err, problems)
		}
		for i, imp := range again {
			out[i] = Exported{Entry: imp.Entry, ProviderCreditCode: imp.ProviderCreditCode}
		}
		if err := WriteJSON(&second, out[:len(again)]); err != nil {
			t.Fatal(err)
		}
		if first.String() != second.String() {
			t.Fatalf("not stable:\n%s\n%s", first.String(), second.String())
		}
	})
}

// plain returns the problems without their keyed texts, after checking that
// each text says the problem's English message.
func plain(t *testing.T, ps []Problem) []Problem {
	t.Helper()
	if ps == nil {
		return nil
	}
	out := make([]Problem, len(ps))
	for i, p := range ps {
		if !p.Text.IsZero() && p.Text.String() != p.Message {
			t.Errorf("problem %d: text %q, message %q", i, p.Text.String(), p.Message)
		}
		p.Text = errs.Text{}
		out[i] = p
	}
	return out
}
