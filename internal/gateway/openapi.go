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
	case "decimal", "float":
		s["type"] = "number"
	case "boolean":
		s["type"] = "boolean"
	case "date":
		s["type"], s["format"] = "string", "date"
	case "datetime":
		s["type"], s["format"] = "string", "date-time"
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
// for the given items (those of a grant, or every shared item).
func ServiceDoc(e catalog.Entry, items []string, serverURL string) map[string]any {
	props := map[string]any{}
	params := []any{}
	for _, it := range e.Items {
		if !slices.Contains(items, it.Identifier) {
			continue
		}
		props[it.Identifier] = schemaOf(it)
		str := map[string]any{"type": "string", "maxLength": MaxValueBytes}
		params = append(params,
			map[string]any{"name": it.Identifier, "in": "query", "description": it.Name + " equals", "schema": str},
			map[string]any{"name": it.Identifier + ".in", "in": "query", "description": it.Name + ": one of, comma-separated (at most 100)", "schema": str},
			map[string]any{"name": it.Identifier + ".prefix", "in": "query", "description": it.Name + " starts with", "schema": str})
		for _, op := range []string{OpGt, OpGte, OpLt, OpLte} {
			params = append(params, map[string]any{"name": it.Identifier + "." + op, "in": "query", "description": it.Name + " " + op, "schema": str})
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
				"400": errResp("A malformed query (names the parameter)"),
				"401": errResp("A missing or wrong signature, an old timestamp, a reused nonce"),
				"403": errResp("No grant, an expired or revoked one, an item outside it"),
				"429": errResp("Rate limit exceeded; see Retry-After"),
			},
		}}},
	}
}
