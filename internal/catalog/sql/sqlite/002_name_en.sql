-- An entry's optional English name (英文名称), listed and searched beside its Chinese one.
ALTER TABLE catalog_entries ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
