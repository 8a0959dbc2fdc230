package sharing

import "testing"

func TestRowFilterMatch(t *testing.T) {
	f := RowFilter{{Item: "region", Op: OpPrefix, Values: []string{"430211"}}, {Item: "age", Op: OpLt, Values: []string{"60"}}}
	cases := []struct {
		row  map[string]any
		want bool
	}{
		{map[string]any{"region": "430211001", "age": int64(45)}, true},
		{map[string]any{"region": "430202001", "age": int64(45)}, false},
		{map[string]any{"region": "430211001", "age": int64(61)}, false},
		{map[string]any{"region": "430211001", "age": nil}, false}, // NULL matches nothing, as in SQL
		{map[string]any{"region": "430211001"}, false},             // nor does a missing value
		{map[string]any{"region": "430211001", "age": "9"}, true},  // numbers compare as numbers
	}
	for _, c := range cases {
		if got := f.Match(c.row); got != c.want {
			t.Errorf("Match(%v) = %v, want %v", c.row, got, c.want)
		}
	}
}
