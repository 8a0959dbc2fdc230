// Package quality validates identifiers that arrive from outside the
// platform: the citizen ID number (居民身份证号码, GB 11643), the unified
// social credit code (统一社会信用代码, GB 32100), the organisation code
// (组织机构代码, GB 11714) and the shape of an administrative division code
// (行政区划代码, GB/T 2260).
//
// Each Check function returns nil or a *Problem: a keyed message (defined
// here in English and Chinese) that is safe to show a user and names the
// identifier and the problem; TextOf gives it for a reader's language:
//
//	if err := quality.CheckCreditCode(code); err != nil {
//		if errors.Is(err, quality.ErrCheckCharacter) {
//			// well formed, but the check character does not match: early
//			// pilot codes look like this; warn and let a reviewer override.
//		}
//		f.AddText("creditCode", quality.TextOf(err))
//	}
//
// The checks are structural. They do not consult registries: a division code
// that passes CheckDivisionCodeFormat may not exist (see package division),
// and the registration department and category of a credit code are not
// checked against a table, because the sources disagree on it.
package quality
