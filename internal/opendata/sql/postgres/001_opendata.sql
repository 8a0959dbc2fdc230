-- Usage of the open datasets, per entry and day (China Standard Time).
CREATE TABLE opendata_stats (
	code TEXT NOT NULL,
	day TEXT NOT NULL,
	views BIGINT NOT NULL DEFAULT 0,
	downloads BIGINT NOT NULL DEFAULT 0,
	api_calls BIGINT NOT NULL DEFAULT 0,
	synthetic BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (code, day)
);
