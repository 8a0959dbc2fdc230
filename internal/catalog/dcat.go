package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// DCAT-AP vocabularies of the EU Publications Office that the catalog maps
// its values to.
const (
	euFrequency    = "http://publications.europa.eu/resource/authority/frequency/"
	euAccessRight  = "http://publications.europa.eu/resource/authority/access-right/"
	euLanguageZHO  = "http://publications.europa.eu/resource/authority/language/ZHO"
	dcatCatalogTtl = "政务数据资源开放目录"
)

// frequencies maps update cycles to EU frequency codes; "other" has none.
var frequencies = map[string]string{
	"realtime":   "UPDATE_CONT",
	"daily":      "DAILY",
	"weekly":     "WEEKLY",
	"monthly":    "MONTHLY",
	"quarterly":  "QUARTERLY",
	"halfyearly": "ANNUAL_2",
	"yearly":     "ANNUAL",
	"irregular":  "IRREG",
}

// dcatContext is the JSON-LD @context of the catalog.
var dcatContext = map[string]string{
	"dcat":  "http://www.w3.org/ns/dcat#",
	"dct":   "http://purl.org/dc/terms/",
	"foaf":  "http://xmlns.com/foaf/0.1/",
	"vcard": "http://www.w3.org/2006/vcard/ns#",
	"xsd":   "http://www.w3.org/2001/XMLSchema#",
}

type ldRef struct {
	ID string `json:"@id"`
}

type ldText struct {
	Value string `json:"@value"`
	Lang  string `json:"@language,omitempty"`
	Type  string `json:"@type,omitempty"`
}

func zh(s string) *ldText {
	if s == "" {
		return nil
	}
	return &ldText{Value: s, Lang: "zh"}
}

func dateTime(t time.Time) *ldText {
	if t.IsZero() {
		return nil
	}
	return &ldText{Value: t.UTC().Format(time.RFC3339), Type: "xsd:dateTime"}
}

type ldAgent struct {
	Type       string  `json:"@type"`
	Name       *ldText `json:"foaf:name,omitempty"`
	Identifier string  `json:"dct:identifier,omitempty"`
}

type ldContact struct {
	Type  string `json:"@type"`
	Name  string `json:"vcard:fn,omitempty"`
	Phone *ldRef `json:"vcard:hasTelephone,omitempty"`
}

type ldDistribution struct {
	Type        string  `json:"@type"`
	Title       *ldText `json:"dct:title,omitempty"`
	Description *ldText `json:"dct:description,omitempty"`
	AccessURL   ldRef   `json:"dcat:accessURL"`
	Format      *ldText `json:"dct:format,omitempty"`
	Rights      *struct {
		Type        string  `json:"@type"`
		Description *ldText `json:"dct:description"`
	} `json:"dct:rights,omitempty"`
}

type ldDataset struct {
	ID           string           `json:"@id"`
	Type         string           `json:"@type"`
	Identifier   string           `json:"dct:identifier"`
	Title        *ldText          `json:"dct:title"`
	Description  *ldText          `json:"dct:description,omitempty"`
	Publisher    *ldAgent         `json:"dct:publisher,omitempty"`
	Keywords     []*ldText        `json:"dcat:keyword,omitempty"`
	Theme        *ldText          `json:"dcat:theme,omitempty"`
	Periodicity  *ldRef           `json:"dct:accrualPeriodicity,omitempty"`
	AccessRights ldRef            `json:"dct:accessRights"`
	Language     ldRef            `json:"dct:language"`
	Issued       *ldText          `json:"dct:issued,omitempty"`
	Modified     *ldText          `json:"dct:modified,omitempty"`
	LandingPage  ldRef            `json:"dcat:landingPage"`
	Contact      *ldContact       `json:"dcat:contactPoint,omitempty"`
	Distribution []ldDistribution `json:"dcat:distribution"`
}

