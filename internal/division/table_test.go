package division

import (
	"slices"
	"strings"
	"testing"
)

func TestDefaultZhuzhou(t *testing.T) {
	tab := Default()
	if got, want := tab.Version(), "NBS 2022-10-31"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if got, ok := tab.Lookup("430200"); !ok || got != (Division{"430200", "株洲市", 2, "430000"}) {
		t.Errorf("Lookup(430200) = %+v, %v, want {430200 株洲市 2 430000}, true", got, ok)
	}
	want := []Division{
		{"430202", "荷塘区", 3, "430200"},
		{"430203", "芦淞区", 3, "430200"},
		{"430204", "石峰区", 3, "430200"},
		{"430211", "天元区", 3, "430200"},
		{"430212", "渌口区", 3, "430200"},
		{"430223", "攸县", 3, "430200"},
		{"430224", "茶陵县", 3, "430200"},
		{"430225", "炎陵县", 3, "430200"},
		{"430281", "醴陵市", 3, "430200"},
	}
	if got := tab.Children("430200"); !slices.Equal(got, want) {
		t.Errorf("Children(430200) =\n%v\nwant\n%v", got, want)
	}
}

func TestDefaultLookup(t *testing.T) {
	tab := Default()
	tests := []struct {
		name string
		code string
		want Division
		ok   bool
	}{
		{name: "Hunan", code: "430000", want: Division{"430000", "湖南省", 1, ""}, ok: true},
		{name: "retired Zhuzhou county", code: "430221"},
		{name: "stats-only development zone", code: "430271"},
		{name: "short code", code: "43"},
		{name: "Beijing districts summary", code: "110100", want: Division{"110100", "市辖区", 2, "110000"}, ok: true},
		{name: "Beijing district", code: "110105", want: Division{"110105", "朝阳区", 3, "110100"}, ok: true},
		{name: "province-administered county", code: "419001", want: Division{"419001", "济源市", 3, "419000"}, ok: true},
		{name: "city without counties kept once", code: "441900", want: Division{"441900", "东莞市", 2, "440000"}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Lookup(tt.code)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Lookup(%q) = %+v, %v, want %+v, %v", tt.code, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDefaultShape(t *testing.T) {
	tab := Default()
	// 31 provinces, 342 prefectures, 2978 areas of which 3 repeat their city.
	if got, want := tab.Len(), 31+342+2978-3; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got, want := len(tab.Children("")), 31; got != want {
		t.Errorf("len(Children(\"\")) = %d, want %d", got, want)
	}
	if got := tab.Children("441900"); len(got) != 0 {
		t.Errorf("Children(441900) = %v, want none", got)
	}
	if got := tab.Children("999999"); got != nil {
		t.Errorf("Children(999999) = %v, want nil", got)
	}
	checkTable(t, tab)
}

func TestChildrenIsACopy(t *testing.T) {
	tab := Default()
	c := tab.Children("430200")
	c[0].Name = "changed"
	if got := tab.Children("430200")[0].Name; got != "荷塘区" {
		t.Errorf("after changing the returned slice, Children(430200)[0].Name = %q, want 荷塘区", got)
	}
}

const (
	testProvinces = "code,name\n43,\"湖南省\"\n11,\"北京市\"\n"
	testCities    = "code,name,provinceCode\n4302,\"株洲市\",43\n1101,\"市辖区\",11\n"
	testAreas     = "code,name,cityCode,provinceCode\n430212,\"渌口区\",4302,43\n430202,\"荷塘区\",4302,43\n110105,\"朝阳区\",1101,11\n"
)

func TestLoad(t *testing.T) {
	tab, err := Load(strings.NewReader("\uFEFF"+testProvinces), strings.NewReader(testCities),
		strings.NewReader("provinceCode,cityCode,name,code,extra\n43,4302,荷塘区,430202,x\n43,4302,渌口区,430212,y\n"), "test 1")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := tab.Version(), "test 1"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if got, want := tab.Len(), 6; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	want := []Division{{"430202", "荷塘区", 3, "430200"}, {"430212", "渌口区", 3, "430200"}}
	if got := tab.Children("430200"); !slices.Equal(got, want) {
		t.Errorf("Children(430200) = %v, want %v", got, want)
	}
	checkTable(t, tab)
}

func TestLoadParentFromData(t *testing.T) {
	// A county whose code says 4302 but whose data says city 4301: the data wins.
	tab, err := Load(strings.NewReader(testProvinces),
		strings.NewReader(testCities+"4301,\"长沙市\",43\n"),
		strings.NewReader(testAreas+"430299,\"某县\",4301,43\n"), "test")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	d, _ := tab.Lookup("430299")
	if got, want := d.Parent, "430100"; got != want {
		t.Errorf("Lookup(430299).Parent = %q, want %q", got, want)
	}
	if got := Parent("430299"); got != "430200" {
		t.Errorf("Parent(430299) = %q, want 430200", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name                     string
		provinces, cities, areas string
		version                  string
		want                     string
	}{
		{name: "no version", version: " ", want: "division: version must not be empty"},
		{name: "empty provinces", provinces: "\n\n", want: "division: provinces.csv: empty, want a header row"},
		{name: "missing column", cities: "code,name\n4302,株洲市\n",
			want: `division: cities.csv line 1: no column "provinceCode" in header "code,name"`},
		{name: "wrong field count", areas: testAreas + "430203,芦淞区,4302\n",
			want: "division: areas.csv line 5: wrong number of fields"},
		{name: "bad quote", areas: testAreas + "430203,\"芦淞区,4302,43\n",
			want: "division: areas.csv line 5"},
		{name: "short area code", areas: testAreas + "43023,芦淞区,4302,43\n",
			want: `division: areas.csv line 5: code "43023" is not six digits`},
		{name: "letter in province", provinces: testProvinces + "4A,某省\n",
			want: `division: provinces.csv line 4: code "4A" is not two digits for a province`},
		{name: "city in unknown province", cities: testCities + "4401,广州市,44\n",
			want: "division: cities.csv line 4: parent 44 of 4401 is not defined"},
		{name: "city outside its province", cities: testCities + "4401,广州市,43\n",
			want: `division: cities.csv line 4: code "4401" is not in province "43"`},
		{name: "area in unknown city", areas: testAreas + "430302,雨湖区,4303,43\n",
			want: "division: areas.csv line 5: parent 4303 of 430302 is not defined"},
		{name: "duplicate", areas: testAreas + "430202,荷塘区,4302,43\n",
			want: "division: areas.csv line 5: code 430202 is already defined, on line 3"},
		{name: "no name", areas: testAreas + "430203,\" \",4302,43\n",
			want: "division: areas.csv line 5: code 430203 has no name"},
		{name: "area under zero prefecture", areas: testAreas + "430021,某县,4302,43\n",
			want: `division: areas.csv line 5: code "430021" is not a county-level code`},
		{name: "area in another province", areas: testAreas + "110106,丰台区,1101,43\n",
			want: `division: areas.csv line 5: code "110106" and city "1101" are not in province "43"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c, a, v := tt.provinces, tt.cities, tt.areas, tt.version
			if p == "" {
				p = testProvinces
			}
			if c == "" {
				c = testCities
			}
			if a == "" {
				a = testAreas
			}
			if v == "" {
				v = "test"
			}
			tab, err := Load(strings.NewReader(p), strings.NewReader(c), strings.NewReader(a), v)
			if err == nil {
				t.Fatalf("Load = %d divisions, want error containing %q", tab.Len(), tt.want)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("Load error = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(testProvinces, testCities, testAreas)
	f.Add(testProvinces, testCities, "code,name,cityCode,provinceCode\n430200,株洲市,4302,43\n")
	f.Add("code,name\n", "code,name,provinceCode\n", "code,name,cityCode,provinceCode\n")
	f.Add("code,name\n43,\"湖\"\"南\"\n", "", "\xff")
	f.Fuzz(func(t *testing.T, provinces, cities, areas string) {
		tab, err := Load(strings.NewReader(provinces), strings.NewReader(cities), strings.NewReader(areas), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "division: ") {
				t.Fatalf("Load error %q lacks the package prefix", err)
			}
			return
		}
		checkTable(t, tab)
	})
}

// checkTable checks the invariants of a loaded table: every division is
// reachable from its parent's children, in order, one level below it.
func checkTable(t *testing.T, tab *Table) {
	t.Helper()
	n := 0
	var walk func(code string, level int)
	walk = func(code string, level int) {
		c := tab.Children(code)
		if !slices.IsSortedFunc(c, func(a, b Division) int { return strings.Compare(a.Code, b.Code) }) {
			t.Fatalf("Children(%q) not sorted: %v", code, c)
		}
		for _, d := range c {
			n++
			if d.Parent != code || d.Level != level || Level(d.Code) != level {
				t.Fatalf("Children(%q) holds %+v, want parent %q, level %d", code, d, code, level)
			}
			if got, ok := tab.Lookup(d.Code); !ok || got != d {
				t.Fatalf("Lookup(%q) = %+v, %v, want %+v", d.Code, got, ok, d)
			}
			if d.Name == "" || strings.TrimSpace(d.Name) != d.Name {
				t.Fatalf("division %s has name %q", d.Code, d.Name)
			}
			if level < 3 {
				walk(d.Code, level+1)
			}
		}
	}
	walk("", 1)
	if n != tab.Len() {
		t.Fatalf("%d divisions reachable from the provinces, Len() = %d", n, tab.Len())
	}
}
