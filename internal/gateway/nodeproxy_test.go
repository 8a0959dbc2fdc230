package gateway_test

import (
	"slices"
	"testing"

	"github.com/govshare/govshare/internal/gateway"
)

func TestParseDirectHosts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"api.example.gov.cn", []string{"api.example.gov.cn"}, false},
		{" API.example.gov.cn , 10.0.0.8:8080,,[::1]", []string{"api.example.gov.cn", "10.0.0.8:8080", "[::1]"}, false},
		{"http://api.example.gov.cn", nil, true},
		{"api.example.gov.cn/v1", nil, true},
		{"user@api.example.gov.cn", nil, true},
		{"10.0.0.8:", nil, true},
		{"a b", nil, true},
	}
	for _, tt := range tests {
		got, err := gateway.ParseDirectHosts(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("ParseDirectHosts(%q) = %q, %v; want %q (error: %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}
