-- Usage of the open datasets, per entry and day (China Standard Time).
CREATE TABLE opendata_stats (
	code TEXT NOT NULL,
	day TEXT NOT NULL,
	views INTEGER NOT NULL DEFAULT 0,
	downloads INTEGER NOT NULL DEFAULT 0,
	api_calls INTEGER NOT NULL DEFAULT 0,
	synthetic INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (code, day)
);
