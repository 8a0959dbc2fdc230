package exchange

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchCodec(t *testing.T) {
	table := connector.Table{Name: "t", Columns: []connector.Column{
		{Name: "id", Type: connector.TypeInteger, PrimaryKey: true},
		{Name: "v", Type: connector.TypeText, Nullable: true},
		{Name: "b", Type: connector.TypeBinary, Nullable: true},
		{Name: "f", Type: connector.TypeFloat, Nullable: true},
		{Name: "ok", Type: connector.TypeBoolean, Nullable: true},
		{Name: "at", Type: connector.TypeDateTime, Nullable: true},
	}}
	at := time.Date(2024, 5, 1, 8, 30, 0, 123456000, time.UTC)
	b := &Batch{Channel: "c", Seq: 7, Table: table,
		Rows: [][]any{
			{int64(-1 << 62), "王𠀀", []byte{0, 0xff}, 0.1, true, at},
			{int64(3), nil, []byte{}, -0.0, false, nil},
		},
		Deletes: [][]any{{int64(9)}},
		Full:    true,
	}
	p, err := EncodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("DecodeBatch(EncodeBatch(b)) = %+v, want %+v", got, b)
	}
	for _, cut := range []int{0, 3, 5, len(p) / 2, len(p) - 1} {
		if _, err := DecodeBatch(p[:cut]); err == nil {
			t.Errorf("DecodeBatch(first %d bytes) = nil error", cut)
		}
	}
	if _, err := DecodeBatch(append(p, 'N')); err == nil {
		t.Error("DecodeBatch(trailing value) = nil error")
	}
	// Ranges of a full pass: open at either end, with keys to keep or none.
	for _, r := range []*connector.Range{
		{From: nil, To: []any{int64(10)}},
		{From: []any{int64(10)}, To: []any{int64(20)}, Keep: [][]any{{int64(12)}, {int64(15)}}},
		{From: []any{int64(20)}},
		{},
	} {
		b.Range = r
		p, err := EncodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeBatch(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Errorf("with range %+v: DecodeBatch(EncodeBatch(b)) = %+v, want %+v", r, got.Range, b.Range)
		}
		if _, err := DecodeBatch(p[:len(p)-1]); err == nil {
			t.Errorf("with range %+v: DecodeBatch(all but the last byte) = nil error", r)
		}
	}
	b.Range = nil
	if _, err := EncodeBatch(&Batch{Table: table, Rows: [][]any{{struct{}{}, nil, nil, nil, nil, nil}}}); err == nil {
		t.Error("EncodeBatch(struct value) = nil error")
	}
}

func FuzzDecodeBatch(f *testing.F) {
	p, _ := EncodeBatch(&Batch{Channel: "c", Seq: 1, Table: connector.Table{Columns: []connector.Column{{Name: "id", PrimaryKey: true}}},
		Rows: [][]any{{int64(1)}}, Deletes: [][]any{{"x"}}})
	f.Add(p)
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := DecodeBatch(p)
		if err != nil {
			return
		}
		if _, err := EncodeBatch(b); err != nil {
			t.Fatalf("a decoded batch does not encode: %v", err)
		}
	})
}

func TestChannelValidate(t *testing.T) {
	ok := Channel{ID: "ch-1", Mode: Incremental, Watermark: "w",
		Source: Endpoint{Driver: connector.SQLite, DSN: "a.db", Table: "t"},
		Target: Endpoint{Driver: connector.Postgres, DSN: "postgres://x", Table: "t"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	for name, f := range map[string]func(*Channel){
		"subject wildcard": func(c *Channel) { c.ID = "a.>" },
		"no watermark":     func(c *Channel) { c.Watermark = "" },
		"unknown mode":     func(c *Channel) { c.Mode = "cdc" },
		"unknown driver":   func(c *Channel) { c.Target.Driver = "oracle" },
		"no table":         func(c *Channel) { c.Source.Table = "" },
	} {
		c := ok
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil", name)
		}
	}
}
