package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
)

// Import and export of catalog entries: JSON here, the Excel template in
// xlsx.go, DCAT in dcat.go. The functions are pure: they read and write
// bytes and never touch the database. An import is parsed, normalized and
// validated as a whole; the caller maps provider credit codes to
// departments, checks codes against its profile and writes all or nothing.

// Problem is one thing wrong with an imported file, located as precisely as possible.
type Problem struct {
	Sheet   string `json:"sheet,omitempty"`  // xlsx sheet name (e.g. 目录, 信息项) or "" for JSON
	Row     int    `json:"row,omitempty"`    // 1-based row in the sheet (header is row 1), or 1-based entry index for JSON
	Column  string `json:"column,omitempty"` // the column header as written in the file (Chinese), or the JSON field path
	Field   string `json:"field,omitempty"`  // the Entry field key, e.g. items[3].share_type
	Message string `json:"message"`
	// Text is the message by key where the catalog defined it; the console
	// says it in the reader's language (In), the API and CLI show Message.
	Text errs.Text `json:"-"`
}

// In says the problem in lang.
func (p Problem) In(lang string) string {
	if p.Text.IsZero() {
		return p.Message
	}
	return p.Text.In(lang)
}

// withText sets the problem's message from t.
func (p Problem) withText(t errs.Text) Problem {
	p.Message, p.Text = t.String(), t
	return p
}

// Limits bound what an import may hold. A zero field takes its value from
// DefaultLimits.
type Limits struct {
	MaxBytes         int64 // size of the file as uploaded
	MaxEntries       int
	MaxItemsPerEntry int
	MaxCellChars     int // characters in one cell (xlsx) or one string (JSON)
}

// DefaultLimits are the limits of the import API.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxEntries: 20000, MaxItemsPerEntry: 500, MaxCellChars: 4000}

func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxItemsPerEntry <= 0 {
		l.MaxItemsPerEntry = DefaultLimits.MaxItemsPerEntry
	}
	if l.MaxCellChars <= 0 {
		l.MaxCellChars = DefaultLimits.MaxCellChars
	}
	return l
}

// MaxProblems is how many problems a parse lists before it stops reading:
// a file with more needs fixing at the source, not a longer list.
const MaxProblems = 1000

// ErrRefused is wrapped by the error of a file refused as a whole (too
// large, not an xlsx or JSON file, a zip bomb, a missing sheet or column,
// too many entries or items). The error is an *errs.Error whose message
// says why and can be shown to the user.
var ErrRefused = errors.New("import refused")

func refuse(code string, m *errs.Msg, args ...any) error {
	return errs.WrapMsg(ErrRefused, code, m, args...)
}

func refuseCause(cause error, code string, m *errs.Msg, args ...any) error {
	return errs.WrapMsg(fmt.Errorf("%w: %w", ErrRefused, cause), code, m, args...)
}

// Imported is one parsed entry with what the file says about its provider.
type Imported struct {
	Entry              Entry
	ProviderCreditCode string // 统一社会信用代码 of the provider; "" means the importing department
	Row                int    // the entry's row in 目录 (xlsx), or its 1-based index (JSON)
}

// Exported is one entry to write, with its provider's credit code.
type Exported struct {
	Entry              Entry
	ProviderCreditCode string
}

// jsonEntry is the JSON form of an entry in a file: the entry's fields
// with the provider's credit code beside them.
type jsonEntry struct {
	Entry
	ProviderCreditCode string `json:"provider_credit_code,omitempty"`
}

// readLimited reads all of r, refusing more than max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if int64(len(data)) > max {
		return nil, refuse(errs.TooLarge, msgFileTooLarge, sizeText(max))
	}
	return data, nil
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// problems collects the problems of one parse, up to MaxProblems, each with
// a sort key so the list reads in file order.
type problems struct {
	list []Problem
	keys [][3]int // sheet, row, column (or field rank)
	full bool
}

// add records p; it returns false once the list is full.
func (ps *problems) add(p Problem, sheet, col int) bool {
	if ps.full {
		return false
	}
	if len(ps.list) == MaxProblems {
		ps.full = true
		ps.list = append(ps.list, Problem{}.withText(msgTooMany.With(MaxProblems, MaxProblems)))
		ps.keys = append(ps.keys, [3]int{1 << 30, 0, 0})
		return false
	}
	ps.list = append(ps.list, p)
	ps.keys = append(ps.keys, [3]int{sheet, p.Row, col})
	return true
}

