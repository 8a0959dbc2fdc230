package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
)

// catalogFormItem is an information item as typed into the form.
type catalogFormItem struct {
	Name, Identifier, DataType, Length, Precision                                  string
	Required, Key, Timestamp, Sensitive                                            bool
	ShareType, ShareCondition, OpenType, Grade, Masking, Validator, ValidatorParam string
	Description                                                                    string
}

// catalogFormRow is one row of the items table; the blank row (N 0) is the
// template the page clones.
type catalogFormRow struct {
	N, Num int
	It     catalogFormItem
	Errs   map[string]string
	Opts   map[string][]catalogOption
	Lang   string
}

// catalogForm is the entry form as typed.
type catalogForm struct {
	E                                  catalog.Entry
	Keywords, Related, Records, SizeMB string
	Items                              []catalogFormItem
	PhysicalDelete                     bool
	IsNew                              bool
	Code, CategoryLabel                string
}

var catalogItemKey = regexp.MustCompile(`^items\.(\d{1,6})\.([a-z_]+)$`)

// catalogSplitList splits keywords or related codes on commas, semicolons
// (half- and full-width), 、 and line breaks.
func catalogSplitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', ';', '；', '、', '\n', '\r':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// catalogParseForm reads the entry form: the entry, the form as typed, and
// problems of the form itself (a number that is not one, too many items).
func catalogParseForm(r *http.Request, lang string, msgs catalogs) (catalog.Entry, catalogForm, map[string]string) {
	pf := r.PostForm
	get := func(k string) string { return pf.Get(k) }
	e := catalog.Entry{Name: get("name"), NameEN: get("name_en"), Summary: get("summary"), Category: get("category"), CategoryItem: strings.TrimSpace(get("category_item")),
		CategorySubItem: strings.TrimSpace(get("category_sub_item")), CategoryDetail: strings.TrimSpace(get("category_detail")), Format: get("format"),
		FormatNote: get("format_note"), ShareType: get("share_type"), ShareCondition: get("share_condition"), ShareBasis: get("share_basis"),
		ShareMode: get("share_mode"), ShareChannel: get("share_channel"), OpenType: get("open_type"), OpenCondition: get("open_condition"),
		UpdateCycle: get("update_cycle"), Grade: get("grade"), PhysicalDelete: get("physical_delete") != "", SourceSystem: get("source_system"),
		Contact: get("contact"), Phone: get("phone")}
	f := catalogForm{E: e, Keywords: get("keywords"), Related: get("related"), Records: strings.TrimSpace(get("records")), SizeMB: strings.TrimSpace(get("size_mb")),
		PhysicalDelete: e.PhysicalDelete}
	e.Keywords, e.Related = catalogSplitList(f.Keywords), catalogSplitList(f.Related)
	problems := map[string]string{}
	number := func(field, text string, max int64) int64 {
		if text == "" {
			return 0
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < 0 || n > max {
			problems[field] = msgs.T(lang, "catalog.msg.whole_number")
			return 0
		}
		return n
	}
	e.Records, e.SizeMB = number("records", f.Records, 1<<53), number("size_mb", f.SizeMB, 1<<53)
	rows := map[int]bool{}
	for k := range pf {
		if m := catalogItemKey.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			rows[n] = true
		}
	}
	order := make([]int, 0, len(rows))
	for n := range rows {
		order = append(order, n)
	}
	sort.Ints(order)
	if len(order) > catalogMaxItems {
		problems["items"] = msgs.T(lang, "catalog.msg.max_items")
		order = order[:catalogMaxItems]
	}
	for i, n := range order {
		at := func(field string) string { return pf.Get(fmt.Sprintf("items.%d.%s", n, field)) }
		fi := catalogFormItem{Name: at("name"), Identifier: at("identifier"), DataType: at("data_type"), Length: strings.TrimSpace(at("length")),
			Precision: strings.TrimSpace(at("precision")), Required: at("required") != "", Key: at("key") != "", Timestamp: at("timestamp") != "",
			Sensitive: at("sensitive") != "", ShareType: at("share_type"), ShareCondition: at("share_condition"), OpenType: at("open_type"),
			Grade: at("grade"), Masking: at("masking"), Validator: at("validator"), ValidatorParam: at("validator_param"), Description: at("description")}
		f.Items = append(f.Items, fi)
		e.Items = append(e.Items, catalog.Item{Name: fi.Name, Identifier: fi.Identifier, DataType: fi.DataType,
			Length: int(number(fmt.Sprintf("items[%d].length", i), fi.Length, 65535)), Precision: int(number(fmt.Sprintf("items[%d].precision", i), fi.Precision, 38)),
			Required: fi.Required, Key: fi.Key, Timestamp: fi.Timestamp, Sensitive: fi.Sensitive, ShareType: fi.ShareType, ShareCondition: fi.ShareCondition,
			OpenType: fi.OpenType, Grade: fi.Grade, Masking: fi.Masking, Validator: fi.Validator, ValidatorParam: fi.ValidatorParam, Description: fi.Description})
	}
	return e, f, problems
}

