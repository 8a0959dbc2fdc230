-- 地理空间: layers of features (division boundaries, grids, addresses,
-- points of interest), each a catalog resource of its department.
CREATE TABLE geo_layers (
	id TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	kind TEXT NOT NULL,
	entry_code TEXT NOT NULL DEFAULT '',
	department_id INTEGER NOT NULL,
	min_zoom INTEGER NOT NULL DEFAULT 0,
	properties TEXT NOT NULL DEFAULT '[]',
	updated_at TEXT NOT NULL
);

-- Features: the geometry as WKB (WGS 84 / EPSG:4326 lon/lat) with its
-- bounds; geo_features_rtree indexes the bounds under the same id.
CREATE TABLE geo_features (
	id INTEGER PRIMARY KEY,
	layer TEXT NOT NULL REFERENCES geo_layers (id),
	fid TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	props TEXT NOT NULL DEFAULT '{}',
	geom BLOB NOT NULL,
	minx REAL NOT NULL,
	miny REAL NOT NULL,
	maxx REAL NOT NULL,
	maxy REAL NOT NULL,
	UNIQUE (layer, fid)
);
CREATE INDEX geo_features_name ON geo_features (layer, name);

CREATE VIRTUAL TABLE geo_features_rtree USING rtree (id, minx, maxx, miny, maxy);

-- Large rasters and imagery (影像, DEM, ...): registered as file resources
-- with their metadata; the platform never loads or opens them.
CREATE TABLE geo_rasters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	format TEXT NOT NULL,
	crs TEXT NOT NULL,
	resolution_m REAL NOT NULL,
	bands INTEGER NOT NULL,
	size_bytes INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	location TEXT NOT NULL,
	entry_code TEXT NOT NULL DEFAULT '',
	department_id INTEGER NOT NULL,
	minx REAL NOT NULL,
	miny REAL NOT NULL,
	maxx REAL NOT NULL,
	maxy REAL NOT NULL,
	acquired_on TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX geo_rasters_department ON geo_rasters (department_id, id);