// sorted returns the problems in file order.
func (ps *problems) sorted() []Problem {
	if len(ps.list) == 0 {
		return nil
	}
	idx := make([]int, len(ps.list))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ka, kb := ps.keys[a], ps.keys[b]
		for i := range ka {
			if ka[i] != kb[i] {
				return ka[i] - kb[i]
			}
		}
		return 0
	})
	out := make([]Problem, len(idx))
	for i, j := range idx {
		out[i] = ps.list[j]
	}
	return out
}

// fieldErrors returns the per-field problems of err (from Entry.Validate).
func fieldErrors(err error) map[string]errs.Text {
	var e *errs.Error
	if errors.As(err, &e) {
		if len(e.Fields) > 0 {
			return e.Fields
		}
		return map[string]errs.Text{"": errs.TextOf(err)}
	}
	if err != nil {
		return map[string]errs.Text{"": errs.Raw(err.Error())}
	}
	return nil
}

// jsonField is one field of a struct as JSON names it.
type jsonField struct {
	name  string
	index []int
	rank  int
}

func jsonFieldsOf(t reflect.Type) (map[string]jsonField, []jsonField) {
	m := map[string]jsonField{}
	var list []jsonField
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		jf := jsonField{name: name, index: f.Index, rank: len(list)}
		m[name] = jf
		list = append(list, jf)
	}
	return m, list
}

var (
	entryJSONFields, entryJSONList = jsonFieldsOf(reflect.TypeFor[jsonEntry]())
	itemJSONFields, itemJSONList   = jsonFieldsOf(reflect.TypeFor[Item]())
)

// lookupJSON finds a field by exact name, then case-insensitively as
// encoding/json does.
func lookupJSON(m map[string]jsonField, list []jsonField, key string) (jsonField, bool) {
	if f, ok := m[key]; ok {
		return f, true
	}
	for _, f := range list {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return jsonField{}, false
}

// fieldRank orders field keys (name, items[2].length) as the Entry declares
// them, items by index.
func fieldRank(key string) int {
	if rest, ok := strings.CutPrefix(key, "items["); ok {
		n, field, _ := strings.Cut(rest, "].")
		i, _ := strconv.Atoi(n)
		r := len(itemJSONList)
		if f, ok := itemJSONFields[field]; ok {
			r = f.rank
		}
		return entryJSONFields["items"].rank*1_000_000 + (i+1)*100 + r
	}
	if f, ok := entryJSONFields[key]; ok {
		return f.rank * 1_000_000
	}
	return 1 << 29
}

// ParseJSON reads entries from a JSON body: {"entries": [...]} or a bare
// array. Each element has the fields of Entry and may carry
// "provider_credit_code". Unknown fields, values of the wrong type, over-long
// strings and every problem Entry.Validate finds are returned together as
// problems; each entry is normalized. A body that is too large, not JSON,
// or holds too many entries or items is refused with an error wrapping
// ErrRefused.
func ParseJSON(r io.Reader, lim Limits) ([]Imported, []Problem, error) {
	lim = lim.orDefault()
	data, err := readLimited(r, lim.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, refuse(errs.Invalid, msgNotUTF8)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	notJSON := func(err error) error {
		return refuseCause(err, errs.Invalid, msgNotJSONNear, dec.InputOffset())
	}
	var ps problems
	var out []Imported
	// elements reads the entries after the opening bracket, through the
	// closing one.
	elements := func() error {
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return notJSON(err)
			}
			if len(out) == lim.MaxEntries {
				return refuse(errs.TooLarge, msgTooManyEntries, lim.MaxEntries)
			}
			imp, ok, err := decodeJSONEntry(raw, len(out)+1, lim, &ps)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, imp)
			}
			if ps.full {
				return errStop
			}
		}
		_, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		return nil
	}
	err = parseJSONBody(dec, elements, &ps, notJSON)
	switch {
	case err == errStop:
		return out, ps.sorted(), nil
	case err != nil:
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, refuse(errs.Invalid, msgDataAfter, dec.InputOffset())
	}
	checkDuplicateCodes(out, &ps)
	return out, ps.sorted(), nil
}

// errStop ends a parse early once the problem list is full.
var errStop = errors.New("too many problems")

// parseJSONBody reads the top level of a JSON import, a bare array or
// {"entries": [...]}, calling elements after the opening bracket.
func parseJSONBody(dec *json.Decoder, elements func() error, ps *problems, notJSON func(error) error) error {
	tok, err := dec.Token()
	if err != nil {
		return notJSON(err)
	}
	switch tok {
	case json.Delim('['):
		return elements()
	case json.Delim('{'):
	default:
		return refuse(errs.Invalid, msgWantEntries)
	}
	seen := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		key, _ := kt.(string)
		if key == "entries" && !seen {
			seen = true
			if tok, err := dec.Token(); err != nil {
				return notJSON(err)
			} else if tok != json.Delim('[') {
				return refuse(errs.Invalid, msgEntriesArray)
			}
			if err := elements(); err != nil {
				return err
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return notJSON(err)
		}
		msg := msgUnknownTopField.With(key)
		if key == "entries" {
			msg = msgEntriesTwice.With()
		}
		if !ps.add(Problem{Column: key}.withText(msg), 0, 0) {
			return errStop
		}
	}
	if _, err := dec.Token(); err != nil {
		return notJSON(err)
	}
	if !seen {
		return refuse(errs.Invalid, msgNoEntriesKey)
	}
	return nil
}

