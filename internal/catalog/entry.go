package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// Entry is one catalog entry (目录) at one version.
type Entry struct {
	Code            string    `json:"code,omitempty" doc:"Resource code; generated when empty"`
	Version         int       `json:"version,omitempty" readOnly:"true"`
	Status          string    `json:"status,omitempty" readOnly:"true"`
	Name            string    `json:"name" maxLength:"128"`
	Summary         string    `json:"summary,omitempty" maxLength:"2000"`
	ProviderID      int64     `json:"provider_id,omitempty" doc:"Providing department; defaults to the caller's"`
	ProviderName    string    `json:"provider_name,omitempty" readOnly:"true"`
	Category        string    `json:"category" doc:"资源属性分类, the 类 of the code: base, thematic or departmental (or the Chinese label)"`
	CategoryItem    string    `json:"category_item" pattern:"^[0-9]{2}$" doc:"项 (2 digits)"`
	CategorySubItem string    `json:"category_sub_item" pattern:"^[0-9]{3}$" doc:"目 (3 digits)"`
	CategoryDetail  string    `json:"category_detail,omitempty" pattern:"^[0-9]{0,6}$" doc:"细目 (up to 6 digits)"`
	Format          string    `json:"format"`
	FormatNote      string    `json:"format_note,omitempty" maxLength:"200"`
	ShareType       string    `json:"share_type" doc:"unconditional, conditional or none (or 无条件共享, 有条件共享, 不予共享)"`
	ShareCondition  string    `json:"share_condition,omitempty" maxLength:"1000" doc:"Required for conditional sharing"`
	ShareBasis      string    `json:"share_basis,omitempty" maxLength:"1000" doc:"Legal basis; required when not shared"`
	ShareMode       string    `json:"share_mode,omitempty" doc:"platform (default), email, media or custom"`
	ShareChannel    string    `json:"share_channel,omitempty" doc:"database, api or file, for the platform mode"`
	OpenType        string    `json:"open_type" doc:"open, conditional or closed (or 无条件开放, 有条件开放, 不予开放)"`
	OpenCondition   string    `json:"open_condition,omitempty" maxLength:"1000"`
	UpdateCycle     string    `json:"update_cycle"`
	Grade           string    `json:"grade,omitempty" doc:"general (default), important, core or classified; at least the highest item grade"`
	PhysicalDelete  bool      `json:"physical_delete" required:"false" doc:"Whether rows are ever physically deleted (incremental exchange then needs delete detection)"`
	Related         []string  `json:"related,omitempty" maxItems:"50"`
	Keywords        []string  `json:"keywords,omitempty" maxItems:"20"`
	Records         int64     `json:"records,omitempty" minimum:"0" doc:"Structured record count (数据量)"`
	SizeMB          int64     `json:"size_mb,omitempty" minimum:"0"`
	SourceSystem    string    `json:"source_system,omitempty" maxLength:"100" doc:"所属信息系统"`
	Contact         string    `json:"contact,omitempty" maxLength:"50"`
	Phone           string    `json:"phone,omitempty" maxLength:"30"`
	Items           []Item    `json:"items" maxItems:"500"`
	PublishedAt     time.Time `json:"published_at,omitzero" readOnly:"true"`
	UpdatedAt       time.Time `json:"updated_at,omitzero" readOnly:"true"`
	Mounted         bool      `json:"mounted" required:"false" readOnly:"true"`
}

