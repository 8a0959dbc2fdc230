package gateway

import (
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/mask"
)

// jsonValue is a value of a data-service answer: masked by its rule (the
// rule works on the value as read, as a channel's masking does, so that a
// hash is the same whichever way the data left), or, unmasked, rendered by
// its column's type (connector.Format).
func jsonValue(f connector.Format, m mask.Masker, rule string, v any) any {
	if rule == mask.None {
		return f.JSON(v)
	}
	return m.Apply(rule, v)
}

// textValue is a value of a download: as jsonValue, as text; NULL is empty.
func textValue(f connector.Format, m mask.Masker, rule string, v any) string {
	if v == nil {
		return ""
	}
	if rule == mask.None {
		return f.Text(v)
	}
	return mask.Text(m.Apply(rule, v))
}

// itemFormats fits the formats of the columns of items ids to the items'
// data types (connector.Format.Item).
func itemFormats(formats []connector.Format, e catalog.Entry, ids []string) []connector.Format {
	for j, id := range ids {
		for _, it := range e.Items {
			if it.Identifier == id && j < len(formats) {
				formats[j] = formats[j].Item(it.DataType)
			}
		}
	}
	return formats
}