// checkDuplicateCodes reports every entry whose code repeats an earlier
// one's, on the later entry.
func checkDuplicateCodes(list []Imported, ps *problems) {
	first := map[string]int{}
	for _, imp := range list {
		c := imp.Entry.Code
		if c == "" {
			continue
		}
		if n, dup := first[c]; dup {
			ps.add(Problem{Row: imp.Row, Column: "code", Field: "code"}.withText(msgCodeRepeats.With(c, n)), 0, fieldRank("code"))
			continue
		}
		first[c] = imp.Row
	}
}

// phrase is a word of a message in English and Chinese (an errs.Localizer).
type phrase struct{ en, zh string }

func (p phrase) In(lang string) string {
	if lang == "en" {
		return p.en
	}
	return p.zh
}

// jsonKind names what a raw JSON value is, for messages.
func jsonKind(raw json.RawMessage) phrase {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return phrase{"nothing", "空"}
	}
	switch raw[0] {
	case '"':
		return phrase{"a string", "字符串"}
	case '{':
		return phrase{"an object", "对象"}
	case '[':
		return phrase{"an array", "数组"}
	case 't', 'f':
		return phrase{"a boolean", "布尔值"}
	case 'n':
		return phrase{"null", "null"}
	}
	return phrase{"a number", "数字"}
}

// wantOf says what a field of type t takes.
func wantOf(t reflect.Type) phrase {
	switch {
	case t == reflect.TypeFor[[]Item]():
		return phrase{"an array of information items", "信息项数组"}
	case t.Kind() == reflect.String:
		return phrase{"a string", "字符串"}
	case t.Kind() == reflect.Bool:
		return phrase{"true or false", "true 或 false"}
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64:
		return phrase{"a whole number", "整数"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return phrase{"an array of strings", "字符串数组"}
	case t.Kind() == reflect.Struct:
		return phrase{"an RFC 3339 date-time", "RFC 3339 格式的日期时间"}
	}
	return phrase{"a value of type " + t.String(), t.String() + " 类型的值"}
}

// decodeJSONEntry decodes one element of the entries array. The fast path
// decodes strictly; on any error the element is decoded field by field so
// every unknown field and wrong type is reported. ok is false when the
// element is not an object at all.
func decodeJSONEntry(raw json.RawMessage, n int, lim Limits, ps *problems) (imp Imported, ok bool, err error) {
	var je jsonEntry
	bad := map[string]bool{}
	at := func(key string, msg errs.Text) {
		bad[key] = true
		ps.add(Problem{Row: n, Column: key, Field: fieldKeyOf(key)}.withText(msg), 0, fieldRank(key))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&je) != nil {
		je = jsonEntry{}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			at("", msgWantEntry.With(jsonKind(raw)))
			return Imported{}, false, nil
		}
		v := reflect.ValueOf(&je).Elem()
		for _, key := range sortedKeys(obj) {
			f, known := lookupJSON(entryJSONFields, entryJSONList, key)
			switch {
			case !known:
				at(key, msgUnknownField.With(key))
			case f.name == "items":
				if err := decodeJSONItems(obj[key], &je.Entry, n, lim, at); err != nil {
					return Imported{}, false, err
				}
			default:
				fv := v.FieldByIndex(f.index)
				if json.Unmarshal(obj[key], fv.Addr().Interface()) != nil {
					fv.SetZero()
					at(f.name, msgWantValue.With(wantOf(fv.Type()), jsonKind(obj[key])))
				}
			}
		}
	}
	if len(je.Items) > lim.MaxItemsPerEntry {
		return Imported{}, false, refuse(errs.TooLarge, msgEntryTooManyItems, n, lim.MaxItemsPerEntry)
	}
	walkStrings(&je, func(key string, s *string) {
		if utf8.RuneCountInString(*s) > lim.MaxCellChars && !bad[key] {
			*s = ""
			at(key, msgLongerThan.With(lim.MaxCellChars))
		}
	})
	je.ProviderCreditCode = strings.ToUpper(strings.TrimSpace(je.ProviderCreditCode))
	if msg := checkCredit(je.ProviderCreditCode); !msg.IsZero() && !bad["provider_credit_code"] {
		at("provider_credit_code", msg)
	}
	e := je.Entry
	e.Normalize()
	for key, t := range fieldErrors(e.Validate()) {
		if !suppressed(bad, key) {
			ps.add(Problem{Row: n, Column: key, Field: key}.withText(t), 0, fieldRank(key))
		}
	}
	return Imported{Entry: e, ProviderCreditCode: je.ProviderCreditCode, Row: n}, true, nil
}

