-- 地理空间: layers of features (division boundaries, grids, addresses,
-- points of interest), each a catalog resource of its department.
-- PostGIS lives in the public schema; the platform names its types,
-- functions and operators there so that a search_path without public
-- (a test's own schema) still finds them.
CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;

CREATE TABLE geo_layers (
	id TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	kind TEXT NOT NULL,
	entry_code TEXT NOT NULL DEFAULT '',
	department_id BIGINT NOT NULL,
	min_zoom INTEGER NOT NULL DEFAULT 0,
	properties TEXT NOT NULL DEFAULT '[]',
	updated_at TEXT NOT NULL
);

-- Features: the geometry in WGS 84 (EPSG:4326) under a GiST index.
CREATE TABLE geo_features (
	id BIGSERIAL PRIMARY KEY,
	layer TEXT NOT NULL REFERENCES geo_layers (id),
	fid TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	props TEXT NOT NULL DEFAULT '{}',
	geom public.geometry(Geometry, 4326) NOT NULL,
	UNIQUE (layer, fid)
);
CREATE INDEX geo_features_name ON geo_features (layer, name);
CREATE INDEX geo_features_geom ON geo_features USING gist (geom);

-- Large rasters and imagery (影像, DEM, ...): registered as file resources
-- with their metadata; the platform never loads or opens them.
CREATE TABLE geo_rasters (
	id BIGSERIAL PRIMARY KEY,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	format TEXT NOT NULL,
	crs TEXT NOT NULL,
	resolution_m DOUBLE PRECISION NOT NULL,
	bands INTEGER NOT NULL,
	size_bytes BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	location TEXT NOT NULL,
	entry_code TEXT NOT NULL DEFAULT '',
	department_id BIGINT NOT NULL,
	minx DOUBLE PRECISION NOT NULL,
	miny DOUBLE PRECISION NOT NULL,
	maxx DOUBLE PRECISION NOT NULL,
	maxy DOUBLE PRECISION NOT NULL,
	acquired_on TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX geo_rasters_department ON geo_rasters (department_id, id);
