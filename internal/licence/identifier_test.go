package licence

import (
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

// The four identifiers of domain.md §5.2, taken from public code.
var realIdentifiers = []string{
	"1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
	"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
	"1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
	"1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
}

func TestRealIdentifiers(t *testing.T) {
	for _, s := range realIdentifiers {
		id, err := ParseIdentifier(s)
		if err != nil {
			t.Errorf("ParseIdentifier(%s): %v", s, err)
			continue
		}
		if got := id.String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
		// Without the root, too.
		if _, err := ParseIdentifier(strings.TrimPrefix(s, Root+".")); err != nil {
			t.Errorf("without the root: %v", err)
		}
		built, err := NewIdentifier(id.Type, id.Issuer, id.Serial, id.Version)
		if err != nil || built != id {
			t.Errorf("NewIdentifier(%s) = %v, %v; want %v", s, built, err, id)
		}
	}
}

func TestIdentifierRefusals(t *testing.T) {
	good := realIdentifiers[0]
	tests := []struct {
		name, in string
		key      string
	}{
		{"wrong check character", strings.TrimSuffix(good, "F") + "G", "licence.id.check"},
		{"lower-case check", strings.TrimSuffix(good, "F") + "f", "licence.id.check_form"},
		{"changed serial", strings.Replace(good, "2430599", "2430598", 1), "licence.id.check"},
		{"swapped digits", strings.Replace(good, "2430599", "2430959", 1), "licence.id.check"},
		{"no check", strings.TrimSuffix(good, ".F"), "licence.id.form"},
		{"short type", strings.Replace(good, "W032", "W32", 1), "licence.type.code_form"},
		{"type definer check", strings.Replace(good, "13338W032", "13338X032", 1), "licence.type.code_definer"},
		{"issuer check", strings.Replace(good, "541J", "541K", 1), "licence.id.issuer"},
		{"lower-case serial", strings.Replace(good, "2430599", "24305a9", 1), "licence.id.serial"},
		{"version 000", strings.Replace(good, ".001.", ".000.", 1), "licence.id.version"},
		{"version letters", strings.Replace(good, ".001.", ".00A.", 1), "licence.id.version"},
		{"empty", "", "licence.id.form"},
		{"too long", good + strings.Repeat("0", 200), "licence.id.too_long"},
	}
	for _, tt := range tests {
		_, err := ParseIdentifier(tt.in)
		if err == nil {
			t.Errorf("%s: ParseIdentifier(%q) accepted", tt.name, tt.in)
			continue
		}
		if got := errs.TextOf(err).Msg; got == nil || got.Key != tt.key {
			t.Errorf("%s: refused with %v, want %s", tt.name, err, tt.key)
		}
	}
}

func TestCheckCharCatchesSingleErrors(t *testing.T) {
	body := "11100000000013338W03211220000013544541J2430599001"
	want, _ := CheckChar(body)
	for i := 0; i < len(body); i++ {
		for _, c := range []byte(alphabet) {
			if c == body[i] {
				continue
			}
			changed := body[:i] + string(c) + body[i+1:]
			if got, _ := CheckChar(changed); got == want {
				t.Fatalf("changing position %d to %c keeps the check character", i, c)
			}
		}
	}
}

func TestNextVersion(t *testing.T) {
	for in, want := range map[string]string{"001": "002", "009": "010", "099": "100", "998": "999"} {
		if got, ok := NextVersion(in); !ok || got != want {
			t.Errorf("NextVersion(%s) = %s, %v", in, got, ok)
		}
	}
	if _, ok := NextVersion("999"); ok {
		t.Error("NextVersion(999) went on")
	}
}

func FuzzParseIdentifier(f *testing.F) {
	for _, s := range realIdentifiers {
		f.Add(s)
	}
	f.Add("1.2.156.3005.2....")
	f.Add("1.2.156.3005.2.x.y.z.001.A")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentifier(s)
		if err != nil {
			if errs.TextOf(err).Msg == nil {
				t.Fatalf("unkeyed refusal: %v", err)
			}
			return
		}
		// What parses prints back in its canonical form, which parses to
		// the same identifier and whose check character is right.
		again, err := ParseIdentifier(id.String())
		if err != nil || again != id {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
		if c, ok := CheckChar(id.body()); !ok || c != id.Check {
			t.Fatalf("%q: check %c, computed %c", s, id.Check, c)
		}
	})
}
