package catalog

import (
	"context"
)

// TableMount returns the healthy table mount of an entry on a department's
// platform-registered datasource (by name) and table, with ok false when no
// entry is mounted there. The exchange uses it to check a channel's rows
// against the entry's information items; it is not for people.
func (s *Service) TableMount(ctx context.Context, dept int64, datasource, table string) (m Mount, ok bool, err error) {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT m.code FROM catalog_mounts m JOIN catalog_datasources d ON d.id = m.datasource_id
		WHERE m.kind = ? AND d.department_id = ? AND d.name = ? AND m.target = ? AND m.ok = ? ORDER BY m.code`, MountTable, dept, datasource, table, true)
	if err != nil {
		return Mount{}, false, err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return Mount{}, false, err
		}
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Mount{}, false, err
	}
	for _, code := range codes {
		ms, err := s.loadMounts(ctx, code)
		if err != nil {
			return Mount{}, false, err
		}
		for _, m := range ms {
			if m.Kind == MountTable && m.OK && m.DatasourceName == datasource && m.Table == table {
				return m, true, nil
			}
		}
	}
	return Mount{}, false, nil
}
