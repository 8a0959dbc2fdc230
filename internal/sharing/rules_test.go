package sharing

import (
	"reflect"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
)

func TestItemRules(t *testing.T) {
	items := []catalog.Item{
		{Identifier: "id_number", DataType: "string", Length: 18, Key: true, Required: true, Validator: "id_number", Masking: "id_number"},
		{Identifier: "name", DataType: "string", Length: 50, Required: true, Masking: "name"},
		{Identifier: "kind", DataType: "string", Length: 10, Validator: "enum", ValidatorParam: "养老,医疗", Masking: "none"},
		{Identifier: "code", DataType: "string", Validator: "regex", ValidatorParam: `[A-Z]{2}\d+`},
		{Identifier: "amount", DataType: "decimal", Length: 12, Precision: 2},
		{Identifier: "phone", DataType: "string", Validator: "phone", Masking: "phone"},
	}
	// The mount maps two items to columns of other names.
	cols := map[string]string{"id_number": "sfzh", "phone": "lxdh"}
	column := func(item string) string {
		if c, ok := cols[item]; ok {
			return c
		}
		return item
	}
	got := ItemRules(items, column)
	want := exchange.ChannelRules{
		Rules: map[string]exchange.Rule{
			"sfzh": {Validator: exchange.ValidateIDNumber, MaxLength: 18}, // a key is NOT NULL already
			"name": {NotNull: true, MaxLength: 50},
			"kind": {Validator: exchange.ValidateEnum, Param: "养老,医疗", MaxLength: 10},
			"code": {Validator: exchange.ValidateRegex, Param: `[A-Z]{2}\d+`},
			"lxdh": {Validator: exchange.ValidatePhone},
		},
		Mask: map[string]string{"sfzh": "id_number", "name": "name", "kind": "none", "lxdh": "phone"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ItemRules =\n%+v\nwant\n%+v", got, want)
	}
}
