package licfile

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalTextsAreStableAndEscaped(t *testing.T) {
	at := time.Date(2026, 12, 8, 1, 2, 3, 456, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name string
		text string
		want string
	}{
		{"event", string(Event{Name: Issued, Identifier: "1.2.156.3005.2.X", Version: "001", Data: "ab", At: at}.Canonical()),
			"govshare-licence-event/v1\nevent issued\nid 1.2.156.3005.2.X\nversion 001\ndata ab\nuse -\nreason -\ntime 2026-12-07T17:02:03Z\n"},
		{"document", string(Document{Identifier: "I", HolderName: "张\n三", IssuedOn: at, Items: []Item{{Code: "area", Label: "面积", Value: `1\2`}}}.Canonical()),
			"govshare-licence-data/v1\nid I\nnumber \ntype \ntype-name \nholder 张\\n三\nholder-id \nholder-id-type \nissuer \nissuer-code \nissued 2026-12-08\nvalid-from -\nvalid-until -\nitem area 1\\\\2\n"},
	}
	for _, tt := range tests {
		if tt.text != tt.want {
			t.Errorf("%s: canonical text\n%q\nwant\n%q", tt.name, tt.text, tt.want)
		}
	}
	a := Event{Name: Revoked, Identifier: "I", At: at}
	b := a
	b.Reason = "r"
	if a.Hash() == b.Hash() || len(a.Hash()) != 64 || strings.ToLower(a.Hash()) != a.Hash() {
		t.Fatalf("hashes: %s %s", a.Hash(), b.Hash())
	}
}
