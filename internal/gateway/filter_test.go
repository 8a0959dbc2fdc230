package gateway_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/gateway"
)

func TestParseQuery(t *testing.T) {
	type F = gateway.Filter
	tests := []struct {
		name    string
		raw     string
		want    gateway.Query
		wantErr string // the parameter named, or part of the message
	}{
		{name: "empty", raw: "", want: gateway.Query{Page: 1, PageSize: 20}},
		{name: "paging and fields", raw: "page=3&page_size=1000&fields=name,id_no", want: gateway.Query{Page: 3, PageSize: 1000, Fields: []string{"name", "id_no"}}},
		{name: "filters sorted by item and operator", raw: "name=%E5%BC%A0%E4%B8%89&age.lt=60&age.gte=18&city.in=%E6%9D%AD%E5%B7%9E,%E5%AE%81%E6%B3%A2&code.prefix=3301",
			want: gateway.Query{Page: 1, PageSize: 20, Filters: []F{
				{"age", "gte", []string{"18"}}, {"age", "lt", []string{"60"}},
				{"city", "in", []string{"杭州", "宁波"}}, {"code", "prefix", []string{"3301"}}, {"name", "eq", []string{"张三"}}}}},
		{name: "plus is a space, %2C a comma inside a list", raw: "addr=a+b&tag.in=x%2Cy,z", want: gateway.Query{Page: 1, PageSize: 20, Filters: []F{
			{"addr", "eq", []string{"a b"}}, {"tag", "in", []string{"x,y", "z"}}}}},
		{name: "empty equality", raw: "note=", want: gateway.Query{Page: 1, PageSize: 20, Filters: []F{{"note", "eq", []string{""}}}}},
		{name: "injection-looking value is just a value", raw: "name=%27+OR+1%3D1+--", want: gateway.Query{Page: 1, PageSize: 20, Filters: []F{{"name", "eq", []string{"' OR 1=1 --"}}}}},
		{name: "empty segments ignored", raw: "&&page=2&", want: gateway.Query{Page: 2, PageSize: 20}},

		{name: "page zero", raw: "page=0", wantErr: "page"},
		{name: "page not a number", raw: "page=two", wantErr: "page"},
		{name: "negative page", raw: "page=-1", wantErr: "page"},
		{name: "page too far", raw: "page=99999999999", wantErr: "page"},
		{name: "page size too big", raw: "page_size=1001", wantErr: "page_size"},
		{name: "page twice", raw: "page=1&page=2", wantErr: "page: given twice"},
		{name: "repeated equality", raw: "name=a&name=b", wantErr: "name: equality given twice"},
		{name: "repeated range", raw: "age.gt=1&age.gt=2", wantErr: "age.gt: given twice"},
		{name: "unknown operator", raw: "age.between=1,2", wantErr: "age.between: unknown operator"},
		{name: "eq spelt out", raw: "age.eq=1", wantErr: "age.eq: unknown operator eq"},
		{name: "two dots", raw: "a.b.gt=1", wantErr: "a.b.gt: unknown operator"},
		{name: "bad identifier", raw: "1abc=1", wantErr: "1abc"},
		{name: "Chinese identifier", raw: "%E5%A7%93%E5%90%8D=1", wantErr: "姓名"},
		{name: "identifier too long", raw: "a" + strings.Repeat("b", 64) + "=1", wantErr: "is not an item identifier"},
		{name: "bad field", raw: "fields=name,1x", wantErr: "fields"},
		{name: "empty field", raw: "fields=name,", wantErr: "fields"},
		{name: "field twice", raw: "fields=name,name", wantErr: "listed twice"},
		{name: "empty fields", raw: "fields=", wantErr: "fields"},
		{name: "empty in element", raw: "a.in=x,,y", wantErr: "a.in"},
		{name: "too many in values", raw: "a.in=" + strings.Repeat("x,", 100) + "x", wantErr: "a.in: too many values"},
		{name: "value too long", raw: "a=" + strings.Repeat("x", 257), wantErr: "a: value too long"},
		{name: "value of 256 bytes in Chinese too long", raw: "a=" + strings.Repeat("%E5%BC%A0", 86), wantErr: "a: value too long"},
		{name: "invalid UTF-8", raw: "a=%FF", wantErr: "a: value is not valid UTF-8"},
		{name: "NUL", raw: "a=x%00", wantErr: "a: value contains a NUL"},
		{name: "bad escape", raw: "a=%zz", wantErr: "a: malformed"},
		{name: "empty range", raw: "a.gt=", wantErr: "a.gt: needs a value"},
		{name: "empty prefix", raw: "a.prefix=", wantErr: "a.prefix: needs a value"},
		{name: "21 filters", raw: filters(21), wantErr: "too many filters"},
		{name: "too many parameters", raw: filters(20) + "&page=1&page_size=2&fields=a&q=1", wantErr: "too many query parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gateway.ParseQuery(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errs.Is(err, errs.Invalid) {
					t.Fatalf("ParseQuery(%q) = %+v, %v; want an Invalid error containing %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) =\n%+v\nwant\n%+v", tt.raw, got, tt.want)
			}
		})
	}
	// 20 filters and every reserved parameter are within the limits.
	if q, err := gateway.ParseQuery(filters(20) + "&page=2&page_size=50&fields=f0"); err != nil || len(q.Filters) != 20 || q.Offset() != 50 {
		t.Errorf("20 filters: %d, offset %d, %v", len(q.Filters), q.Offset(), err)
	}
}

