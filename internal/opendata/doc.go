// Package opendata is the open data domain (数据开放): which catalog entries
// the public sees, what it sees of them, their downloads, and how much they
// are used.
//
// One rule decides what is public (LevelOf): a published entry whose open
// type (开放属性) is 无条件开放 is open, with its open items, sample rows
// and downloads; one that is 有条件开放 is listed, its metadata only, with
// the way to apply; every other entry does not exist for the public. Every
// public path (the portal's pages, the CKAN-compatible API, the DCAT feeds
// and the downloads) goes through Service, which applies the rule, so a
// transport never decides what is public.
//
//	svc := opendata.NewService(db, auditLog, orgs, cat)
//	res, err := svc.Search(ctx, opendata.Query{Q: "企业"})
//	d, err := svc.Dataset(ctx, code)
//	n, err := svc.Download(ctx, code, opendata.CSV, w, client)
package opendata
