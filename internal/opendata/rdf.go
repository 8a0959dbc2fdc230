package opendata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The RDF vocabularies of the DCAT feeds.
var prefixes = [][2]string{
	{"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
	{"dcat", "http://www.w3.org/ns/dcat#"},
	{"dct", "http://purl.org/dc/terms/"},
	{"dcatap", "http://data.europa.eu/r5r/"},
	{"foaf", "http://xmlns.com/foaf/0.1/"},
	{"vcard", "http://www.w3.org/2006/vcard/ns#"},
	{"skos", "http://www.w3.org/2004/02/skos/core#"},
	{"xsd", "http://www.w3.org/2001/XMLSchema#"},
}

func expand(name string) string {
	p, local, _ := strings.Cut(name, ":")
	for _, x := range prefixes {
		if x[0] == p {
			return x[1] + local
		}
	}
	return name
}

// term is an RDF object: an IRI, or a literal with a language or datatype.
type term struct {
	iri  string
	lit  string
	lang string
	dt   string // prefixed, e.g. xsd:dateTime
}

func iri(s string) term { return term{iri: s} }

func lit(s, lang string) term { return term{lit: s, lang: lang} }

func typed(s, dt string) term { return term{lit: s, dt: dt} }

type prop struct {
	pred string // prefixed
	obj  term
}

// node is an RDF subject with its types and properties.
type node struct {
	id    string
	types []string // prefixed
	props []prop
}

func (n *node) add(pred string, objs ...term) {
	for _, o := range objs {
		if o.iri == "" && o.lit == "" {
			continue
		}
		n.props = append(n.props, prop{pred, o})
	}
}

// rdfWriter writes nodes in one RDF syntax, one at a time.
type rdfWriter interface {
	begin() error
	node(n *node) error
	end() error
}

// RDF syntaxes of the feeds.
const (
	JSONLD = "jsonld"
	Turtle = "ttl"
	RDFXML = "rdf"
)

// RDFMediaType returns the media type of an RDF syntax.
func RDFMediaType(syntax string) string {
	switch syntax {
	case Turtle:
		return "text/turtle; charset=utf-8"
	case RDFXML:
		return "application/rdf+xml; charset=utf-8"
	}
	return "application/ld+json; charset=utf-8"
}

func newRDFWriter(syntax string, w io.Writer) (rdfWriter, *bufio.Writer) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch syntax {
	case Turtle:
		return &turtle{w: bw}, bw
	case RDFXML:
		return &rdfxml{w: bw}, bw
	}
	return &jsonld{w: bw}, bw
}

// turtle writes Turtle (RDF 1.1).
type turtle struct{ w *bufio.Writer }

func (t *turtle) begin() error {
	for _, p := range prefixes {
		fmt.Fprintf(t.w, "@prefix %s: <%s> .\n", p[0], p[1])
	}
	return nil
}

func (t *turtle) node(n *node) error {
	t.w.WriteString("\n<" + iriText(n.id) + ">")
	sep := "\n    "
	if len(n.types) > 0 {
		t.w.WriteString(sep + "a " + strings.Join(n.types, ", "))
		sep = " ;\n    "
	}
	for _, p := range n.props {
		t.w.WriteString(sep + p.pred + " " + turtleTerm(p.obj))
		sep = " ;\n    "
	}
	_, err := t.w.WriteString(" .\n")
	return err
}

func (t *turtle) end() error { return nil }