// Item is an information item (信息项): one field of a resource.
type Item struct {
	Name           string `json:"name" maxLength:"64"`
	Identifier     string `json:"identifier" doc:"English identifier, e.g. id_number"`
	DataType       string `json:"data_type" doc:"string, integer, decimal, ... or a classic letter C/N/Y/D/T/L/M/G/B/I/F or 字符型, 整数型, ..."`
	Length         int    `json:"length,omitempty" minimum:"0" maximum:"65535"`
	Precision      int    `json:"precision,omitempty" minimum:"0" maximum:"38"`
	Required       bool   `json:"required,omitempty"`
	Key            bool   `json:"key,omitempty" doc:"Part of the primary key"`
	Timestamp      bool   `json:"timestamp,omitempty" doc:"The update timestamp that drives incremental exchange; at most one item"`
	ShareType      string `json:"share_type,omitempty" doc:"Defaults to the entry's; may only be narrower"`
	ShareCondition string `json:"share_condition,omitempty" maxLength:"1000"`
	OpenType       string `json:"open_type,omitempty"`
	Grade          string `json:"grade,omitempty"`
	Sensitive      bool   `json:"sensitive,omitempty"`
	Masking        string `json:"masking,omitempty" doc:"Default masking rule: none, name, id_number, phone, address, bank_card, email, full, hash"`
	Validator      string `json:"validator,omitempty" doc:"id_number, credit_code, division_code, phone, date, enum or regex"`
	ValidatorParam string `json:"validator_param,omitempty" maxLength:"500" doc:"The values of an enum (comma-separated) or the regular expression"`
	Description    string `json:"description,omitempty" maxLength:"500"`
}

var identifierPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// shareRank orders share types from widest to narrowest.
func shareRank(s string) int {
	switch s {
	case ShareUnconditional:
		return 0
	case ShareConditional:
		return 1
	}
	return 2
}

// Normalize fills defaults and canonical values (labels and classic data
// types become values) before validation.
func (e *Entry) Normalize() {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&e.Code, &e.Name, &e.Summary, &e.Category, &e.CategoryItem, &e.CategorySubItem, &e.CategoryDetail, &e.Format, &e.FormatNote,
		&e.ShareType, &e.ShareCondition, &e.ShareBasis, &e.ShareMode, &e.ShareChannel, &e.OpenType, &e.OpenCondition, &e.UpdateCycle, &e.Grade,
		&e.SourceSystem, &e.Contact, &e.Phone} {
		trim(s)
	}
	parse := func(enum Enum, s *string) {
		if v, ok := enum.Parse(*s); ok {
			*s = v
		}
	}
	parse(Categories, &e.Category)
	parse(Formats, &e.Format)
	parse(ShareTypes, &e.ShareType)
	parse(ShareModes, &e.ShareMode)
	parse(ShareChannels, &e.ShareChannel)
	parse(OpenTypes, &e.OpenType)
	parse(UpdateCycles, &e.UpdateCycle)
	parse(Grades, &e.Grade)
	if e.ShareMode == "" {
		e.ShareMode = "platform"
	}
	if e.Grade == "" {
		e.Grade = "general"
	}
	e.Keywords = cleanList(e.Keywords)
	e.Related = cleanList(e.Related)
	for i := range e.Items {
		it := &e.Items[i]
		for _, s := range []*string{&it.Name, &it.Identifier, &it.DataType, &it.ShareType, &it.ShareCondition, &it.OpenType, &it.Grade, &it.Masking,
			&it.Validator, &it.ValidatorParam, &it.Description} {
			trim(s)
		}
		if v, ok := ParseDataType(it.DataType); ok {
			it.DataType = v
		}
		parse(ShareTypes, &it.ShareType)
		parse(OpenTypes, &it.OpenType)
		parse(Grades, &it.Grade)
		parse(Maskings, &it.Masking)
		parse(Validators, &it.Validator)
		if it.ShareType == "" {
			it.ShareType = e.ShareType
		}
		if it.OpenType == "" {
			it.OpenType = e.OpenType
			if it.ShareType == ShareNone {
				it.OpenType = OpenNone
			}
		}
		if it.Grade == "" {
			it.Grade = "general"
		}
		if it.Masking == "" {
			it.Masking = "none"
		}
	}
}