// catalogFormOf fills the form from a stored entry.
func catalogFormOf(e catalog.Entry) catalogForm {
	f := catalogForm{E: e, Keywords: strings.Join(e.Keywords, "，"), Related: strings.Join(e.Related, "，"), PhysicalDelete: e.PhysicalDelete}
	if e.Records != 0 {
		f.Records = strconv.FormatInt(e.Records, 10)
	}
	if e.SizeMB != 0 {
		f.SizeMB = strconv.FormatInt(e.SizeMB, 10)
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, it := range e.Items {
		f.Items = append(f.Items, catalogFormItem{Name: it.Name, Identifier: it.Identifier, DataType: it.DataType, Length: num(it.Length), Precision: num(it.Precision),
			Required: it.Required, Key: it.Key, Timestamp: it.Timestamp, Sensitive: it.Sensitive, ShareType: it.ShareType, ShareCondition: it.ShareCondition,
			OpenType: it.OpenType, Grade: it.Grade, Masking: it.Masking, Validator: it.Validator, ValidatorParam: it.ValidatorParam, Description: it.Description})
	}
	return f
}

// catalogFormPage renders the entry form with its problems.
func (s *server) catalogFormPage(w http.ResponseWriter, r *http.Request, status int, f catalogForm, fields map[string]string, problems []catalogProblemView, msg string) {
	lang := language(r)
	title := "catalog.new_title"
	if !f.IsNew {
		title = "catalog.edit_title"
	}
	v := view{Error: msg}
	data, _, err := s.catalogBase(r, title, "browse", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts := catalogAllOptions(lang)
	// Item fields left empty take the entry's value: offer that first.
	opts["item_share_type"] = append([]catalogOption{{"", s.t(r, "catalog.same_as_entry")}}, opts["share_type"]...)
	opts["item_open_type"] = append([]catalogOption{{"", s.t(r, "catalog.same_as_entry")}}, opts["open_type"]...)
	opts["share_channel"] = append([]catalogOption{{"", s.t(r, "catalog.none_chosen")}}, opts["share_channel"]...)
	rows := make([]catalogFormRow, len(f.Items))
	for i, it := range f.Items {
		rowErrs := map[string]string{}
		prefix := fmt.Sprintf("items[%d].", i)
		for k, m := range fields {
			if strings.HasPrefix(k, prefix) {
				rowErrs[strings.TrimPrefix(k, prefix)] = m
			}
		}
		rows[i] = catalogFormRow{N: i, Num: i + 1, It: it, Errs: rowErrs, Opts: opts, Lang: lang}
	}
	blank := catalogFormRow{It: catalogFormItem{DataType: "string", Grade: "general", Masking: "none"}, Opts: opts, Lang: lang}
	v.Errors = fields
	data["F"], data["Rows"], data["Blank"], data["Opts"] = f, rows, blank, opts
	data["Check"] = map[string]any{"Lang": lang, "Problems": problems}
	data["Provider"] = s.principal(r).DepartmentName
	if f.IsNew {
		data["Action"] = "/catalog/new"
	} else {
		data["Action"] = "/catalog/edit?code=" + url.QueryEscape(f.Code)
	}
	v.Data = data
	s.render(w, r, status, "catalog_form", v)
}

func (s *server) catalogNew(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if !catalog.CanCatalog(p) {
		s.catalogDeny(w, r, "catalog.create", "catalog")
		return
	}
	f := catalogForm{IsNew: true, E: catalog.Entry{Category: "departmental", Format: "database", ShareType: catalog.ShareConditional,
		ShareMode: "platform", ShareChannel: "api", OpenType: catalog.OpenNone, UpdateCycle: "daily", Grade: "general", Contact: "", Phone: ""},
		Items: []catalogFormItem{{DataType: "string", Grade: "general", Masking: "none"}}}
	s.catalogFormPage(w, r, http.StatusOK, f, nil, nil, "")
}

// catalogReadForm bounds and parses an entry form post.
func (s *server) catalogReadForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, catalogFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(errs.TooLarge, msgCatalogTooLarge)
		}
		return errs.New(errs.Invalid, msgCatalogForm)
	}
	return nil
}

