package web

import (
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/exchange"
)

// A full pass's rate and time left are said in both languages, and
// "estimating" while they are not known.
func TestProgressText(t *testing.T) {
	msgs, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{msgs: msgs}
	for _, tt := range []struct {
		name, lang string
		pr         *exchange.Progress
		want       []string
	}{
		{"no pass", "zh-CN", nil, nil},
		{"unseen", "zh-CN", &exchange.Progress{Total: 1000, Estimating: true}, []string{"估算中"}},
		{"rate and time left", "zh-CN", &exchange.Progress{Total: 100000, Done: 20000, RatePerSecond: 2001.4, SecondsLeft: 40}, []string{"每秒 2,001 行", "预计还需 40 秒"}},
		{"rate, no total", "en", &exchange.Progress{Total: -1, Done: 20, RatePerSecond: 3.21, Estimating: true}, []string{"3.2 rows/s", "estimating"}},
		{"in English", "en", &exchange.Progress{Total: 100000, Done: 20000, RatePerSecond: 500, SecondsLeft: 160}, []string{"500 rows/s", "about 2 min"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := s.progressText(tt.lang, tt.pr)
			if tt.want == nil && got != "" {
				t.Errorf("= %q, want nothing", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("= %q, want %q in it", got, w)
				}
			}
		})
	}
}
