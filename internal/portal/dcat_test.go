package portal_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/store/storetest"
)

type shaclReport struct {
	Conforms bool
	Triples  [][6]string
	Results  []struct {
		Focus, Path, Severity, Constraint string
		Message                           []string
	}
}

// validate runs rdf-validate-shacl over body with the DCAT-AP 3 shapes.
func validate(t *testing.T, body, syntax string) shaclReport {
	t.Helper()
	shapes, err := filepath.Abs("testdata/dcat-ap-3-shapes.ttl")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "data."+syntax)
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var r shaclReport
	if err := json.Unmarshal(node(t, "shacl.mjs", shapes, f, syntax), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDCATFeedsSatisfyDCATAP3 validates the catalog feed and each dataset's
// document, in Turtle and JSON-LD, with a SHACL validator from npm over
// shapes written from DCAT-AP 3's tables of mandatory and recommended
// properties; the three syntaxes hold the same triples, every IRI is
// absolute under the public URL, and titles carry their languages.
func TestDCATFeedsSatisfyDCATAP3(t *testing.T) {
	npmModules(t)
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), migrations)
	p := newPlatform(t, db)
	_, _, ttl := get(t, p.url+"/catalog.ttl")
	_, _, js := get(t, p.url+"/catalog.jsonld")
	_, h, rdfxml := get(t, p.url+"/catalog.rdf")
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/rdf+xml") {
		t.Errorf("catalog.rdf Content-Type = %q", ct)
	}
	fromTTL, fromJS := validate(t, ttl, "ttl"), validate(t, js, "jsonld")
	for name, r := range map[string]shaclReport{"catalog.ttl": fromTTL, "catalog.jsonld": fromJS} {
		if !r.Conforms || len(r.Results) > 0 {
			t.Errorf("%s does not satisfy DCAT-AP 3: %+v", name, r.Results)
		}
	}
	a, b, c := tripleSet(fromTTL.Triples), tripleSet(fromJS.Triples), rdfXMLTriples(t, rdfxml)
	if len(a) < 100 || strings.Join(a, "\n") != strings.Join(b, "\n") || strings.Join(a, "\n") != strings.Join(c, "\n") {
		t.Errorf("the feeds differ: %d triples in Turtle, %d in JSON-LD, %d in RDF/XML", len(a), len(b), len(c))
		for i := range min(len(a), len(b), len(c)) {
			if a[i] != b[i] || a[i] != c[i] {
				t.Errorf("first difference:\nTurtle:  %s\nJSON-LD: %s\nRDF/XML: %s", a[i], b[i], c[i])
				break
			}
		}
	}
	count := map[string]int{}
	titles := map[string][]string{}
	for _, tr := range fromTTL.Triples {
		s, pred, kind, o, lang := tr[0], tr[1], tr[2], tr[3], tr[4]
		if !strings.HasPrefix(s, p.url+"/") {
			t.Errorf("subject %s is not under the public URL %s", s, p.url)
		}
		if pred == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" {
			count[o]++
		}
		if kind == "NamedNode" && strings.HasPrefix(o, "http:///") {
			t.Errorf("IRI %s has no host", o)
		}
		if pred == "http://purl.org/dc/terms/title" {
			titles[s] = append(titles[s], lang)
		}
	}
	if got := count["http://www.w3.org/ns/dcat#Dataset"]; got != 4 {
		t.Errorf("the feed describes %d datasets, want the demo's 4 public ones", got)
	}
	if count["http://www.w3.org/ns/dcat#Catalog"] != 1 || count["http://www.w3.org/ns/dcat#Distribution"] < 10 || count["http://xmlns.com/foaf/0.1/Agent"] < 5 {
		t.Errorf("types in the feed: %v", count)
	}
	if l := titles[p.url+"/open/catalog"]; len(l) != 2 {
		t.Errorf("the catalog's titles have languages %v, want zh and en", l)
	}
	// Each dataset's own document.
	res, err := p.od.Search(p.ctx, opendata.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Items {
		for _, syntax := range []string{"ttl", "jsonld"} {
			status, _, body := get(t, p.url+"/open/dataset/"+opendata.Slug(d.Code)+"."+syntax)
			if status != 200 {
				t.Fatalf("%s.%s = %d", d.Code, syntax, status)
			}
			if r := validate(t, body, syntax); !r.Conforms || len(r.Results) > 0 {
				t.Errorf("the %s document of %s does not satisfy DCAT-AP 3: %+v", syntax, d.Name, r.Results)
			}
		}
	}
	// The shapes catch what they are for: a dataset without a description.
	broken := strings.Replace(ttl, "dct:description", "dct:abstract", 1)
	if r := validate(t, broken, "ttl"); r.Conforms {
		t.Error("a dataset without a description satisfies the shapes")
	}
}

func tripleSet(ts [][6]string) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if t[2] == "NamedNode" {
			out = append(out, strings.Join([]string{t[0], t[1], "NamedNode", t[3], "", ""}, " "))
			continue
		}
		out = append(out, strings.Join([]string{t[0], t[1], "Literal", t[3], t[4], datatype(t[5], t[4])}, " "))
	}
	sort.Strings(out)
	return out
}

func datatype(dt, lang string) string {
	if lang != "" {
		return ""
	}
	if dt == "" {
		return "http://www.w3.org/2001/XMLSchema#string"
	}
	return dt
}

// rdfXMLTriples reads the striped RDF/XML the feed writes: rdf:Description
// elements whose children are properties with rdf:resource, or text with
// xml:lang or rdf:datatype.
func rdfXMLTriples(t *testing.T, body string) []string {
	t.Helper()
	const rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	const xmlNS = "http://www.w3.org/XML/1998/namespace"
	type prop struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
		Text    string     `xml:",chardata"`
	}
	var doc struct {
		Descriptions []struct {
			About string `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# about,attr"`
			Props []prop `xml:",any"`
		} `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# Description"`
	}
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("catalog.rdf: %v", err)
	}
	var out []string
	for _, d := range doc.Descriptions {
		for _, p := range d.Props {
			pred := p.XMLName.Space + p.XMLName.Local
			var res, lang, dt string
			for _, a := range p.Attrs {
				switch {
				case a.Name.Space == rdfNS && a.Name.Local == "resource":
					res = a.Value
				case a.Name.Space == xmlNS && a.Name.Local == "lang":
					lang = a.Value
				case a.Name.Space == rdfNS && a.Name.Local == "datatype":
					dt = a.Value
				}
			}
			if res != "" {
				out = append(out, strings.Join([]string{d.About, pred, "NamedNode", res, "", ""}, " "))
				continue
			}
			out = append(out, strings.Join([]string{d.About, pred, "Literal", p.Text, lang, datatype(dt, lang)}, " "))
		}
	}
	sort.Strings(out)
	return out
}