func (s *server) catalogCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.catalogReadForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	e, f, problems := catalogParseForm(r, lang, s.msgs)
	f.IsNew = true
	if len(problems) > 0 {
		s.catalogFormProblems(w, r, f, e, problems)
		return
	}
	created, err := s.Catalog.Create(r.Context(), s.principal(r), e)
	s.catalogDone(w, r, err, s.catalogFormAgain(w, r, f), catalogEntryURL(created.Code, true), s.t(r, "catalog.flash.created", created.Name, created.Code))
}

// catalogFormAgain shows the form f again with the problems of a write.
func (s *server) catalogFormAgain(w http.ResponseWriter, r *http.Request, f catalogForm) func(int, map[string]string, []catalogProblemView, string) {
	return func(status int, fields map[string]string, list []catalogProblemView, msg string) {
		s.catalogFormPage(w, r, status, f, fields, list, msg)
	}
}

// catalogCheck lists every problem of a form at once: the form's own
// (a number that is not one) and what validation finds, without saving.
func (s *server) catalogCheck(lang string, e catalog.Entry, problems map[string]string) (map[string]string, []catalogProblemView) {
	found := map[string]string{}
	e.Normalize()
	if err := e.Validate(); err != nil {
		_, _, fields := errs.PublicIn(err, lang)
		found = fields
	}
	shown, _ := s.catalogFieldProblems(lang, found)
	for k, m := range problems {
		shown[k] = m
	}
	list := make([]catalogProblemView, 0, len(shown))
	for k, m := range shown {
		list = append(list, catalogProblemView{Field: k, Label: s.catalogFieldLabel(lang, k), Message: m})
	}
	sort.Slice(list, func(i, j int) bool { return catalogFieldOrder(list[i].Field) < catalogFieldOrder(list[j].Field) })
	return shown, list
}

// catalogFormProblems shows the form again with every problem.
func (s *server) catalogFormProblems(w http.ResponseWriter, r *http.Request, f catalogForm, e catalog.Entry, problems map[string]string) {
	shown, list := s.catalogCheck(language(r), e, problems)
	s.catalogFormPage(w, r, http.StatusBadRequest, f, shown, list, s.t(r, "catalog.has_problems"))
}

func (s *server) catalogEdit(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	p := s.principal(r)
	e, err := s.Catalog.Get(r.Context(), p, code, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !catalog.CanEdit(p, e.ProviderID) {
		s.catalogDeny(w, r, "catalog.update", "catalog:"+code)
		return
	}
	f := catalogFormOf(e)
	f.Code, f.CategoryLabel = code, catalogLabel(catalog.Categories, e.Category, language(r))
	msg := ""
	if e.Status == catalog.StatusSubmitted || e.Status == catalog.StatusApproved {
		msg = s.t(r, "catalog.under_review")
	}
	s.catalogFormPage(w, r, http.StatusOK, f, nil, nil, msg)
}

func (s *server) catalogSave(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if err := s.catalogReadForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	e, f, problems := catalogParseForm(r, lang, s.msgs)
	f.Code, f.CategoryLabel = code, catalogLabel(catalog.Categories, e.Category, lang)
	if len(problems) > 0 {
		s.catalogFormProblems(w, r, f, e, problems)
		return
	}
	saved, err := s.Catalog.Update(r.Context(), s.principal(r), code, e)
	s.catalogDone(w, r, err, s.catalogFormAgain(w, r, f), catalogEntryURL(code, true), s.t(r, "catalog.flash.saved", saved.Version))
}

// catalogValidate checks the form as typed, without saving, and answers
// with the list of problems.
func (s *server) catalogValidate(w http.ResponseWriter, r *http.Request) {
	lang := language(r)
	if err := s.catalogReadForm(w, r); err != nil {
		_, msg, _ := errs.PublicIn(err, lang)
		s.catalogFragment(w, r, "catalog_form", "catalog-problems", map[string]any{"Lang": lang, "Error": msg, "Checked": true})
		return
	}
	e, _, problems := catalogParseForm(r, lang, s.msgs)
	_, list := s.catalogCheck(lang, e, problems)
	s.catalogFragment(w, r, "catalog_form", "catalog-problems", map[string]any{"Lang": lang, "Problems": list, "Checked": true})
}

// The review queue.
