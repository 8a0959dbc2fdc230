// Package division holds the table of administrative divisions (行政区划代码,
// GB/T 2260) down to county level: provinces, prefectures and counties, each
// with a six-digit code, a name and a parent.
//
// The default table is embedded: National Bureau of Statistics codes with
// cut-off date 2022-10-31, from the public data set
// "Administrative-divisions-of-China" (WTFPL); see data/README.md. Codes are
// created and retired over time (430221 株洲县 became 430212 渌口区), so the
// table carries a version and a deployment can load its own:
//
//	t := division.Default() // parsed on first use
//	d, ok := t.Lookup("430200") // {430200 株洲市 2 430000}, true
//	for _, c := range t.Children("430200") { ... } // 430202 荷塘区 ... 430281 醴陵市
//
//	t, err := division.Load(provinces, cities, areas, "MCA 2024-12") // newer files, same layout
//
// Parent and Level work on the code alone, without a table. For the shape of
// a code from outside, see quality.CheckDivisionCodeFormat.
package division
