package catalog

import (
	"fmt"
	"regexp"
	"strconv"
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
	NameEN          string    `json:"name_en,omitempty" maxLength:"256" doc:"English name (英文名称), optional: the open data portal's English view, DCAT and CKAN titles"`
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
	for _, s := range []*string{&e.Code, &e.Name, &e.NameEN, &e.Summary, &e.Category, &e.CategoryItem, &e.CategorySubItem, &e.CategoryDetail, &e.Format, &e.FormatNote,
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
			f.AddMsg(field, msgRequired)
		case n > max:
			f.AddMsg(field, msgMaxChars, max)
		}
	}
	enum := func(field, v string, e Enum) {
		switch {
		case v == "":
			f.AddMsg(field, msgRequired)
		case !e.Valid(v):
			f.AddMsg(field, msgNotOneOf, v, e.ValuesArg())
		}
	}
	length("name", e.Name, 128, true)
	length("name_en", e.NameEN, 256, false)
	length("summary", e.Summary, 2000, false)
	enum("category", e.Category, Categories)
	if !digits(e.CategoryItem, 2, 2) {
		f.AddMsg("category_item", msgItemDigits)
	}
	if !digits(e.CategorySubItem, 3, 3) {
		f.AddMsg("category_sub_item", msgSubItemDigits)
	}
	if !digits(e.CategoryDetail, 0, MaxDetail) {
		f.AddMsg("category_detail", msgDetailDigits, MaxDetail)
	}
	enum("format", e.Format, Formats)
	length("format_note", e.FormatNote, 200, false)
	enum("share_type", e.ShareType, ShareTypes)
	if e.ShareType == ShareConditional && e.ShareCondition == "" {
		f.AddMsg("share_condition", msgNeedShareCondition)
	}
	if e.ShareType == ShareNone && e.ShareBasis == "" {
		f.AddMsg("share_basis", msgNeedShareBasis)
	}
	length("share_condition", e.ShareCondition, 1000, false)
	length("share_basis", e.ShareBasis, 1000, false)
	enum("share_mode", e.ShareMode, ShareModes)
	if e.ShareChannel != "" {
		enum("share_channel", e.ShareChannel, ShareChannels)
	}
	enum("open_type", e.OpenType, OpenTypes)
	if e.OpenType == OpenConditional && e.OpenCondition == "" {
		f.AddMsg("open_condition", msgNeedOpenCondition)
	}
	if e.ShareType == ShareNone && e.OpenType != OpenNone {
		f.AddMsg("open_type", msgUnsharedOpen)
	}
	enum("update_cycle", e.UpdateCycle, UpdateCycles)
	enum("grade", e.Grade, Grades)
	if len(e.Keywords) > 20 {
		f.AddMsg("keywords", msgMaxKeywords)
	}
	for _, k := range e.Keywords {
		if utf8.RuneCountInString(k) > 30 {
			f.AddMsg("keywords", msgKeywordLength)
		}
	}
	if len(e.Related) > 50 {
		f.AddMsg("related", msgMaxRelated)
	}
	length("source_system", e.SourceSystem, 100, false)
	length("contact", e.Contact, 50, false)
	length("phone", e.Phone, 30, false)
	if e.Records < 0 {
		f.AddMsg("records", msgNegative)
	}
	if e.SizeMB < 0 {
		f.AddMsg("size_mb", msgNegative)
	}
	switch {
	case len(e.Items) == 0:
		f.AddMsg("items", msgNeedItems)
	case len(e.Items) > 500:
		f.AddMsg("items", msgMaxItems)
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
				f.AddMsg(ItemField(i, "timestamp"), msgOneTimestamp)
			}
		}
		if gradeRank(it.Grade) > gradeRank(highest) {
			highest = it.Grade
		}
	}
	if Grades.Valid(e.Grade) && gradeRank(e.Grade) < gradeRank(highest) {
		f.AddMsg("grade", msgGradeMin, Grades.Arg(highest))
	}
	return f.Err()
}

