// Package connector reads tables from the databases departments run:
// PostgreSQL, MySQL/MariaDB and SQLite. The catalog uses it to check a mount
// (挂接): that each information item maps to a live column of a compatible
// type. The exchange uses it to extract rows.
//
// Open a Source with a driver name and a DSN. Open pings the database, and its
// errors never show the password:
//
//	src, err := connector.Open(ctx, connector.Postgres, "postgres://reader:secret@10.0.0.5:5432/hr?search_path=public")
//	if err != nil {
//		return err
//	}
//	defer src.Close()
//
// DSNs come from outside too. Open rebuilds every DSN with NormalizeDSN from
// an allow-list of parameters per driver before a driver sees it, so that no
// DSN can make the connecting machine read its own files (MySQL's
// allowAllFiles, PostgreSQL's sslkey, passfile, service, ...); the refusal
// names the parameter. NormalizeSQLitePath gives the one path of a SQLite
// file that is both checked (InFolder) and opened. Hosts is the allow-list of
// hosts and networks a caller checks a DSN against before connecting.
//
// List the tables and views, and describe one. Each column gets a Type that
// means the same thing on every database, along with the type the database
// reports:
//
//	names, err := src.Tables(ctx) // sorted: ["人口信息", ...]
//	t, err := src.Table(ctx, "人口信息")
//	for _, c := range t.Columns {
//		fmt.Println(c.Name, c.Type, c.DBType, c.Length, c.Nullable, c.PrimaryKey)
//		// 身份证号 string character(18) 18 false true
//	}
//
// Stream rows in primary-key order, a batch at a time. Memory stays constant
// however large the table is:
//
//	n, err := src.Rows(ctx, "人口信息", []string{"身份证号", "姓名"}, 1000, func(batch [][]any) error {
//		for _, row := range batch {
//			id, name := row[0].(string), row[1].(string)
//			...
//		}
//		return nil
//	})
//
// Values arrive as plain Go values: string, int64, float64, bool, time.Time,
// []byte or nil. Decimals arrive as exact strings such as "1234.50". Rows
// documents the details and how tables without a primary key are read.
// Format writes them out by the column's type, as a data service's JSON
// and a download's CSV show them: a date as 2024-03-05, a date-time without
// a zone without one, an instant with its offset, a decimal with its scale:
//
//	formats, err := src.Formats(ctx, "人口信息", columns)
//	cell := formats[j].Text(row[j]) // or formats[j].JSON(row[j])
//
// ReadAfter reads one batch in a given column order, starting after the
// position a previous batch returned, so a reader that stops can resume;
// Max gives the highest value of a column as a position to start from:
//
//	rows, pos, err := src.ReadAfter(ctx, "人口信息", nil, []string{"updated_at", "身份证号"}, last, true, 1000)
//	if len(pos) > 0 {
//		last = pos[len(pos)-1] // where the next batch starts
//	}
//
// Table names come from outside: from a catalog mount or a user's form. So
// Table, Count, Rows, ReadAfter and Max accept only a name that Tables
// reports, exactly as it is spelt there, and quote every identifier they put
// into SQL. Any other name gives an error wrapping ErrNoTable. A name like `x"; DROP TABLE t; --` is
// refused before any SQL is built with it.
package connector
