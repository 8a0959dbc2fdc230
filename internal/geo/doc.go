// Package geo keeps the platform's geospatial layers (地理空间): division
// boundaries (行政区划), grids (网格), standard addresses (标准地址) and points
// of interest (兴趣点), each a catalog resource of the department that
// provides it, and the registry of large rasters and imagery, which are
// recorded with their metadata and never loaded.
//
// Features are stored in WGS 84 (EPSG:4326, lon/lat): on PostgreSQL in a
// PostGIS geometry column under a GiST index, on the embedded SQLite as
// WKB with an R*Tree index of their bounds. The same Service answers both:
//
//	svc := geo.NewService(db, log, orgs, shares)
//	_, err := svc.CreateLayer(ctx, geo.Layer{ID: "grid", EntryCode: code, ...})
//	err = svc.Load(ctx, "grid", features)
//	page, err := svc.Items(ctx, p, "grid", geo.Query{BBox: &b, Limit: 100})
//	tile, err := svc.Tile(ctx, p, "grid", 14, 13379, 6925) // Mapbox vector tile
//	r, err := svc.Geocode(ctx, geo.GeocodeInput{Address: "株洲市荷塘区演示1路1号"})
//	div, grid, err := svc.Locate(ctx, address) // for a base database's record
//
// Reads follow the sharing rules: the staff of the providing department
// read their own layers; a data consumer of another department reads a
// layer only under an active grant of its catalog entry (sharing.Check on
// the preview path), shaped by it: only the granted properties, masked as
// it says, and only the features its row filter keeps. The three officers
// (三员) and callers without a department read nothing. Every read is
// audited (tile reads once a minute per caller and layer: a map view
// fetches dozens a second). Geocode, for the platform's own use (the base databases), reads
// without a principal; GeocodeFor answers a caller from the layers it may
// read.
package geo
