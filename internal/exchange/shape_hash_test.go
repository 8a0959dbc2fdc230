package exchange

import (
	"testing"

	"github.com/govshare/govshare/internal/mask"
)

// A legacy quarantine row reshaped for the consumer hashes with the
// consumer's key, as its deliveries do, never with plain SM3.
func TestObjectHashesWithConsumerKey(t *testing.T) {
	sh := &Shape{Columns: []string{"phone"}, Mask: map[string]string{"phone": mask.Hash}, HashKey: []byte("consumer key")}
	out, keep := sh.object(map[string]any{"phone": "13800000000", "name": "张三"})
	if !keep {
		t.Fatal("the row was dropped")
	}
	want := mask.Masker{Key: sh.HashKey}.Apply(mask.Hash, "13800000000")
	if out["phone"] != want || out["phone"] == mask.Apply(mask.Hash, "13800000000") {
		t.Errorf("phone = %v, want the keyed digest %v", out["phone"], want)
	}
	if _, ok := out["name"]; ok {
		t.Error("an item outside the grant is shown")
	}
}
