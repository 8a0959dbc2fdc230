package opendata

import (
	"context"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
)

// Vocabularies of the EU Publications Office and others that DCAT-AP 3
// names for its controlled values.
const (
	euFileType     = "http://publications.europa.eu/resource/authority/file-type/"
	euFrequency    = "http://publications.europa.eu/resource/authority/frequency/"
	euAccessRight  = "http://publications.europa.eu/resource/authority/access-right/"
	euLanguage     = "http://publications.europa.eu/resource/authority/language/"
	euCountryCHN   = "http://publications.europa.eu/resource/authority/country/CHN"
	euAvailability = "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
	admsLocal      = "http://purl.org/adms/publishertype/LocalAuthority"
	ianaMedia      = "https://www.iana.org/assignments/media-types/"
)

// frequencies maps update cycles to EU frequency codes; "other" has none.
var frequencies = map[string]string{
	"realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY",
	"halfyearly": "ANNUAL_2", "yearly": "ANNUAL", "irregular": "IRREG",
}

var fileTypes = map[string][2]string{
	CSV:  {"CSV", "text/csv"},
	XLSX: {"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	JSON: {"JSON", "application/json"},
}

// Slug is a dataset's name in public addresses and the CKAN API: its
// resource code with "/" as "_" (codes hold digits, "/" and "-").
func Slug(code string) string { return strings.ReplaceAll(code, "/", "_") }

// CodeOf reverses Slug.
func CodeOf(slug string) string { return strings.ReplaceAll(slug, "_", "/") }

// IRIs are the addresses of a public dataset's resources under base, the
// platform's public URL.
type IRIs struct{ Base string }

func (x IRIs) base() string    { return strings.TrimRight(x.Base, "/") }
func (x IRIs) Catalog() string { return x.base() + "/open/catalog" }
func (x IRIs) Portal() string  { return x.base() + "/open/" }
func (x IRIs) Page(code string) string {
	return x.base() + "/open/dataset/" + url.PathEscape(Slug(code))
}
func (x IRIs) Dataset(code string) string   { return x.Page(code) + "#dataset" }
func (x IRIs) Apply(code string) string     { return x.Page(code) + "#apply" }
func (x IRIs) Terms() string                { return x.base() + "/open/terms" }
func (x IRIs) Themes() string               { return x.base() + "/open/themes" }
func (x IRIs) Theme(category string) string { return x.Themes() + "#" + category }
func (x IRIs) Download(code, format string) string {
	return x.Page(code) + "/download." + format
}
func (x IRIs) Organization(credit string) string {
	return x.base() + "/open/organization/" + url.PathEscape(strings.ToLower(credit))
}

func dateTime(t time.Time) term {
	if t.IsZero() {
		return term{}
	}
	return typed(t.UTC().Format(time.RFC3339), "xsd:dateTime")
}

// datasetNodes describes a public dataset in DCAT-AP 3: the dataset, its
// distributions, its contact point and temporal coverage.
func datasetNodes(x IRIs, d Dataset) []*node {
	ds := &node{id: x.Dataset(d.Code), types: []string{"dcat:Dataset"}}
	ds.add("dct:identifier", lit(d.Code, ""))
	ds.add("dct:title", lit(d.Name, "zh"))
	if d.NameEN != "" {
		ds.add("dct:title", lit(d.NameEN, "en"))
	}
	desc := d.Summary
	if desc == "" {
		desc = d.Name
	}
	ds.add("dct:description", lit(desc, "zh"))
	for _, k := range d.Keywords {
		ds.add("dcat:keyword", lit(k, "zh"))
	}
	ds.add("dct:publisher", iri(x.Organization(d.ProviderCredit)))
	ds.add("dcat:theme", iri(x.Theme(d.Category)))
	ds.add("dct:spatial", iri(euCountryCHN))
	ds.add("dct:language", iri(euLanguage+"ZHO"))
	ds.add("dcat:landingPage", iri(x.Page(d.Code)))
	if f, ok := frequencies[d.UpdateCycle]; ok {
		ds.add("dct:accrualPeriodicity", iri(euFrequency+f))
	}
	rights := "PUBLIC"
	if d.Level != Open {
		rights = "RESTRICTED"
	}
	ds.add("dct:accessRights", iri(euAccessRight+rights))
	ds.add("dct:issued", dateTime(d.PublishedAt))
	ds.add("dct:modified", dateTime(d.UpdatedAt))
	contact := &node{id: x.Page(d.Code) + "#contact", types: []string{"vcard:Kind", "vcard:Organization"}}
	name := d.Contact
	if name == "" {
		name = d.ProviderName
	}
	contact.add("vcard:fn", lit(name, "zh"))
	contact.add("vcard:organization-name", lit(d.ProviderName, "zh"))
	if d.Phone != "" {
		contact.add("vcard:hasTelephone", iri("tel:"+strings.NewReplacer(" ", "", "（", "", "）", "").Replace(d.Phone)))
	}
	ds.add("dcat:contactPoint", iri(contact.id))
	// The data is kept from its publication on.
	period := &node{id: x.Page(d.Code) + "#period", types: []string{"dct:PeriodOfTime"}}
	start := d.PublishedAt
	if start.IsZero() {
		start = d.UpdatedAt
	}
	period.add("dcat:startDate", dateTime(start))
	ds.add("dct:temporal", iri(period.id))
	nodes := []*node{ds, contact, period}
	en := d.NameEN
	if en == "" {
		en = d.Name
	}
	if d.Level == Open {
		for _, f := range Formats {
			dist := &node{id: x.Page(d.Code) + "#" + f, types: []string{"dcat:Distribution"}}
			ft := fileTypes[f]
			dist.add("dct:title", lit(d.Name+"（"+ft[0]+"）", "zh"), lit(en+" ("+ft[0]+")", "en"))
			dist.add("dct:description", lit("开放信息项的全部记录，按目录默认规则脱敏，"+ft[0]+" 格式", "zh"),
				lit("Every record of the open items, masked by the catalog's defaults, as "+ft[0], "en"))
			dist.add("dcat:accessURL", iri(x.Page(d.Code)))
			if d.Downloadable {
				dist.add("dcat:downloadURL", iri(x.Download(d.Code, f)))
			}
			dist.add("dct:format", iri(euFileType+ft[0]))
			dist.add("dcat:mediaType", iri(ianaMedia+ft[1]))
			dist.add("dct:license", iri(d.Licence.URL))
			dist.add("dcatap:availability", iri(euAvailability))
			ds.add("dcat:distribution", iri(dist.id))
			nodes = append(nodes, dist)
		}
		return nodes
	}
	// Conditionally open: served as JSON by the data service gateway to
	// whom the providing department approves.
	dist := &node{id: x.Page(d.Code) + "#apply", types: []string{"dcat:Distribution"}}
	dist.add("dct:title", lit(d.Name+"（有条件开放，申请使用）", "zh"), lit(en+" (open on conditions, by application)", "en"))
	dist.add("dct:description", lit("经提供部门审核同意后，通过数据服务网关以 JSON 提供。开放条件："+d.OpenCondition, "zh"))
	dist.add("dcat:accessURL", iri(x.Apply(d.Code)))
	dist.add("dct:format", iri(euFileType+"JSON"))
	dist.add("dcat:mediaType", iri(ianaMedia+"application/json"))
	dist.add("dct:license", iri(absolute(x, d.Licence.URL)))
	dist.add("dcatap:availability", iri(euAvailability))
	dist.add("dct:rights", lit("有条件开放："+d.OpenCondition, "zh"))
	ds.add("dcat:distribution", iri(dist.id))
	return append(nodes, dist)
}

func absolute(x IRIs, u string) string {
	if strings.HasPrefix(u, "/") {
		return x.base() + u
	}
	return u
}

// agentNode describes a publishing department.
func agentNode(x IRIs, name, credit string) *node {
	a := &node{id: x.Organization(credit), types: []string{"foaf:Agent", "foaf:Organization"}}
	a.add("foaf:name", lit(name, "zh"))
	a.add("dct:identifier", lit(credit, ""))
	a.add("dct:type", iri(admsLocal))
	return a
}

// themeNodes describe the catalog's themes: its resource categories
// (基础、主题、部门信息资源).
func themeNodes(x IRIs) []*node {
	scheme := &node{id: x.Themes(), types: []string{"skos:ConceptScheme"}}
	scheme.add("dct:title", lit("政务数据资源属性分类", "zh"), lit("Categories of government data resources", "en"))
	out := []*node{scheme}
	for _, c := range catalog.Categories {
		n := &node{id: x.Theme(c.Value), types: []string{"skos:Concept"}}
		n.add("skos:prefLabel", lit(c.ZH, "zh"), lit(c.EN, "en"))
		n.add("skos:inScheme", iri(scheme.id))
		out = append(out, n)
	}
	return out
}

// CatalogInfo names the catalog in its feed.
var CatalogInfo = struct{ TitleZH, TitleEN, DescZH, DescEN string }{
	"政务数据开放目录", "Open government data catalog",
	"向社会开放的政务数据资源：无条件开放的数据集可直接下载，有条件开放的数据集经申请使用。",
	"Government data open to the public: open datasets to download, conditionally open ones to apply for.",
}

// WriteFeed writes the DCAT-AP catalog of every public dataset in syntax
// (JSONLD, Turtle or RDFXML) with IRIs under base, dataset by dataset: its
// memory does not grow with the catalog but for the list of dataset IRIs.
func (s *Service) WriteFeed(ctx context.Context, w io.Writer, syntax, base string) error {
	x := IRIs{base}
	rw, bw := newRDFWriter(syntax, w)
	if err := rw.begin(); err != nil {
		return err
	}
	var ids []string
	agents := map[string]bool{}
	var issued, modified time.Time
	err := s.Each(ctx, Query{}, func(d Dataset) error {
		for _, n := range datasetNodes(x, d) {
			if err := rw.node(n); err != nil {
				return err
			}
		}
		if !agents[d.ProviderCredit] {
			agents[d.ProviderCredit] = true
			if err := rw.node(agentNode(x, d.ProviderName, d.ProviderCredit)); err != nil {
				return err
			}
		}
		ids = append(ids, x.Dataset(d.Code))
		if !d.PublishedAt.IsZero() && (issued.IsZero() || d.PublishedAt.Before(issued)) {
			issued = d.PublishedAt
		}
		if d.UpdatedAt.After(modified) {
			modified = d.UpdatedAt
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range themeNodes(x) {
		if err := rw.node(n); err != nil {
			return err
		}
	}
	// The catalog's publisher: the data authority (数据主管部门).
	pub, err := s.authority(ctx)
	if err != nil {
		return err
	}
	if !agents[pub.CreditCode] {
		if err := rw.node(agentNode(x, pub.Name, pub.CreditCode)); err != nil {
			return err
		}
	}
	if issued.IsZero() {
		issued = s.now()
	}
	if modified.IsZero() {
		modified = issued
	}
	c := &node{id: x.Catalog(), types: []string{"dcat:Catalog"}}
	c.add("dct:title", lit(CatalogInfo.TitleZH, "zh"), lit(CatalogInfo.TitleEN, "en"))
	c.add("dct:description", lit(CatalogInfo.DescZH, "zh"), lit(CatalogInfo.DescEN, "en"))
	c.add("dct:publisher", iri(x.Organization(pub.CreditCode)))
	c.add("foaf:homepage", iri(x.Portal()))
	c.add("dct:language", iri(euLanguage+"ZHO"), iri(euLanguage+"ENG"))
	c.add("dct:license", iri(LicenceOpen.URL))
	c.add("dct:spatial", iri(euCountryCHN))
	c.add("dct:issued", dateTime(issued))
	c.add("dct:modified", dateTime(modified))
	c.add("dcat:themeTaxonomy", iri(x.Themes()))
	for _, id := range ids {
		c.add("dcat:dataset", iri(id))
	}
	if err := rw.node(c); err != nil {
		return err
	}
	if err := rw.end(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteDataset writes the DCAT-AP description of one public dataset.
func (s *Service) WriteDataset(ctx context.Context, w io.Writer, code, syntax, base string) error {
	d, err := s.Dataset(ctx, code)
	if err != nil {
		return err
	}
	x := IRIs{base}
	rw, bw := newRDFWriter(syntax, w)
	if err := rw.begin(); err != nil {
		return err
	}
	nodes := append(datasetNodes(x, d), agentNode(x, d.ProviderName, d.ProviderCredit))
	nodes = append(nodes, themeNodes(x)...)
	for _, n := range nodes {
		if err := rw.node(n); err != nil {
			return err
		}
	}
	if err := rw.end(); err != nil {
		return err
	}
	s.Count(code, APICall)
	return bw.Flush()
}

// authority returns the data authority, the catalog's publisher.
func (s *Service) authority(ctx context.Context) (org.Department, error) {
	list, _, err := s.org.Departments(ctx, org.DepartmentFilter{Kind: org.KindAuthority, PageSize: 1})
	if err != nil {
		return org.Department{}, err
	}
	if len(list) == 0 {
		return org.Department{Name: "政务数据主管部门", CreditCode: "authority"}, nil
	}
	return list[0], nil
}