// ItemField is the field key of an item's field in Fields: items[2].name.
func ItemField(i int, field string) string { return fmt.Sprintf("items[%d].%s", i, field) }

// ParseItemField reads a key made by ItemField.
func ParseItemField(key string) (i int, field string, ok bool) {
	rest, found := strings.CutPrefix(key, "items[")
	num, field, found2 := strings.Cut(rest, "].")
	if !found || !found2 || field == "" {
		return 0, "", false
	}
	i, err := strconv.Atoi(num)
	return i, field, err == nil && i >= 0
}

func validateItem(f errs.Fields, e *Entry, i int, names, idents map[string]int) {
	it := &e.Items[i]
	at := func(field string) string { return ItemField(i, field) }
	switch n := utf8.RuneCountInString(it.Name); {
	case n == 0:
		f.AddMsg(at("name"), msgRequired)
	case n > 64:
		f.AddMsg(at("name"), msgMaxChars, 64)
	}
	if j, dup := names[it.Name]; dup && it.Name != "" {
		f.AddMsg(at("name"), msgRepeatsItem, j+1)
	}
	names[it.Name] = i
	if !identifierPattern.MatchString(it.Identifier) {
		f.AddMsg(at("identifier"), msgIdentifier)
	} else if j, dup := idents[it.Identifier]; dup {
		f.AddMsg(at("identifier"), msgRepeatsItem, j+1)
	}
	idents[it.Identifier] = i
	if !DataTypes.Valid(it.DataType) {
		f.AddMsg(at("data_type"), msgNotDataType, it.DataType, DataTypes.ValuesArg())
	}
	if it.Length < 0 || it.Length > 65535 {
		f.AddMsg(at("length"), msgLengthRange)
	}
	if it.Precision < 0 || it.Precision > 38 {
		f.AddMsg(at("precision"), msgPrecisionRange)
	}
	if !ShareTypes.Valid(it.ShareType) {
		f.AddMsg(at("share_type"), msgNotShareType, it.ShareType)
	} else if ShareTypes.Valid(e.ShareType) && shareRank(it.ShareType) < shareRank(e.ShareType) {
		f.AddMsg(at("share_type"), msgItemWider)
	}
	if !OpenTypes.Valid(it.OpenType) {
		f.AddMsg(at("open_type"), msgNotOpenType, it.OpenType)
	} else if it.ShareType == ShareNone && it.OpenType != OpenNone {
		f.AddMsg(at("open_type"), msgItemUnsharedOpen)
	}
	if !Grades.Valid(it.Grade) {
		f.AddMsg(at("grade"), msgNotGrade, it.Grade)
	}
	if !Maskings.Valid(it.Masking) {
		f.AddMsg(at("masking"), msgNotMasking, it.Masking)
	}
	if !Validators.Valid(it.Validator) {
		f.AddMsg(at("validator"), msgNotValidator, it.Validator)
	}
	if utf8.RuneCountInString(it.ValidatorParam) > 500 {
		f.AddMsg(at("validator_param"), msgMaxChars, 500)
	}
	switch it.Validator {
	case "enum":
		if strings.TrimSpace(it.ValidatorParam) == "" {
			f.AddMsg(at("validator_param"), msgEnumValues)
		}
	case "regex":
		if _, err := regexp.Compile(it.ValidatorParam); err != nil || it.ValidatorParam == "" {
			f.AddMsg(at("validator_param"), msgBadRegex)
		}
	}
	if it.Timestamp && it.DataType != "datetime" && it.DataType != "date" && it.DataType != "integer" {
		f.AddMsg(at("timestamp"), msgTimestampType)
	}
	if utf8.RuneCountInString(it.Description) > 500 {
		f.AddMsg(at("description"), msgMaxChars, 500)
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
		return errs.New(errs.Invalid, msgCodeMismatch, c.Prefix(), want.Prefix())
	}
	return nil
}
