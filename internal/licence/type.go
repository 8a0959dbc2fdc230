package licence

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Holder kinds (持证主体类别).
const (
	Person = "person" // 自然人: the holder is named by a citizen ID number
	Entity = "entity" // 法人和其他组织: by a unified social credit code
)

// HolderIDType is the holder code type code (持证主体代码类型代码,
// GB/T 36903) of a holder kind: 111 the citizen ID number, 001 the unified
// social credit code.
func HolderIDType(kind string) string {
	if kind == Entity {
		return "001"
	}
	return "111"
}

// Item value types.
const (
	ItemText       = "text"
	ItemDate       = "date"        // YYYY-MM-DD
	ItemNumber     = "number"      // a decimal number
	ItemIDNumber   = "id_number"   // a citizen ID number (GB 11643)
	ItemCreditCode = "credit_code" // a unified social credit code (GB 32100)
)

var itemTypes = []string{ItemText, ItemDate, ItemNumber, ItemIDNumber, ItemCreditCode}

// ItemDef is a surface item (照面信息项) of a licence type.
type ItemDef struct {
	Code     string `json:"code" maxLength:"40" doc:"Item code: a-z, 0-9 and _, starting with a letter"`
	Label    string `json:"label" maxLength:"40" doc:"Its label on the licence, e.g. 坐落"`
	Type     string `json:"type" enum:"text,date,number,id_number,credit_code"`
	Required bool   `json:"required,omitempty"`
	Mask     string `json:"mask" enum:"none,name,id_number,phone,address,bank_card,email,full,hash" doc:"How the value is masked when a licence is used (用证)"`
}

// Type is a licence type (证照类型) of the licence catalog (证照目录).
type Type struct {
	Code           string    `json:"code" doc:"证照类型代码: the defining department's unified social credit code and three digits"`
	Name           string    `json:"name"`
	DepartmentID   int64     `json:"department_id" doc:"The issuing department (颁发机构)"`
	DepartmentName string    `json:"department_name"`
	IssuerCode     string    `json:"issuer_code" doc:"The issuing department's unified social credit code"`
	HolderKind     string    `json:"holder_kind" enum:"person,entity"`
	ValidityYears  int       `json:"validity_years" doc:"Default validity in years from the start date; 0: long-term (长期)"`
	Title          string    `json:"title" doc:"The heading of the licence file"`
	Items          []ItemDef `json:"items"`
	Licences       int       `json:"licences"`
	CreatedAt      time.Time `json:"created_at"`
}

// Layout is how the type's file looks.
func (t Type) Layout() licfile.Layout { return licfile.Layout{Title: t.Title} }

// TypeInput defines a licence type for the caller's department. The code's
// three-digit sequence is the next free one unless Sequence is given.
type TypeInput struct {
	Sequence      string    `json:"sequence,omitempty" maxLength:"3" doc:"Three digits after the department's credit code; default the next free"`
	Name          string    `json:"name" maxLength:"60"`
	HolderKind    string    `json:"holder_kind" enum:"person,entity"`
	ValidityYears int       `json:"validity_years,omitempty" minimum:"0" maximum:"100"`
	Title         string    `json:"title,omitempty" maxLength:"60" doc:"Heading of the licence file; default the name"`
	Items         []ItemDef `json:"items" maxItems:"60"`
}

// MaxItemValue bounds a surface item's value, in characters.
const MaxItemValue = 500

func validName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// plainText checks a trimmed one-line text of at most max characters.
func plainText(f errs.Fields, field string, v *string, max int, required bool) {
	*v = strings.TrimSpace(*v)
	n := utf8.RuneCountInString(*v)
	switch {
	case !utf8.ValidString(*v):
		f.AddMsg(field, msgText)
	case required && n == 0:
		f.AddMsg(field, msgRequired)
	case n > max:
		f.AddMsg(field, msgMaxChars, max)
	default:
		for _, r := range *v {
			if unicode.IsControl(r) {
				f.AddMsg(field, msgControl)
				return
			}
		}
	}
}

