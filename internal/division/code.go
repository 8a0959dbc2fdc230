package division

// Level returns the level of the six-digit division code, from its structure
// alone: 1 for a province (430000), 2 for a prefecture (430200), 3 for a
// county (430202), that is the number of non-zero two-digit groups. It
// returns 0 if code is not six ASCII digits, its province group is 00, or a
// county group follows a prefecture group of 00 (430021).
func Level(code string) int {
	if len(code) != 6 {
		return 0
	}
	for i := range 6 {
		if code[i] < '0' || code[i] > '9' {
			return 0
		}
	}
	prov, pref, county := code[:2] != "00", code[2:4] != "00", code[4:] != "00"
	switch {
	case !prov:
		return 0
	case !pref && !county:
		return 1
	case !pref:
		return 0
	case !county:
		return 2
	default:
		return 3
	}
}

// Parent returns the code of the division that contains code, by zeroing its
// lowest non-zero group (430202 → 430200 → 430000), or "" for a province or
// a code Level rejects. A table's parent can differ, when the data says so;
// see Table.Lookup.
func Parent(code string) string {
	switch Level(code) {
	case 2:
		return code[:2] + "0000"
	case 3:
		return code[:4] + "00"
	default:
		return ""
	}
}