// suppressed reports whether a validation problem with key only repeats a
// problem already reported while reading: the field itself, its item, the
// item list, or the entry field the item inherits could not be read.
func suppressed(bad map[string]bool, key string) bool {
	if bad[key] {
		return true
	}
	if rest, ok := strings.CutPrefix(key, "items["); ok {
		n, field, _ := strings.Cut(rest, "].")
		// An item inherits its entry's share and open types: when the
		// entry's could not be read, the item's problem only repeats it.
		inherited := (field == "share_type" || field == "open_type") && bad[field]
		return bad["items"] || bad["items["+n+"]"] || inherited
	}
	return false
}

// fieldKeyOf is the Entry field key of a JSON path: the path itself for
// known fields, "" for unknown ones.
func fieldKeyOf(path string) string {
	if path == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(path, "items["); ok {
		_, field, _ := strings.Cut(rest, "].")
		if field == "" {
			return path
		}
		if _, ok := itemJSONFields[field]; ok {
			return path
		}
		return ""
	}
	if _, ok := entryJSONFields[path]; ok {
		return path
	}
	return ""
}

func decodeJSONItems(raw json.RawMessage, e *Entry, n int, lim Limits, at func(key string, msg errs.Text)) error {
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		at("items", msgWantItems.With(jsonKind(raw)))
		return nil
	}
	if len(arr) > lim.MaxItemsPerEntry {
		return refuse(errs.TooLarge, msgEntryTooManyItems, n, lim.MaxItemsPerEntry)
	}
	e.Items = make([]Item, len(arr))
	for i, r := range arr {
		prefix := fmt.Sprintf("items[%d]", i)
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
			at(prefix, msgWantItem.With(jsonKind(r)))
			continue
		}
		v := reflect.ValueOf(&e.Items[i]).Elem()
		for _, key := range sortedKeys(obj) {
			f, known := lookupJSON(itemJSONFields, itemJSONList, key)
			if !known {
				at(prefix+"."+key, msgUnknownField.With(key))
				continue
			}
			fv := v.FieldByIndex(f.index)
			if json.Unmarshal(obj[key], fv.Addr().Interface()) != nil {
				fv.SetZero()
				at(prefix+"."+f.name, msgWantValue.With(wantOf(fv.Type()), jsonKind(obj[key])))
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// walkStrings calls fn with the field key and address of every string the
// entry holds, list elements and the provider's credit code included.
func walkStrings(je *jsonEntry, fn func(key string, s *string)) {
	walk := func(prefix string, v reflect.Value, list []jsonField) {
		for _, f := range list {
			fv := v.FieldByIndex(f.index)
			switch {
			case fv.Kind() == reflect.String:
				fn(prefix+f.name, fv.Addr().Interface().(*string))
			case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
				for j := range fv.Len() {
					fn(prefix+f.name, fv.Index(j).Addr().Interface().(*string))
				}
			}
		}
	}
	walk("", reflect.ValueOf(je).Elem(), entryJSONList)
	for i := range je.Items {
		walk(fmt.Sprintf("items[%d].", i), reflect.ValueOf(&je.Items[i]).Elem(), itemJSONList)
	}
}

// checkCredit checks a provider's unified social credit code. A code whose
// only fault is its check character is accepted, as registries hold some
// (see quality.CheckCreditCode); the department table has the last word.
func checkCredit(s string) errs.Text {
	if s == "" {
		return errs.Text{}
	}
	if err := quality.CheckCreditCode(s); err != nil && !errors.Is(err, quality.ErrCheckCharacter) {
		return msgCreditCode.With(err.Error())
	}
	return errs.Text{}
}

// WriteJSON writes {"entries": [...]}: each entry's fields in the order
// Entry declares them, then provider_credit_code; UTF-8 without HTML
// escaping. ParseJSON reads it back.
func WriteJSON(w io.Writer, entries []Exported) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	bw.WriteString("{\n  \"entries\": [")
	for i, x := range entries {
		buf.Reset()
		if err := enc.Encode(jsonEntry{Entry: x.Entry, ProviderCreditCode: x.ProviderCreditCode}); err != nil {
			return fmt.Errorf("write entry %s: %w", x.Entry.Code, err)
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if len(entries) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
