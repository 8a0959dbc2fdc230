package bench

import (
	"context"
	"sync/atomic"
	"testing"
)

// BenchmarkService serves the benchmark query of "govshare bench service"
// on a small table, through /svc and through the bare handler, for
// profiling the governed path:
//
//	go test -run '^$' -bench Service -cpuprofile cpu.out -memprofile mem.out ./internal/bench
func BenchmarkService(b *testing.B) {
	ctx := context.Background()
	s, err := newServiceBench(ctx, ServiceOptions{Rows: 5000, Target: Target{Dir: b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	for _, side := range []struct {
		name string
		url  string
		sign bool
	}{{"bare", s.bareURL, false}, {"svc", s.fullURL, true}} {
		b.Run(side.name, func(b *testing.B) {
			reqs, err := s.requests(side.url, b.N, side.sign)
			if err != nil {
				b.Fatal(err)
			}
			var next, bad atomic.Int64
			b.SetParallelism(32)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !s.do(reqs[next.Add(1)-1]) {
						bad.Add(1)
					}
				}
			})
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
			if n := bad.Load(); n > 0 {
				b.Fatalf("%d of %d requests failed", n, b.N)
			}
		})
	}
}
