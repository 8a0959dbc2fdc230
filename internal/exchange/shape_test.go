package exchange

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/mask"
)

// TestShapeHashKeyTravels: the consumer's hash key goes with a grant
// channel's shape to the provider's node (in the spec's JSON), and the node
// hashes by HMAC-SM3 under it, as the platform does.
func TestShapeHashKeyTravels(t *testing.T) {
	key := []byte("consumer-department-hash-key-32b")
	spec := NodeSpec{Channel: "c1", Side: "extract", Table: "population", Mode: Full,
		Shape: &Shape{Columns: []string{"id_number"}, Mask: map[string]string{"id_number": mask.Hash}, HashKey: key}}
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var onNode NodeSpec
	if err := json.Unmarshal(raw, &onNode); err != nil {
		t.Fatal(err)
	}
	sh, err := onNode.EngineChannel("sqlite", "node.db").Shaper(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tbl := connector.Table{Columns: []connector.Column{{Name: "id_number", Type: connector.TypeString}}}
	const id = "430202199001010011"
	got, keep := sh.row(tbl, []any{id})
	want := mask.Masker{Key: key}.Apply(mask.Hash, id)
	if !keep || len(got) != 1 || got[0] != want {
		t.Errorf("row on the node = %v (keep %v), want [%v]", got, keep, want)
	}
	if got[0] == mask.Apply(mask.Hash, id) {
		t.Error("the node hashed without the consumer's key")
	}
}
