package licence

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
)

var testType = Type{Code: "11100000000013338W032", Name: "不动产权证书", IssuerCode: "11220000013544541J", HolderKind: Person,
	Items: []ItemDef{{Code: "location", Label: "坐落", Type: ItemText, Required: true, Mask: mask.Address}, {Code: "area", Label: "面积", Type: ItemNumber}}}

func rowsOf(t *testing.T, format string, data []byte) ([]IssueInput, error) {
	t.Helper()
	var out []IssueInput
	err := eachRow(format, data, testType, func(row int, in IssueInput, problem errs.Text) error {
		if !problem.IsZero() {
			return errs.New(errs.Invalid, msgExtraCells, 0)
		}
		out = append(out, in)
		return nil
	})
	return out, err
}

// TestTemplateRoundTrip fills the Excel and CSV templates and reads them back.
func TestTemplateRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, testType, FormatXLSX); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	f.SetSheetRow(sheet, "A2", &[]any{"", "", "湘（2026）第1号", "张三", "11010519491231002X", "2026-11-01", "", "", "株洲市天元区", "89.5"})
	f.SetSheetRow(sheet, "A4", &[]any{"", "", "湘（2026）第2号", "李四", "11010519491231002X"})
	var filled bytes.Buffer
	f.Write(&filled)
	got, err := rowsOf(t, FormatXLSX, filled.Bytes())
	if err != nil || len(got) != 2 || got[0].Items["location"] != "株洲市天元区" || got[0].HolderID != "11010519491231002X" || got[1].Number != "湘（2026）第2号" {
		t.Fatalf("xlsx rows: %+v %v", got, err)
	}
	buf.Reset()
	WriteTemplate(&buf, testType, FormatCSV)
	csv := buf.String() + ",,湘（2026）第3号,王五,11010519491231002X,,,,株洲市,1\n"
	got, err = rowsOf(t, FormatCSV, []byte(csv))
	if err != nil || len(got) != 1 || got[0].Items["area"] != "1" {
		t.Fatalf("csv rows: %+v %v", got, err)
	}
	// Headers by label, by code, with full-width brackets.
	got, err = rowsOf(t, FormatCSV, []byte("证照编号,holder_name,持证主体代码（holder_id）,坐落\n1,a,b,c\n"))
	if err != nil || len(got) != 1 || got[0].HolderID != "b" || got[0].Items["location"] != "c" {
		t.Fatalf("headers: %+v %v", got, err)
	}
	for name, file := range map[string]string{
		"unknown column": "number,holder_name,holder_id,location,colour\n",
		"missing column": "number,holder_name,location\n",
		"twice":          "number,number,holder_name,holder_id,location\n",
		"empty":          "",
		"bad quote":      "number,holder_name,holder_id,location\n\"a,b\n",
	} {
		if _, err := rowsOf(t, FormatCSV, []byte(file)); err == nil || errs.TextOf(err).Msg == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := rowsOf(t, FormatXLSX, []byte("not a zip")); !errs.Is(err, errs.Invalid) {
		t.Errorf("not a workbook: %v", err)
	}
}

var today = time.Date(2026, 12, 8, 10, 0, 0, 0, Beijing)

func FuzzImportCSV(f *testing.F) {
	f.Add([]byte(strings.Join(TemplateHeader(testType), ",") + "\n,,1,张三,11010519491231002X,2026-01-01,,,x,1\n"))
	f.Add([]byte("number,holder_name,holder_id,location\n\"a\nb\",c,d,e\n"))
	f.Add([]byte("\ufeff证照编号 (number),持证主体,持证主体代码,坐落\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := eachRow(FormatCSV, data, testType, func(row int, in IssueInput, problem errs.Text) error {
			fs := errs.Fields{}
			l := prepare(in, testType, today, fs)
			if len(fs) == 0 && (l.DataHash == "" || CheckSerial(baseOf(l.Identifier)[len(testType.Code)+len(testType.IssuerCode)+2:]) != nil) {
				t.Fatalf("row %d accepted without a hash or a good identifier: %+v", row, l)
			}
			for field, text := range fs {
				if text.Msg == nil {
					t.Fatalf("row %d: unkeyed problem with %s: %v", row, field, text)
				}
			}
			return nil
		})
		if err != nil && errs.TextOf(err).Msg == nil {
			t.Fatalf("unkeyed refusal: %v", err)
		}
	})
}
