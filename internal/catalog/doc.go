// Package catalog is the government data resource catalog (政务数据资源目录):
// entries with their information items (信息项), resource codes under the
// national coding rules with a replaceable provincial profile, the review
// and publish workflow with versions, mounting (挂接) to real tables, APIs
// and file sets, Chinese full-text search with facets, and import and export
// (Excel template, JSON, DCAT).
//
// Every other part of the platform refers to an entry by its resource code.
// A published entry stays in force while a changed copy (a new draft
// version) goes through review; publishing the new version supersedes it.
package catalog