func cleanList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the entry against the catalog's rules (domain.md §1.6)
// and returns every problem at once, keyed by field (items[3].share_type).
func (e *Entry) Validate() error {
	f := errs.Fields{}
	length := func(field, s string, max int, required bool) {
		n := utf8.RuneCountInString(s)
		switch {
		case required && n == 0:
			f.Add(field, "is required")
		case n > max:
			f.Add(field, fmt.Sprintf("must be at most %d characters", max))
		}
	}
	enum := func(field, v string, e Enum) {
		if !e.Valid(v) {
			f.Add(field, fmt.Sprintf("%q is not one of %s", v, strings.Join(e.Values(), ", ")))
		}
	}
	length("name", e.Name, 128, true)
	length("summary", e.Summary, 2000, false)
	enum("category", e.Category, Categories)
	if !digits(e.CategoryItem, 2, 2) {
		f.Add("category_item", "项 must be 2 digits")
	}
	if !digits(e.CategorySubItem, 3, 3) {
		f.Add("category_sub_item", "目 must be 3 digits")
	}
	if !digits(e.CategoryDetail, 0, MaxDetail) {
		f.Add("category_detail", fmt.Sprintf("细目 must be at most %d digits", MaxDetail))
	}
	enum("format", e.Format, Formats)
	length("format_note", e.FormatNote, 200, false)
	enum("share_type", e.ShareType, ShareTypes)
	if e.ShareType == ShareConditional && e.ShareCondition == "" {
		f.Add("share_condition", "is required for conditional sharing (有条件共享)")
	}
	if e.ShareType == ShareNone && e.ShareBasis == "" {
		f.Add("share_basis", "a legal basis is required when the entry is not shared (不予共享)")
	}
	length("share_condition", e.ShareCondition, 1000, false)
	length("share_basis", e.ShareBasis, 1000, false)
	enum("share_mode", e.ShareMode, ShareModes)
	if e.ShareChannel != "" {
		enum("share_channel", e.ShareChannel, ShareChannels)
	}
	enum("open_type", e.OpenType, OpenTypes)
	if e.OpenType == OpenConditional && e.OpenCondition == "" {
		f.Add("open_condition", "is required for conditional opening (有条件开放)")
	}
	if e.ShareType == ShareNone && e.OpenType != OpenNone {
		f.Add("open_type", "an entry that is not shared cannot be open")
	}
	enum("update_cycle", e.UpdateCycle, UpdateCycles)
	enum("grade", e.Grade, Grades)
	if len(e.Keywords) > 20 {
		f.Add("keywords", "at most 20 keywords")
	}
	for _, k := range e.Keywords {
		if utf8.RuneCountInString(k) > 30 {
			f.Add("keywords", "each keyword at most 30 characters")
		}
	}
	if len(e.Related) > 50 {
		f.Add("related", "at most 50 related entries")
	}
	length("source_system", e.SourceSystem, 100, false)
	length("contact", e.Contact, 50, false)
	length("phone", e.Phone, 30, false)
	if e.Records < 0 {
		f.Add("records", "cannot be negative")
	}
	if e.SizeMB < 0 {
		f.Add("size_mb", "cannot be negative")
	}
	switch {
	case len(e.Items) == 0:
		f.Add("items", "an entry needs at least one information item")
	case len(e.Items) > 500:
		f.Add("items", "at most 500 information items")
	}
	names, idents := map[string]int{}, map[string]int{}
	timestamps := 0
	highest := "general"
	for i := range e.Items {
		validateItem(f, e, i, names, idents)
		it := &e.Items[i]
		if it.Timestamp {
			timestamps++
			if timestamps > 1 {
				f.Add(fmt.Sprintf("items[%d].timestamp", i), "at most one item is the update timestamp")
			}
		}
		if gradeRank(it.Grade) > gradeRank(highest) {
			highest = it.Grade
		}
	}
	if Grades.Valid(e.Grade) && gradeRank(e.Grade) < gradeRank(highest) {
		f.Add("grade", fmt.Sprintf("must be at least %s, the highest grade of its items (就高从严)", highest))
	}
	return f.Err()
}