// iriText escapes what may not stand in an IRI reference.
func iriText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r <= ' ' || strings.ContainsRune("<>\"{}|^`\\", r) {
			fmt.Fprintf(&b, "%%%02X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var turtleEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

func turtleTerm(o term) string {
	if o.iri != "" {
		return "<" + iriText(o.iri) + ">"
	}
	s := `"` + turtleEscaper.Replace(o.lit) + `"`
	switch {
	case o.lang != "":
		return s + "@" + o.lang
	case o.dt != "":
		return s + "^^" + o.dt
	}
	return s
}

// rdfxml writes RDF/XML, one rdf:Description a node.
type rdfxml struct{ w *bufio.Writer }

func (x *rdfxml) begin() error {
	x.w.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF")
	for _, p := range prefixes {
		fmt.Fprintf(x.w, "\n    xmlns:%s=\"%s\"", p[0], p[1])
	}
	_, err := x.w.WriteString(">\n")
	return err
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\r", "&#13;")

func (x *rdfxml) node(n *node) error {
	fmt.Fprintf(x.w, "  <rdf:Description rdf:about=\"%s\">\n", xmlEscaper.Replace(iriText(n.id)))
	for _, t := range n.types {
		fmt.Fprintf(x.w, "    <rdf:type rdf:resource=\"%s\"/>\n", xmlEscaper.Replace(expand(t)))
	}
	for _, p := range n.props {
		o := p.obj
		switch {
		case o.iri != "":
			fmt.Fprintf(x.w, "    <%s rdf:resource=\"%s\"/>\n", p.pred, xmlEscaper.Replace(iriText(o.iri)))
		case o.lang != "":
			fmt.Fprintf(x.w, "    <%s xml:lang=\"%s\">%s</%s>\n", p.pred, o.lang, xmlEscaper.Replace(o.lit), p.pred)
		case o.dt != "":
			fmt.Fprintf(x.w, "    <%s rdf:datatype=\"%s\">%s</%s>\n", p.pred, expand(o.dt), xmlEscaper.Replace(o.lit), p.pred)
		default:
			fmt.Fprintf(x.w, "    <%s>%s</%s>\n", p.pred, xmlEscaper.Replace(o.lit), p.pred)
		}
	}
	_, err := x.w.WriteString("  </rdf:Description>\n")
	return err
}

func (x *rdfxml) end() error {
	_, err := x.w.WriteString("</rdf:RDF>\n")
	return err
}

// jsonld writes JSON-LD 1.1: a @context of the prefixes and a @graph of
// node objects with compact IRIs as keys.
type jsonld struct {
	w *bufio.Writer
	n int
}

func (j *jsonld) begin() error {
	j.w.WriteString("{\n  \"@context\": {")
	for i, p := range prefixes {
		if i > 0 {
			j.w.WriteString(",")
		}
		fmt.Fprintf(j.w, "\n    %q: %q", p[0], p[1])
	}
	_, err := j.w.WriteString("\n  },\n  \"@graph\": [")
	return err
}

func (j *jsonld) node(n *node) error {
	obj := [][2]any{{"@id", n.id}}
	if len(n.types) > 0 {
		obj = append(obj, [2]any{"@type", n.types})
	}
	// Group the values of each predicate, in first-seen order.
	var order []string
	vals := map[string][]any{}
	for _, p := range n.props {
		if _, ok := vals[p.pred]; !ok {
			order = append(order, p.pred)
		}
		var v any
		o := p.obj
		switch {
		case o.iri != "":
			v = map[string]string{"@id": o.iri}
		case o.lang != "":
			v = map[string]string{"@value": o.lit, "@language": o.lang}
		case o.dt != "":
			v = map[string]string{"@value": o.lit, "@type": o.dt}
		default:
			v = map[string]string{"@value": o.lit}
		}
		vals[p.pred] = append(vals[p.pred], v)
	}
	for _, k := range order {
		obj = append(obj, [2]any{k, vals[k]})
	}
	if j.n > 0 {
		j.w.WriteString(",")
	}
	j.n++
	j.w.WriteString("\n    {")
	for i, kv := range obj {
		if i > 0 {
			j.w.WriteString(", ")
		}
		k, _ := json.Marshal(kv[0])
		v, err := marshal(kv[1])
		if err != nil {
			return err
		}
		j.w.Write(k)
		j.w.WriteString(": ")
		j.w.Write(v)
	}
	_, err := j.w.WriteString("}")
	return err
}

func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(b.String(), "\n")), nil
}

func (j *jsonld) end() error {
	_, err := j.w.WriteString("\n  ]\n}\n")
	return err
}
