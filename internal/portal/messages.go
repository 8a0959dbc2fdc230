package portal

import "github.com/govshare/govshare/internal/errs"

// The portal's messages: the CKAN API's parameter checks and the pages'.
var (
	msgBadDepartment = errs.Define("portal.department", "must be a department's number", "须为部门编号")
	msgInteger       = errs.Define("portal.ckan.integer", "Invalid integer", "须为整数")
	msgAtLeast       = errs.Define("portal.ckan.at_least", "Must be at least %d", "不得小于 %d")
	msgBoolean       = errs.Define("portal.ckan.boolean", "Must be true or false", "须为 true 或 false")
	msgBadJSON       = errs.Define("portal.ckan.json", "Bad request - JSON Error: the body must be a JSON object", "请求体须为 JSON 对象")
	msgBodyTooLarge  = errs.Define("portal.ckan.body_size", "Bad request - the body must be at most %d bytes", "请求体最多 %d 字节")
	msgMissing       = errs.Define("portal.ckan.missing", "Missing value", "缺少取值")
	msgNoAction      = errs.Define("portal.ckan.no_action", "no action %s", "没有接口 %s")
	msgNoResource    = errs.Define("portal.ckan.no_resource", "no resource %s", "没有资源 %s")
	msgTooLong       = errs.Define("portal.ckan.too_long", "Must be at most %d characters", "最多 %d 个字")
	msgSolrSyntax    = errs.Define("portal.ckan.solr_syntax", "Search Query is invalid: only plain words are supported (no field:value, wildcards, quotes, brackets or boolean operators); filter with fq", "检索式无效：仅支持普通词语（不支持字段检索、通配符、引号、括号或布尔运算符），筛选请用 fq")
	msgFQSyntax      = errs.Define("portal.ckan.fq_syntax", "Filter query is invalid: use field:value or field:\"value\" clauses separated by spaces", "筛选式无效：请用空格分隔的 field:value 或 field:\"value\"")
	msgFQField       = errs.Define("portal.ckan.fq_field", "Cannot filter on %s: use %s", "不支持按 %s 筛选，可用：%s")
	msgSort          = errs.Define("portal.ckan.sort", "Unsupported sort: use %s", "不支持的排序，可用：%s")
	msgFacetList     = errs.Define("portal.ckan.facet_list", "Must be a JSON list of field names", "须为字段名的 JSON 数组")
	msgFacetField    = errs.Define("portal.ckan.facet_field", "Cannot count facets of %s: use %s", "不支持 %s 的分面统计，可用：%s")
	msgAgree         = errs.Define("portal.agree", "agree to the terms of conditionally open data to apply", "申请须同意有条件开放数据使用协议")
)