// Validate checks the input, rebuilding it from its allowed forms.
func (in *TypeInput) Validate() error {
	f := errs.Fields{}
	plainText(f, "name", &in.Name, 60, true)
	plainText(f, "title", &in.Title, 60, false)
	if in.Title == "" {
		in.Title = in.Name
	}
	if in.Sequence != "" && (len(in.Sequence) != 3 || !allDigits(in.Sequence)) {
		f.AddMsg("sequence", msgSequence)
	}
	if in.HolderKind != Person && in.HolderKind != Entity {
		f.AddMsg("holder_kind", msgHolderKind)
	}
	if in.ValidityYears < 0 || in.ValidityYears > 100 {
		f.AddMsg("validity_years", msgValidityYears)
	}
	if len(in.Items) == 0 || len(in.Items) > 60 {
		f.AddMsg("items", msgItemsCount, 60)
	}
	seen := map[string]bool{}
	for i := range in.Items {
		it := &in.Items[i]
		field := fmt.Sprintf("items[%d]", i)
		it.Code = strings.TrimSpace(it.Code)
		if !validName(it.Code) || reservedColumn(it.Code) {
			f.AddMsg(field+".code", msgItemCode)
		} else if seen[it.Code] {
			f.AddMsg(field+".code", msgItemTwice, it.Code)
		}
		seen[it.Code] = true
		plainText(f, field+".label", &it.Label, 40, true)
		if !contains(itemTypes, it.Type) {
			f.AddMsg(field+".type", msgItemType, strings.Join(itemTypes, ", "))
		}
		if it.Mask == "" {
			it.Mask = mask.None
		}
		if !mask.Valid(it.Mask) {
			f.AddMsg(field+".mask", msgItemMask, strings.Join(mask.Rules(), ", "))
		}
	}
	return f.Err()
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// MayDefine reports whether p may define licence types for its department
// and issue their licences: its administrator or cataloger. The three
// officers define and issue nothing.
func MayDefine(p org.Principal) bool {
	return p.DepartmentID != 0 && !officer(p) && (p.Has(org.DeptAdmin) || p.Has(org.Cataloger))
}

func officer(p org.Principal) bool {
	for _, r := range p.Roles {
		if r.Officer() {
			return true
		}
	}
	return false
}

// CreateType defines a licence type issued by p's department; its code
// starts with the department's unified social credit code.
func (s *Service) CreateType(ctx context.Context, p org.Principal, in TypeInput) (Type, error) {
	if !MayDefine(p) {
		return Type{}, s.denied(ctx, p, "licence.type.create", "licence_type", errs.New(errs.Forbidden, msgDefineRole))
	}
	if err := in.Validate(); err != nil {
		return Type{}, err
	}
	d, err := s.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return Type{}, err
	}
	if len(d.CreditCode) != 18 || CheckTypeCode(d.CreditCode+"000") != nil {
		return Type{}, errs.New(errs.Invalid, msgDeptCreditCode, d.Name)
	}
	items, _ := json.Marshal(in.Items)
	t := Type{Name: in.Name, DepartmentID: d.ID, DepartmentName: d.Name, IssuerCode: d.CreditCode, HolderKind: in.HolderKind,
		ValidityYears: in.ValidityYears, Title: in.Title, Items: in.Items, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		seq := in.Sequence
		if seq == "" {
			var last sql.NullString
			if err := tx.QueryRow(ctx, "SELECT MAX(code) FROM licence_types WHERE code LIKE ?", d.CreditCode+"%").Scan(&last); err != nil {
				return err
			}
			n := 1
			if last.Valid && len(last.String) == TypeCodeLen {
				k, _ := strconv.Atoi(last.String[18:])
				n = k + 1
			}
			if n > 999 {
				return errs.New(errs.Conflict, msgTypeCodesUsed)
			}
			seq = fmt.Sprintf("%03d", n)
		}
		t.Code = d.CreditCode + seq
		_, err := tx.Exec(ctx, "INSERT INTO licence_types (code, name, department_id, holder_kind, validity_years, title, items, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			t.Code, t.Name, t.DepartmentID, t.HolderKind, t.ValidityYears, t.Title, string(items), store.FormatTime(t.CreatedAt))
		if store.IsUnique(err) {
			return errs.FieldMsg("sequence", msgTypeExists, t.Code)
		}
		if err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "licence.type.create", "licence_type:"+t.Code, audit.Success, audit.Keyed(auditType, t.Code, t.Name)))
	})
	return t, err
}

const typeColumns = "t.code, t.name, t.department_id, d.name, d.credit_code, t.holder_kind, t.validity_years, t.title, t.items, t.created_at"

func scanType(sc interface{ Scan(...any) error }) (Type, error) {
	var t Type
	var items, at string
	if err := sc.Scan(&t.Code, &t.Name, &t.DepartmentID, &t.DepartmentName, &t.IssuerCode, &t.HolderKind, &t.ValidityYears, &t.Title, &items, &at); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(items), &t.Items); err != nil {
		return t, fmt.Errorf("licence type %s: items: %w", t.Code, err)
	}
	t.CreatedAt, _ = store.ParseTime(at)
	return t, nil
}

// TypeByCode returns a licence type.
func (s *Service) TypeByCode(ctx context.Context, code string) (Type, error) {
	t, err := scanType(s.db.QueryRow(ctx, "SELECT "+typeColumns+" FROM licence_types t JOIN departments d ON d.id = t.department_id WHERE t.code = ?", code))
	if errors.Is(err, sql.ErrNoRows) {
		return Type{}, errs.New(errs.NotFound, msgTypeNotFound, code)
	}
	return t, err
}

// Types lists the licence catalog (any signed-in user reads it), with the
// number of licences of each type; department narrows it to one issuer.
func (s *Service) Types(ctx context.Context, department int64) ([]Type, error) {
	q := "SELECT " + typeColumns + " FROM licence_types t JOIN departments d ON d.id = t.department_id"
	var args []any
	if department != 0 {
		q += " WHERE t.department_id = ?"
		args = append(args, department)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY t.code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Type
	for rows.Next() {
		t, err := scanType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	counts, err := s.db.Query(ctx, "SELECT type_code, COUNT(*) FROM licences GROUP BY type_code")
	if err != nil {
		return nil, err
	}
	defer counts.Close()
	n := map[string]int{}
	for counts.Next() {
		var c string
		var k int
		if err := counts.Scan(&c, &k); err != nil {
			return nil, err
		}
		n[c] = k
	}
	for i := range out {
		out[i].Licences = n[out[i].Code]
	}
	return out, counts.Err()
}

// reservedColumn is an item code the import files use for a licence's own
// fields.
func reservedColumn(code string) bool {
	return contains(baseColumns, code)
}
