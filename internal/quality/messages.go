package quality

import (
	"errors"

	"github.com/govshare/govshare/internal/errs"
)

// What each check is about, named in its messages.
var (
	creditWhat   = errs.Define("quality.what.credit_code", "credit code", "统一社会信用代码")
	idWhat       = errs.Define("quality.what.id_number", "ID number", "身份证号")
	orgWhat      = errs.Define("quality.what.org_code", "organisation code", "组织机构代码")
	divisionWhat = errs.Define("quality.what.division_code", "division code", "行政区划代码")
)

// What a position of a code accepts, for the messages.
var (
	wantDigit       = errs.Define("quality.want.digit", "a digit", "数字")
	wantDigitOrX    = errs.Define("quality.want.digit_or_x", "a digit or X (the check character)", "数字或 X（校验码）")
	wantDivision    = errs.Define("quality.want.division_digit", "a digit (characters 3-8 are a division code)", "数字（第 3-8 位是行政区划代码）")
	wantCreditChar  = errs.Define("quality.want.credit_char", "a digit or a letter other than I, O, S, V, Z", "数字或除 I、O、S、V、Z 以外的字母")
	wantDigitUpper  = errs.Define("quality.want.digit_upper", "a digit or an upper-case letter", "数字或大写字母")
	wantDashOrCheck = errs.Define("quality.want.dash", `"-" before the check character`, "校验码前的“-”")
)

// The problems the checks find.
var (
	msgCheckChar  = errs.Define("quality.check_char", "%s: check character is %q, want %q", "%s：校验码是“%s”，应为“%s”")
	msgLength     = errs.Define("quality.length", "%s: must be %d characters, got %d", "%s：应为 %d 位，实为 %d 位")
	msgNotText    = errs.Define("quality.char.not_text", "%s: character %d is not valid text, want %s", "%s：第 %d 位不是有效文字，应为%s")
	msgUpperCase  = errs.Define("quality.char.upper_case", "%s: character %d is %q, want upper case %q", "%s：第 %d 位是“%s”，应为大写“%s”")
	msgChar       = errs.Define("quality.char.wrong", "%s: character %d is %q, want %s", "%s：第 %d 位是“%s”，应为%s")
	msgProvince   = errs.Define("quality.division.province", "%s: %q is not a province code", "%s：“%s”不是省级代码")
	msgPrefecture = errs.Define("quality.division.prefecture", "%s: prefecture part %q is not 01-70 or 90", "%s：地级部分“%s”不在 01-70 或 90 之内")
	msgCounty     = errs.Define("quality.division.county", "%s: county part %q without a prefecture part (digits 3-4 are 00)", "%s：有县级部分“%s”却无地级部分（第 3-4 位为 00）")
	msgLegacy15   = errs.Define("quality.id.legacy", "%s: must be 18 characters, got a legacy 15-digit number", "%s：应为 18 位，实为旧式 15 位号码")
	msgBirthYear  = errs.Define("quality.id.birth_year", "%s: birth year %d is before %d", "%s：出生年份 %d 早于 %d")
	msgBirthDate  = errs.Define("quality.id.birth_date", "%s: birth date %s is not a calendar date", "%s：出生日期 %s 不是有效日期")
	msgOrgLength  = errs.Define("quality.org.length", "%s: must be 9 characters (10 with the dash), got %d", "%s：应为 9 位（含“-”为 10 位），实为 %d 位")
)

// Problem is why a value fails a check, as a keyed message: Error says it
// in English, Text in any language.
type Problem struct {
	text errs.Text
	err  error // what it unwraps to (ErrCheckCharacter), or nil
}

func problem(m *errs.Msg, args ...any) *Problem { return &Problem{text: m.With(args...)} }

func (p *Problem) Error() string   { return p.text.String() }
func (p *Problem) Unwrap() error   { return p.err }
func (p *Problem) Text() errs.Text { return p.text }

// TextOf says why err fails a check, in any language where it is a Problem.
func TextOf(err error) errs.Text {
	var p *Problem
	if errors.As(err, &p) {
		return p.text
	}
	return errs.Raw(err.Error())
}
