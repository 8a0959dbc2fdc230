package quality

import "github.com/govshare/govshare/internal/errs"

// isProvince reports whether p, two ASCII digits, is a GB/T 2260 province
// level code: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 (Taiwan),
// 81 (Hong Kong) or 82 (Macao).
func isProvince(p string) bool {
	if len(p) != 2 || !isDigit(rune(p[0])) || !isDigit(rune(p[1])) {
		return false
	}
	hi, lo := p[0]-'0', p[1]-'0'
	switch hi {
	case 1:
		return 1 <= lo && lo <= 5
	case 2:
		return 1 <= lo && lo <= 3
	case 3:
		return 1 <= lo && lo <= 7
	case 4:
		return 1 <= lo && lo <= 6
	case 5:
		return lo <= 4
	case 6:
		return 1 <= lo && lo <= 5
	case 7:
		return lo == 1
	case 8:
		return lo == 1 || lo == 2
	}
	return false
}

// CheckDivisionCodeFormat checks that s has the shape of a six-digit
// administrative division code (行政区划代码, GB/T 2260): a province group
// (digits 1-2) of 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 (Taiwan),
// 81 (Hong Kong) or 82 (Macao); a prefecture group (digits 3-4) of 00,
// 01-70 or 90 (省直辖县级行政区划); and a county group (digits 5-6) that is
// 00 whenever the prefecture group is. It does not check that the code exists: codes are
// created and retired (430221 株洲县 became 430212 渌口区); use package
// division for that.
func CheckDivisionCodeFormat(s string) error {
	err := checkChars(divisionWhat, s, 6,
		func(_ int, r rune) bool { return isDigit(r) },
		func(int) *errs.Msg { return wantDigit })
	if err != nil {
		return err
	}
	if !isProvince(s[:2]) {
		return problem(msgProvince, divisionWhat.With(), s[:2])
	}
	pref, county := s[2:4], s[4:6]
	if pref > "70" && pref != "90" {
		return problem(msgPrefecture, divisionWhat.With(), pref)
	}
	if pref == "00" && county != "00" {
		return problem(msgCounty, divisionWhat.With(), county)
	}
	return nil
}

// checkAddressCode checks the address code (first six characters) of an ID
// number: a province code, or 83 (Taiwan residents' residence permits, which
// share the ID number format). The rest is not checked: the address code is
// where the number was first issued, in the edition of GB/T 2260 then in force.
func checkAddressCode(what *errs.Msg, s string) error {
	if p := s[:2]; !isProvince(p) && p != "83" {
		return problem(msgProvince, what.With(), p)
	}
	return nil
}
