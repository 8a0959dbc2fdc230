package gateway

import (
	"slices"

	"github.com/govshare/govshare/internal/catalog"
)

// schemaOf is the JSON schema of an item's values as a service returns them.
func schemaOf(it catalog.Item) map[string]any {
	s := map[string]any{"description": it.Name}
	switch it.DataType {
	case "integer":
		s["type"] = "integer"
	case "float":
		s["type"] = "number"
	case "decimal", "high_precision", "currency":
		// The exact digits with the column's scale: a string, so that no
		// digit is lost to binary floating point (a decimal item on an
		// integer column comes as a number).
		s["type"], s["pattern"] = []string{"string", "integer"}, `^-?[0-9]+(\.[0-9]+)?$`
	case "boolean":
		s["type"] = "boolean"
	case "date":
		s["type"], s["format"] = "string", "date"
	case "datetime":
		// Not "date-time", which requires an offset: a date-time without
		// a zone at the source is given without one.
		s["type"], s["pattern"] = "string", `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$`
	case "time":
		s["type"] = "string"
		s["examples"] = []string{"08:30:00"}
	default:
		s["type"] = "string"
	}
	if it.Masking != "" && it.Masking != "none" {
		s["type"] = "string"
		s["description"] = it.Name + "（脱敏: " + it.Masking + "）"
	}
	return s
}

// ServiceDoc is the OpenAPI 3.1 description of the data service of entry e
// for the given items (those of a grant, or every shared item). ops names
// the filter operators each item takes (a masked item: eq when the grant
// names it a lookup key, 查询条件, else none); an item not in ops takes
// every operator.
func ServiceDoc(e catalog.Entry, items []string, ops map[string][]string, serverURL string) map[string]any {
	props := map[string]any{}
	params := []any{}
	for _, it := range e.Items {
		if !slices.Contains(items, it.Identifier) {
			continue
		}
		props[it.Identifier] = schemaOf(it)
		str := map[string]any{"type": "string", "maxLength": MaxValueBytes}
		allowed, limited := ops[it.Identifier]
		for _, op := range []string{OpEq, OpIn, OpPrefix, OpGt, OpGte, OpLt, OpLte} {
			if limited && !slices.Contains(allowed, op) {
				continue
			}
			name, desc := it.Identifier+"."+op, it.Name+" "+op
			switch op {
			case OpEq:
				name, desc = it.Identifier, it.Name+" equals"
				if limited {
					desc += " (a lookup key, 查询条件: one value; counted against the app's daily lookup quota and audited)"
				}
			case OpIn:
				desc = it.Name + ": one of, comma-separated (at most 100; split at literal commas, %2C is a comma inside a value)"
			case OpPrefix:
				desc = it.Name + " starts with"
			}
			params = append(params, map[string]any{"name": name, "in": "query", "description": desc, "schema": str})
		}
	}
	params = append(params,
		map[string]any{"name": "fields", "in": "query", "description": "Items to return, comma-separated; default every granted item", "schema": map[string]any{"type": "string"}},
		map[string]any{"name": "page", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "default": 1}},
		map[string]any{"name": "page_size", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": MaxPageSize, "default": DefaultPageSize}})
	for _, h := range []string{HeaderAppKey, HeaderTimestamp, HeaderNonce, HeaderSignature} {
		params = append(params, map[string]any{"name": h, "in": "header", "required": true, "schema": map[string]any{"type": "string"}})
	}
	params = append(params, map[string]any{"name": HeaderSignMethod, "in": "header", "schema": map[string]any{"type": "string", "enum": []string{HMACSHA256, HMACSM3}}})
	errorBody := map[string]any{"type": "object", "properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}
	errResp := func(what string) map[string]any {
		return map[string]any{"description": what, "content": map[string]any{"application/json": map[string]any{"schema": errorBody}}}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": e.Name + " 数据服务", "version": e.Code, "description": e.Summary + "\n\nSign every request as the README's \"Request signatures\" says."},
		"servers": []any{map[string]any{"url": serverURL}},
		"paths": map[string]any{Prefix + e.Code: map[string]any{"get": map[string]any{
			"summary":     e.Name,
			"operationId": "query",
			"parameters":  params,
			"responses": map[string]any{
				"200": map[string]any{"description": "One page of rows: granted items only, masked as the grant says", "content": map[string]any{"application/json": map[string]any{
					"schema": map[string]any{"type": "object", "required": []string{"total", "rows"}, "properties": map[string]any{
						"total": map[string]any{"type": "integer"},
						"rows":  map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": props}},
					}}}}},
				"400": errResp("A malformed query, or a filter on a masked item other than equality on one value of a lookup key (查询条件); names the parameter"),
				"401": errResp("A missing or wrong signature, an old timestamp, a reused nonce"),
				"403": errResp("No grant, an expired or revoked one, an item outside it"),
				"429": errResp("Rate limit exceeded (see Retry-After), or the app's daily quota of lookups on masked items is used up"),
			},
		}}},
	}
}
