package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/gateway"
)

func TestTryForm(t *testing.T) {
	items := []serviceItem{{Item: catalog.Item{Identifier: "name"}}, {Item: catalog.Item{Identifier: "gender"}}, {Item: catalog.Item{Identifier: "birth_date"}}}
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{}, ""},
		{"equality, escaped", url.Values{"value.gender": {"女"}, "op.gender": {"eq"}}, "gender=%E5%A5%B3"},
		{"one of, each element escaped", url.Values{"value.name": {"王**, a,b&c"}, "op.name": {"in"}}, "name.in=%E7%8E%8B%2A%2A,a,b%26c"},
		{"range and paging", url.Values{"value.birth_date": {" 1990-01-01 "}, "op.birth_date": {"gte"}, "page": {"2"}, "page_size": {"5"}},
			"birth_date.gte=1990-01-01&page=2&page_size=5"},
		{"fields", url.Values{"fields": {"name", "gender"}}, "fields=name,gender"},
		{"items not in the form's list are ignored", url.Values{"value.address": {"x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tryForm(tt.form, items)
			if got != tt.want {
				t.Errorf("tryForm() = %q, want %q", got, tt.want)
			}
			if _, err := gateway.ParseQuery(got); err != nil {
				t.Errorf("ParseQuery(%q): %v", got, err)
			}
		})
	}
}

func TestPerStep(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 30, 20, 0, time.UTC)
	us := []gateway.Usage{
		{Minute: "2026-11-27T06:30Z", Calls: 3, Errors: 1},
		{Minute: "2026-11-27T06:30Z", Calls: 2}, // another app, same minute
		{Minute: "2026-11-27T06:45Z", Calls: 4}, // a clock ahead, in the next span: not charted
		{Minute: "2026-11-27T06:29Z", Calls: 6}, // the span before
		{Minute: "2026-11-26T06:45Z", Calls: 7}, // the first span of the window
		{Minute: "2026-11-26T06:44Z", Calls: 9}, // just outside it
		{Minute: "not a minute", Calls: 1},
	}
	c := perStep(us, now, "calls", "errors")
	n := len(c.Labels)
	if n != 96 || len(c.Series[0].Values) != n || len(c.Series[1].Values) != n {
		t.Fatalf("%d labels, want 96 (24 hours in 15 minutes) with as many values", n)
	}
	if got, want := c.Labels[n-1], "11-27 14:30"; got != want {
		t.Errorf("last label %q, want %q (Beijing time)", got, want)
	}
	if got, want := c.Labels[0], "11-26 14:45"; got != want {
		t.Errorf("first label %q, want %q", got, want)
	}
	if got := c.Series[0].Values[n-1]; got != 5 {
		t.Errorf("calls in the last span = %d, want 5", got)
	}
	if got := c.Series[1].Values[n-1]; got != 1 {
		t.Errorf("errors in the last span = %d, want 1", got)
	}
	if got := c.Series[0].Values[n-2]; got != 6 {
		t.Errorf("calls in the span before = %d, want 6", got)
	}
	if got := c.Series[0].Values[0]; got != 7 {
		t.Errorf("calls in the first span = %d, want 7", got)
	}
	var sum int64
	for _, v := range c.Series[0].Values {
		sum += v
	}
	if sum != 18 {
		t.Errorf("calls in the window = %d, want 18", sum)
	}
}