func validateItem(f errs.Fields, e *Entry, i int, names, idents map[string]int) {
	it := &e.Items[i]
	at := func(field string) string { return fmt.Sprintf("items[%d].%s", i, field) }
	switch n := utf8.RuneCountInString(it.Name); {
	case n == 0:
		f.Add(at("name"), "is required")
	case n > 64:
		f.Add(at("name"), "must be at most 64 characters")
	}
	if j, dup := names[it.Name]; dup && it.Name != "" {
		f.Add(at("name"), fmt.Sprintf("repeats item %d", j+1))
	}
	names[it.Name] = i
	if !identifierPattern.MatchString(it.Identifier) {
		f.Add(at("identifier"), "must be lower-case letters, digits and _, starting with a letter, at most 64")
	} else if j, dup := idents[it.Identifier]; dup {
		f.Add(at("identifier"), fmt.Sprintf("repeats item %d", j+1))
	}
	idents[it.Identifier] = i
	if !DataTypes.Valid(it.DataType) {
		f.Add(at("data_type"), fmt.Sprintf("%q is not a data type (use %s, or C/N/Y/D/T/L/M/G/B/I/F)", it.DataType, strings.Join(DataTypes.Values(), ", ")))
	}
	if it.Length < 0 || it.Length > 65535 {
		f.Add(at("length"), "must be between 0 and 65535")
	}
	if it.Precision < 0 || it.Precision > 38 {
		f.Add(at("precision"), "must be between 0 and 38")
	}
	if !ShareTypes.Valid(it.ShareType) {
		f.Add(at("share_type"), fmt.Sprintf("%q is not a share type", it.ShareType))
	} else if ShareTypes.Valid(e.ShareType) && shareRank(it.ShareType) < shareRank(e.ShareType) {
		f.Add(at("share_type"), "an item may be narrower than its entry, never wider")
	}
	if !OpenTypes.Valid(it.OpenType) {
		f.Add(at("open_type"), fmt.Sprintf("%q is not an open type", it.OpenType))
	} else if it.ShareType == ShareNone && it.OpenType != OpenNone {
		f.Add(at("open_type"), "an item that is not shared (不予共享) cannot be open")
	}
	if !Grades.Valid(it.Grade) {
		f.Add(at("grade"), fmt.Sprintf("%q is not a grade", it.Grade))
	}
	if !Maskings.Valid(it.Masking) {
		f.Add(at("masking"), fmt.Sprintf("%q is not a masking rule", it.Masking))
	}
	if !Validators.Valid(it.Validator) {
		f.Add(at("validator"), fmt.Sprintf("%q is not a validator", it.Validator))
	}
	if utf8.RuneCountInString(it.ValidatorParam) > 500 {
		f.Add(at("validator_param"), "must be at most 500 characters")
	}
	switch it.Validator {
	case "enum":
		if strings.TrimSpace(it.ValidatorParam) == "" {
			f.Add(at("validator_param"), "list the allowed values, separated by commas")
		}
	case "regex":
		if _, err := regexp.Compile(it.ValidatorParam); err != nil || it.ValidatorParam == "" {
			f.Add(at("validator_param"), "is not a valid regular expression")
		}
	}
	if it.Timestamp && it.DataType != "datetime" && it.DataType != "date" && it.DataType != "integer" {
		f.Add(at("timestamp"), "the update timestamp must be a date-time, date or integer item")
	}
	if utf8.RuneCountInString(it.Description) > 500 {
		f.Add(at("description"), "must be at most 500 characters")
	}
}

// CodeParts returns the classification parts the entry's code is built from.
func (e *Entry) CodeParts() Code {
	return Code{Class: classOf[e.Category], Item: e.CategoryItem, SubItem: e.CategorySubItem, Detail: e.CategoryDetail}
}

// CheckCode reports whether code's classification matches the entry.
func (e *Entry) CheckCode(c Code) error {
	want := e.CodeParts()
	if c.Class != want.Class || c.Item != want.Item || c.SubItem != want.SubItem || c.Detail != want.Detail {
		return fmt.Errorf("its classification %s does not match the entry's category parts %s", c.Prefix(), want.Prefix())
	}
	return nil
}
