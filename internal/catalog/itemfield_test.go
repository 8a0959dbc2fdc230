package catalog

import "testing"

func FuzzParseItemField(f *testing.F) {
	for _, s := range []string{"items[2].name", "items[].x", "items[-1].x", "name", "items[3]."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		i, field, ok := ParseItemField(key)
		if ok && ItemField(i, field) != key && i >= 0 {
			// a key with a padded number (items[02].x) reads as its number
			if j, g, ok2 := ParseItemField(ItemField(i, field)); !ok2 || j != i || g != field {
				t.Errorf("%q read as (%d, %q), which does not round trip", key, i, field)
			}
		}
	})
}

func TestParseItemField(t *testing.T) {
	for _, c := range []struct {
		key   string
		i     int
		field string
		ok    bool
	}{{"items[2].share_type", 2, "share_type", true}, {"items[].x", 0, "", false}, {"items[-1].x", 0, "", false}, {"name", 0, "", false}, {"items[3].", 0, "", false}} {
		i, field, ok := ParseItemField(c.key)
		if ok != c.ok || (ok && (i != c.i || field != c.field)) {
			t.Errorf("ParseItemField(%q) = %d, %q, %v; want %d, %q, %v", c.key, i, field, ok, c.i, c.field, c.ok)
		}
	}
}
