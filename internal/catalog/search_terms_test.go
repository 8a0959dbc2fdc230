package catalog

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"户籍", []string{"户籍", "籍"}},
		{"社保", []string{"社保", "保"}},
		{"证", []string{"证"}},
		{"不动产登记", []string{"不动", "动产", "产登", "登记", "记"}},
		{"2024年营业执照", []string{"2024", "年营", "营业", "业执", "执照", "照"}},
		{"ID Number 号码", []string{"id", "number", "号码", "码"}},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	qtests := []struct {
		in   string
		want [][]string
	}{
		{"户籍", [][]string{{"户籍"}}},
		{"证", [][]string{{"证"}}},
		{"不动产", [][]string{{"不动", "动产"}}},
		{"营业执照 2024", [][]string{{"营业", "业执", "执照"}, {"2024"}}},
		{"营业执照2024", [][]string{{"营业", "业执", "执照", "照", "2024"}}},
		{"  ,,", nil},
	}
	for _, tt := range qtests {
		if got := queryPhrases(tt.in); !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("queryPhrases(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