// filters returns n distinct equality filters.
func filters(n int) string {
	var b []string
	for i := range n {
		b = append(b, "f"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"=1")
	}
	return strings.Join(b, "&")
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "page=2&page_size=10&fields=a,b", "name=%E5%BC%A0&age.gte=18&city.in=a,b,c&code.prefix=33",
		"a=1&a=2", "a.in=%2C,x", "x.gt=%FF", "page=0", "=&&=", "a.b.c=1", filters(20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := gateway.ParseQuery(raw)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("ParseQuery(%q) error %v is not Invalid", raw, err)
			}
			return
		}
		if q.Page < 1 || q.Page > gateway.MaxPage || q.PageSize < 1 || q.PageSize > gateway.MaxPageSize {
			t.Errorf("ParseQuery(%q): page %d, size %d out of bounds", raw, q.Page, q.PageSize)
		}
		if len(q.Filters) > gateway.MaxFilters {
			t.Errorf("ParseQuery(%q): %d filters", raw, len(q.Filters))
		}
		for _, f := range q.Fields {
			if !identifier.MatchString(f) {
				t.Errorf("ParseQuery(%q): field %q is not an identifier", raw, f)
			}
		}
		for _, f := range q.Filters {
			if !identifier.MatchString(f.Item) {
				t.Errorf("ParseQuery(%q): item %q is not an identifier", raw, f.Item)
			}
			switch f.Op {
			case gateway.OpEq, gateway.OpGt, gateway.OpGte, gateway.OpLt, gateway.OpLte, gateway.OpPrefix:
				if len(f.Values) != 1 {
					t.Errorf("ParseQuery(%q): %s with %d values", raw, f.Op, len(f.Values))
				}
			case gateway.OpIn:
				if len(f.Values) < 1 || len(f.Values) > gateway.MaxInValues {
					t.Errorf("ParseQuery(%q): in with %d values", raw, len(f.Values))
				}
			default:
				t.Errorf("ParseQuery(%q): operator %q", raw, f.Op)
			}
			for _, v := range f.Values {
				if len(v) > gateway.MaxValueBytes || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
					t.Errorf("ParseQuery(%q): value %q out of bounds", raw, v)
				}
			}
		}
	})
}

// FuzzCanonicalAgrees checks that the canonical query a signature covers
// means what the query means: parsed again, it gives the same query, so two
// queries that sign alike ask for the same thing (credit_code.in=A,B and
// credit_code.in=A%2CB do not).
func FuzzCanonicalAgrees(f *testing.F) {
	for _, s := range []string{"", "credit_code.in=A,B", "credit_code.in=A%2CB", "name=%E5%BC%A0+%E4%B8%89&page=2",
		"fields=a,b&x.prefix=1%2C", "a=A,B", "a.in=,", "a.in=%2C%2C,x", "a=1;b", "x.gt=%FF", "a=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := gateway.ParseQuery(raw)
		c, cerr := gateway.CanonicalQuery(raw)
		if cerr != nil {
			if err == nil {
				t.Fatalf("CanonicalQuery(%q) failed (%v) where ParseQuery succeeded", raw, cerr)
			}
			return
		}
		if err != nil {
			return
		}
		again, err := gateway.ParseQuery(c)
		if err != nil {
			t.Fatalf("ParseQuery(CanonicalQuery(%q) = %q): %v", raw, c, err)
		}
		if !reflect.DeepEqual(q, again) {
			t.Errorf("%q parses as %+v, its canonical form %q as %+v", raw, q, c, again)
		}
	})
}

func TestCanonicalTellsListsApart(t *testing.T) {
	two, _ := gateway.CanonicalQuery("credit_code.in=A,B")
	one, _ := gateway.CanonicalQuery("credit_code.in=A%2CB")
	if two == one {
		t.Fatalf("credit_code.in=A,B and credit_code.in=A%%2CB have the same canonical form %q", one)
	}
	q2, _ := gateway.ParseQuery("credit_code.in=A,B")
	q1, _ := gateway.ParseQuery("credit_code.in=A%2CB")
	if got, want := len(q2.Filters[0].Values), 2; got != want {
		t.Errorf("A,B: %d values, want %d", got, want)
	}
	if got, want := q1.Filters[0].Values, []string{"A,B"}; !reflect.DeepEqual(got, want) {
		t.Errorf("A%%2CB: values %q, want %q", got, want)
	}
}
