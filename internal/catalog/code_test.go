package catalog

import (
	"testing"
)

func TestCodeRoundTrip(t *testing.T) {
	codes := []Code{
		{Class: "3", Item: "01", SubItem: "002", Seq: 17},
		{Class: "1", Item: "01", SubItem: "001", Detail: "0001", Seq: 3},
		{Class: "2", Item: "12", SubItem: "999", Detail: "123456", Seq: 999999999},
		{Class: "3", Item: "00", SubItem: "000", Seq: 1234567},
	}
	for _, p := range Profiles {
		for _, c := range codes {
			s := p.Format(c)
			got, err := p.Parse(s)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", p.Name(), s, err)
				continue
			}
			if got != c {
				t.Errorf("%s: Parse(Format(%+v)) = %+v", p.Name(), c, got)
			}
		}
	}
	if got, want := (NationalProfile{}).Format(codes[0]), "301002/000017"; got != want {
		t.Errorf("national Format = %q, want %q", got, want)
	}
	if got, want := (SegmentedProfile{}).Format(codes[1]), "1-01-001-0001-000003"; got != want {
		t.Errorf("segmented Format = %q, want %q", got, want)
	}
}

func TestParseCodeRejects(t *testing.T) {
	tests := []struct {
		profile Profile
		in      string
	}{
		{NationalProfile{}, ""},
		{NationalProfile{}, "301002000017"},
		{NationalProfile{}, "401002/000017"},
		{NationalProfile{}, "30100/000017"},
		{NationalProfile{}, "301002/17"},
		{NationalProfile{}, "301002/0000017"},
		{NationalProfile{}, "301002/000000"},
		{NationalProfile{}, "3010021234567/000001"},
		{NationalProfile{}, "30100２/000017"},
		{NationalProfile{}, "301002/00001x"},
		{SegmentedProfile{}, "3-01-002"},
		{SegmentedProfile{}, "3-1-002-000017"},
		{SegmentedProfile{}, "3-01-002--000017"},
		{SegmentedProfile{}, "0-01-002-000017"},
	}
	for _, tt := range tests {
		if c, err := tt.profile.Parse(tt.in); err == nil {
			t.Errorf("%s: Parse(%q) = %+v, want an error", tt.profile.Name(), tt.in, c)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"301002/000017", "1010010001/000003", "3-01-002-000017", "", "/", "9999999999999/999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range Profiles {
			c, err := p.Parse(s)
			if err != nil {
				continue
			}
			if got := p.Format(c); got != s {
				t.Errorf("%s: Format(Parse(%q)) = %q", p.Name(), s, got)
			}
		}
	})
}
