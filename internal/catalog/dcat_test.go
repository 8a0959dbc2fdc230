package catalog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWriteDCAT(t *testing.T) {
	issued := time.Date(2025, 3, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	entry := func(code, name, open, cycle string) Exported {
		return Exported{ProviderCreditCode: "11530100MB1234567W", Entry: Entry{
			Code: code, Name: name, Summary: name + "的摘要", ProviderName: "市场监管局", Category: "thematic", Format: "api",
			OpenType: open, OpenCondition: "注册后申请", UpdateCycle: cycle, Keywords: []string{"企业", "登记"},
			Contact: "王五", Phone: "0871 1234567", PublishedAt: issued, UpdatedAt: issued.Add(24 * time.Hour),
		}}
	}
	in := []Exported{
		entry("201002/000003", "企业登记信息", OpenUnconditional, "daily"),
		entry("201002/000004", "不开放的资源", OpenNone, "daily"),
		entry("201002/000005", "有条件开放的资源", OpenConditional, "halfyearly"),
		entry("201002/000006", "标签形式的不开放", "不予开放", "weekly"),
		entry("201002/000007", "开放类型未知", "", "weekly"),
		entry("201002/000008", "标签形式的开放", "无条件开放", "其他"),
	}
	var buf bytes.Buffer
	if err := WriteDCAT(&buf, in, "https://data.example.gov.cn/"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("WriteDCAT wrote invalid JSON:\n%s", out)
	}
	var doc struct {
		Context map[string]string `json:"@context"`
		Type    string            `json:"@type"`
		Dataset []map[string]any  `json:"dcat:dataset"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string]string{
		"dcat":  "http://www.w3.org/ns/dcat#",
		"dct":   "http://purl.org/dc/terms/",
		"foaf":  "http://xmlns.com/foaf/0.1/",
		"vcard": "http://www.w3.org/2006/vcard/ns#",
	} {
		if got := doc.Context[prefix]; got != want {
			t.Errorf("@context %s = %q, want %q", prefix, got, want)
		}
	}
	if doc.Type != "dcat:Catalog" {
		t.Errorf("@type = %q, want dcat:Catalog", doc.Type)
	}
	for _, closed := range []string{"不开放的资源", "标签形式的不开放", "开放类型未知", "201002/000004", "201002/000006", "201002/000007"} {
		if strings.Contains(out, closed) {
			t.Errorf("a closed entry appears: %q", closed)
		}
	}
	var ids []string
	for _, ds := range doc.Dataset {
		ids = append(ids, ds["dct:identifier"].(string))
	}
	if got, want := strings.Join(ids, " "), "201002/000003 201002/000005 201002/000008"; got != want {
		t.Fatalf("datasets %s, want %s", got, want)
	}
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"type", doc.Dataset[0]["@type"], `"dcat:Dataset"`},
		{"landing page", doc.Dataset[0]["dcat:landingPage"], `{"@id":"https://data.example.gov.cn/catalog/entry?code=201002%2F000003"}`},
		{"title", doc.Dataset[0]["dct:title"], `{"@language":"zh","@value":"企业登记信息"}`},
		{"description", doc.Dataset[0]["dct:description"], `{"@language":"zh","@value":"企业登记信息的摘要"}`},
		{"publisher", doc.Dataset[0]["dct:publisher"], `{"@type":"foaf:Agent","dct:identifier":"11530100MB1234567W","foaf:name":{"@language":"zh","@value":"市场监管局"}}`},
		{"keywords", doc.Dataset[0]["dcat:keyword"], `[{"@language":"zh","@value":"企业"},{"@language":"zh","@value":"登记"}]`},
		{"daily", doc.Dataset[0]["dct:accrualPeriodicity"], `{"@id":"http://publications.europa.eu/resource/authority/frequency/DAILY"}`},
		{"half-yearly", doc.Dataset[1]["dct:accrualPeriodicity"], `{"@id":"http://publications.europa.eu/resource/authority/frequency/ANNUAL_2"}`},
		{"other has no frequency", doc.Dataset[2]["dct:accrualPeriodicity"], `null`},
		{"issued", doc.Dataset[0]["dct:issued"], `{"@type":"xsd:dateTime","@value":"2025-03-01T00:30:00Z"}`},
		{"modified", doc.Dataset[0]["dct:modified"], `{"@type":"xsd:dateTime","@value":"2025-03-02T00:30:00Z"}`},
		{"open access", doc.Dataset[0]["dct:accessRights"], `{"@id":"http://publications.europa.eu/resource/authority/access-right/PUBLIC"}`},
		{"conditional access", doc.Dataset[1]["dct:accessRights"], `{"@id":"http://publications.europa.eu/resource/authority/access-right/RESTRICTED"}`},
		{"contact", doc.Dataset[0]["dcat:contactPoint"], `{"@type":"vcard:Kind","vcard:fn":"王五","vcard:hasTelephone":{"@id":"tel:08711234567"}}`},
		{"distribution", doc.Dataset[0]["dcat:distribution"],
			`[{"@type":"dcat:Distribution","dcat:accessURL":{"@id":"https://data.example.gov.cn/catalog/entry?code=201002%2F000003"},"dct:format":{"@language":"zh","@value":"接口"},"dct:title":{"@language":"zh","@value":"企业登记信息（接口）"}}]`},
		{"conditions of a conditional entry", doc.Dataset[1]["dcat:distribution"].([]any)[0].(map[string]any)["dct:rights"],
			`{"@type":"dct:RightsStatement","dct:description":{"@language":"zh","@value":"注册后申请"}}`},
	}
	for _, tt := range tests {
		b, _ := json.Marshal(tt.got)
		if string(b) != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, b, tt.want)
		}
	}
}

func TestWriteDCATEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDCAT(&buf, []Exported{{Entry: Entry{Code: "x", OpenType: OpenNone}}}, "http://h"); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, buf.String())
	}
	if ds, ok := doc["dcat:dataset"].([]any); !ok || len(ds) != 0 {
		t.Errorf("dcat:dataset = %v, want an empty list", doc["dcat:dataset"])
	}
	if doc["@id"] != "http://h/catalog" {
		t.Errorf("@id = %v", doc["@id"])
	}
}
