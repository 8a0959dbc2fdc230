package org_test

// TEMPORARY (removed before handing back): renames the colliding index so the
// rest of the suite can be checked on PostgreSQL.

import (
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

func init() {
	m := fstest.MapFS{}
	fs.WalkDir(org.Migration.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(org.Migration.FS, p)
		s := strings.ReplaceAll(string(b), "INDEX departments_name_key ", "INDEX departments_by_name_key ")
		m[p] = &fstest.MapFile{Data: []byte(s)}
		return nil
	})
	migrations = []store.Migration{audit.Migration, {Domain: "org", FS: m}}
}
