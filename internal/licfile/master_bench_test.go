package licfile_test

import (
	"context"
	"testing"

	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/store/storetest"
)

// BenchmarkMaster renders and seals one licence file:
//
//	go test -run '^$' -bench Master -cpuprofile cpu.out ./internal/licfile
func BenchmarkMaster(b *testing.B) {
	db := storetest.Open(b, b.TempDir()+"/b.db", migrations())
	p := newPlatform(b, db, "gov.example.cn/ledger")
	ctx := context.Background()
	doc := sampleDoc()
	if _, err := p.files.Master(ctx, doc, licfile.Layout{}, 7, "x"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.files.Master(ctx, doc, licfile.Layout{Title: "中华人民共和国不动产权证书"}, 7, "https://gov.example.cn/v/1"); err != nil {
			b.Fatal(err)
		}
	}
}
