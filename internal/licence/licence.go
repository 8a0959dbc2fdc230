package licence

import (
	"math/big"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/quality"
)

// Statuses of a licence (证照状态).
const (
	Valid     = "valid"     // 有效
	Expired   = "expired"   // 已过期
	Revoked   = "revoked"   // 已注销
	Suspended = "suspended" // 已暂停
)

// Licence is one licence of the library, in its current version.
type Licence struct {
	ID           int64          `json:"id"`
	Identifier   string         `json:"identifier" doc:"电子证照标识 (GB/T 36904) of the current version"`
	Number       string         `json:"number" doc:"证照编号"`
	TypeCode     string         `json:"type"`
	TypeName     string         `json:"type_name"`
	HolderKind   string         `json:"holder_kind"`
	HolderName   string         `json:"holder_name"`
	HolderID     string         `json:"holder_id"`
	HolderIDType string         `json:"holder_id_type" doc:"111 citizen ID number, 001 unified social credit code (GB/T 36903)"`
	DepartmentID int64          `json:"department_id"`
	Issuer       string         `json:"issuer"`
	IssuerCode   string         `json:"issuer_code"`
	IssuedOn     string         `json:"issued_on" doc:"YYYY-MM-DD"`
	ValidFrom    string         `json:"valid_from"`
	ValidUntil   string         `json:"valid_until,omitempty" doc:"Empty: long-term (长期)"`
	Items        []licfile.Item `json:"items"`
	Version      string         `json:"version"`
	Status       string         `json:"status" enum:"valid,expired,revoked,suspended"`
	Reason       string         `json:"reason,omitempty" doc:"Reason code of the last status change"`
	DataHash     string         `json:"data_hash" doc:"SM3 of the licence's canonical data, named by its issued or changed event in the ledger"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// Document is the licence's canonical data (what its file carries).
func (l Licence) Document() licfile.Document {
	return licfile.Document{Identifier: l.Identifier, Number: l.Number, TypeCode: l.TypeCode, TypeName: l.TypeName,
		HolderName: l.HolderName, HolderID: l.HolderID, HolderIDType: l.HolderIDType, Issuer: l.Issuer, IssuerCode: l.IssuerCode,
		IssuedOn: date(l.IssuedOn), ValidFrom: date(l.ValidFrom), ValidUntil: date(l.ValidUntil), Items: l.Items}
}

func date(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// Beijing is China Standard Time, in which licence dates are read.
var Beijing = time.FixedZone("CST", 8*3600)

// effective is the status a licence has today: a valid licence past its
// end date is expired whether or not the expiry run has marked it.
func effective(status, validUntil string, now time.Time) string {
	if status == Valid && validUntil != "" && validUntil < now.In(Beijing).Format(time.DateOnly) {
		return Expired
	}
	return status
}

// IssueInput is a licence to issue (发证). Without an identifier the
// library builds one from the type, the issuing department's credit code
// and the serial (default: derived from the type and the number, so the
// same licence always gets the same identifier).
type IssueInput struct {
	Type       string            `json:"type" maxLength:"21" doc:"Licence type code (证照类型代码)"`
	Identifier string            `json:"identifier,omitempty" maxLength:"120" doc:"电子证照标识 given by the department's system: its check character, type, issuer and version 001 are checked"`
	Serial     string            `json:"serial,omitempty" maxLength:"32" doc:"流水号: 1-32 of 0-9 and A-Z"`
	Number     string            `json:"number" maxLength:"60" doc:"证照编号, as printed"`
	HolderName string            `json:"holder_name" maxLength:"100"`
	HolderID   string            `json:"holder_id" maxLength:"30" doc:"Citizen ID number (GB 11643) or unified social credit code (GB 32100), by the type's holder kind"`
	IssuedOn   string            `json:"issued_on,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default today"`
	ValidFrom  string            `json:"valid_from,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default the issue date"`
	ValidUntil string            `json:"valid_until,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default by the type's validity (none: long-term)"`
	Items      map[string]string `json:"items,omitempty" doc:"Surface items by code"`
}

// prepare checks in against its type and builds the licence; problems are
// added to f under the input's field names.
func prepare(in IssueInput, t Type, now time.Time, f errs.Fields) Licence {
	l := Licence{TypeCode: t.Code, TypeName: t.Name, HolderKind: t.HolderKind, HolderIDType: HolderIDType(t.HolderKind),
		DepartmentID: t.DepartmentID, Issuer: t.DepartmentName, IssuerCode: t.IssuerCode, Version: "001", Status: Valid}
	plainText(f, "number", &in.Number, 60, true)
	plainText(f, "holder_name", &in.HolderName, 100, true)
	l.Number, l.HolderName = in.Number, in.HolderName
	in.HolderID = strings.TrimSpace(in.HolderID)
	if t.HolderKind == Person {
		id, err := quality.NormalizeIDNumber(in.HolderID)
		if err != nil {
			f.AddText("holder_id", quality.TextOf(err))
		}
		l.HolderID = id
	} else {
		if err := quality.CheckCreditCode(in.HolderID); err != nil {
			f.AddText("holder_id", quality.TextOf(err))
		}
		l.HolderID = in.HolderID
	}
	today := now.In(Beijing).Format(time.DateOnly)
	l.IssuedOn = dateField(f, "issued_on", in.IssuedOn, today)
	if l.IssuedOn > today {
		f.AddMsg("issued_on", msgFutureIssue)
	}
	l.ValidFrom = dateField(f, "valid_from", in.ValidFrom, l.IssuedOn)
	l.ValidUntil = dateField(f, "valid_until", in.ValidUntil, "")
	if l.ValidUntil == "" && t.ValidityYears > 0 && l.ValidFrom != "" {
		l.ValidUntil = date(l.ValidFrom).AddDate(t.ValidityYears, 0, -1).Format(time.DateOnly)
	}
	if l.ValidUntil != "" && l.ValidUntil < l.ValidFrom {
		f.AddMsg("valid_until", msgUntilBeforeFrom)
	}
	l.Items = itemValues(f, t, in.Items)
	var id Identifier
	var err error
	switch {
	case strings.TrimSpace(in.Identifier) != "":
		id, err = ParseIdentifier(in.Identifier)
		if err == nil {
			switch {
			case id.Type != t.Code:
				err = errs.New(errs.Invalid, msgIDOtherType, id.Type, t.Code)
			case id.Issuer != t.IssuerCode:
				err = errs.New(errs.Invalid, msgIDOtherIssuer, id.Issuer, t.IssuerCode)
			case id.Version != "001":
				err = errs.New(errs.Invalid, msgIDFirstVersion)
			}
		}
		if err != nil {
			f.AddText("identifier", errs.TextOf(err))
		}
	case strings.TrimSpace(in.Serial) != "":
		if err = CheckSerial(strings.TrimSpace(in.Serial)); err != nil {
			f.AddText("serial", errs.TextOf(err))
		} else if id, err = NewIdentifier(t.Code, t.IssuerCode, strings.TrimSpace(in.Serial), "001"); err != nil {
			f.AddText("serial", errs.TextOf(err))
		}
	default:
		id, err = NewIdentifier(t.Code, t.IssuerCode, DerivedSerial(t.Code, l.Number), "001")
		if err != nil {
			f.AddText("type", errs.TextOf(err))
		}
	}
	l.Identifier = id.String()
	if len(f) == 0 {
		l.DataHash = l.Document().DataHash()
	}
	return l
}

// DerivedSerial is the serial of a licence given without one: 20 of 0-9 and
// A-Z from the SM3 hash of its type and number.
func DerivedSerial(typeCode, number string) string {
	h := licfile.SM3Hex([]byte(typeCode + "\n" + number))
	var n big.Int
	n.SetString(h, 16)
	s := strings.ToUpper(n.Text(36))
	for len(s) < 20 {
		s = "0" + s
	}
	return s[:20]
}

// dateField reads a YYYY-MM-DD date, def when empty.
func dateField(f errs.Fields, field, v, def string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return def
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Year() < 1900 || t.Year() > 2199 {
		f.AddMsg(field, msgDate)
		return def
	}
	return t.Format(time.DateOnly)
}

// itemValues checks the surface items against the type's definitions and
// returns them in the type's order.
func itemValues(f errs.Fields, t Type, in map[string]string) []licfile.Item {
	out := make([]licfile.Item, 0, len(t.Items))
	known := map[string]bool{}
	for _, d := range t.Items {
		known[d.Code] = true
		field := "items." + d.Code
		v := in[d.Code]
		plainText(f, field, &v, MaxItemValue, d.Required)
		if v != "" {
			switch d.Type {
			case ItemDate:
				v = dateField(f, field, v, v)
			case ItemNumber:
				if _, ok := new(big.Float).SetString(v); !ok || strings.ContainsAny(v, "eEpPxX_") {
					f.AddMsg(field, msgNumber)
				}
			case ItemIDNumber:
				n, err := quality.NormalizeIDNumber(v)
				if err != nil {
					f.AddText(field, quality.TextOf(err))
				} else {
					v = n
				}
			case ItemCreditCode:
				v = strings.ToUpper(v)
				if err := quality.CheckCreditCode(v); err != nil {
					f.AddText(field, quality.TextOf(err))
				}
			}
		}
		out = append(out, licfile.Item{Code: d.Code, Label: d.Label, Value: v})
	}
	for k := range in {
		if !known[k] {
			f.AddMsg("items."+safeField(k), msgUnknownItem, t.Code)
		}
	}
	return out
}

// safeField is an outside key fit to name a field in an answer.
func safeField(k string) string {
	if validName(k) {
		return k
	}
	return "?"
}