// WriteDCAT writes a DCAT-AP style JSON-LD catalog of the entries that are
// open to the public (OpenType open or conditional); closed entries, and
// entries with no recognisable open type, never appear. baseURL is the
// platform's public address: each dataset's landing page is
// baseURL/catalog/entry?code={code}, the entry's page in the console. The caller passes published entries;
// WriteDCAT does not look at Status.
func WriteDCAT(w io.Writer, entries []Exported, baseURL string) error {
	base := strings.TrimRight(baseURL, "/")
	bw := bufio.NewWriter(w)
	head := struct {
		Context     map[string]string `json:"@context"`
		ID          string            `json:"@id"`
		Type        string            `json:"@type"`
		Title       *ldText           `json:"dct:title"`
		Description *ldText           `json:"dct:description"`
		Homepage    ldRef             `json:"foaf:homepage"`
		Language    ldRef             `json:"dct:language"`
	}{
		Context:     dcatContext,
		ID:          base + "/catalog",
		Type:        "dcat:Catalog",
		Title:       zh(dcatCatalogTtl),
		Description: zh("向社会开放（无条件开放、有条件开放）的政务数据资源"),
		Homepage:    ldRef{base + "/"},
		Language:    ldRef{euLanguageZHO},
	}
	b, err := marshalNoEscape(head, "")
	if err != nil {
		return fmt.Errorf("dcat: %w", err)
	}
	// Open the object, leave out its closing brace, add the datasets.
	b = bytes.TrimSuffix(bytes.TrimRight(b, "\n"), []byte("}"))
	bw.Write(bytes.TrimRight(b, "\n"))
	bw.WriteString(",\n  \"dcat:dataset\": [")
	n := 0
	for _, x := range entries {
		ds, ok := dataset(x, base)
		if !ok {
			continue
		}
		b, err := marshalNoEscape(ds, "    ")
		if err != nil {
			return fmt.Errorf("dcat %s: %w", x.Entry.Code, err)
		}
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimRight(b, "\n"))
		n++
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

func marshalNoEscape(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// dataset describes one entry, or reports false when it is not open.
func dataset(x Exported, base string) (ldDataset, bool) {
	e := &x.Entry
	open, _ := OpenTypes.Parse(e.OpenType)
	var rights string
	switch open {
	case OpenUnconditional:
		rights = "PUBLIC"
	case OpenConditional:
		rights = "RESTRICTED"
	default:
		return ldDataset{}, false
	}
	landing := base + "/catalog/entry?code=" + url.QueryEscape(e.Code)
	ds := ldDataset{
		ID:           landing,
		Type:         "dcat:Dataset",
		Identifier:   e.Code,
		Title:        &ldText{Value: e.Name, Lang: "zh"},
		Description:  zh(e.Summary),
		AccessRights: ldRef{euAccessRight + rights},
		Language:     ldRef{euLanguageZHO},
		Issued:       dateTime(e.PublishedAt),
		Modified:     dateTime(e.UpdatedAt),
		LandingPage:  ldRef{landing},
		Theme:        zh(Categories.Label(e.Category, "zh-CN")),
	}
	if e.ProviderName != "" || x.ProviderCreditCode != "" {
		ds.Publisher = &ldAgent{Type: "foaf:Agent", Name: zh(e.ProviderName), Identifier: x.ProviderCreditCode}
	}
	for _, k := range e.Keywords {
		ds.Keywords = append(ds.Keywords, &ldText{Value: k, Lang: "zh"})
	}
	cycle, _ := UpdateCycles.Parse(e.UpdateCycle)
	if f, ok := frequencies[cycle]; ok {
		ds.Periodicity = &ldRef{euFrequency + f}
	}
	if e.Contact != "" || e.Phone != "" {
		ds.Contact = &ldContact{Type: "vcard:Kind", Name: e.Contact}
		if e.Phone != "" {
			ds.Contact.Phone = &ldRef{"tel:" + strings.ReplaceAll(e.Phone, " ", "")}
		}
	}
	format, _ := Formats.Parse(e.Format)
	dist := ldDistribution{
		Type:        "dcat:Distribution",
		Title:       zh(e.Name + "（" + Formats.Label(format, "zh-CN") + "）"),
		Description: zh(e.FormatNote),
		AccessURL:   ldRef{landing},
		Format:      zh(Formats.Label(format, "zh-CN")),
	}
	if open == OpenConditional && e.OpenCondition != "" {
		dist.Rights = &struct {
			Type        string  `json:"@type"`
			Description *ldText `json:"dct:description"`
		}{"dct:RightsStatement", zh(e.OpenCondition)}
	}
	ds.Distribution = []ldDistribution{dist}
	return ds, true
}
