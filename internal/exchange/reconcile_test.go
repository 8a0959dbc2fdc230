package exchange

import (
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// TestReconcileNotes explains deliveries (交换条次) against the row counts
// from the counters alone.
func TestReconcileNotes(t *testing.T) {
	filter := &Shape{Columns: []string{"id"}, Filter: []RowCondition{{Column: "region", Op: "prefix", Values: []string{"430211"}}}}
	for _, tt := range []struct {
		name  string
		r     Reconcile
		shape *Shape
		where *errs.Msg
		match bool
		want  []string // in the English notes, in order
	}{
		{"every delivery a row", Reconcile{Deliveries: 300, Rows: 300, TargetRows: 300}, nil, nil, true, []string{"match the rows"}},
		{"updates delivered again", Reconcile{Deliveries: 320, Rows: 320, TargetRows: 300}, nil, nil, false, []string{"20 deliveries brought a row again"}},
		{"deletes", Reconcile{Deliveries: 310, Rows: 300, Deletes: 10, TargetRows: 290}, nil, nil, false, []string{"10 deliveries are deletes"}},
		{"rows written otherwise", Reconcile{Deliveries: 10, Rows: 10, TargetRows: 15}, nil, nil, false, []string{"5 rows more"}},
		{"quarantined and filtered", Reconcile{Deliveries: 296, Rows: 296, Quarantined: 4, TargetRows: 296}, filter, nil, true,
			[]string{"match", "4 rows failed validation", "row filter (region prefix 430211)"}},
		{"refused batches", Reconcile{Deliveries: 5, Rows: 5, Refused: 2, TargetRows: 5}, nil, nil, true, []string{"2 batches arrived damaged"}},
		{"on a node", Reconcile{Deliveries: 5, Rows: 5, TargetRows: -1}, nil, noteOnNode, false, []string{"front-end node"}},
		{"into the licence library", Reconcile{Deliveries: 5, Rows: 5, TargetRows: -1}, nil, noteInStore, false, []string{"licence library"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.explain(tt.shape, "en", tt.where)
			all := strings.Join(r.Notes, " | ")
			at := 0
			for _, w := range tt.want {
				i := strings.Index(all[at:], w)
				if i < 0 {
					t.Fatalf("notes %q lack %q (in order)", all, w)
				}
				at += i
			}
			if r.Match != tt.match {
				t.Errorf("match = %v, want %v (%s)", r.Match, tt.match, all)
			}
			if !strings.Contains(all, "written once and counted once") {
				t.Errorf("notes do not say that repeated batches are counted once: %s", all)
			}
			r.explain(tt.shape, "zh-CN", tt.where)
			if strings.Contains(strings.Join(r.Notes, ""), "deliver") {
				t.Errorf("Chinese notes in English: %v", r.Notes)
			}
		})
	}
}

// TestPassEstimate estimates a full pass's rate and time left from what
// the leader saw of it, and says when it cannot yet.
func TestPassEstimate(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	m := &Manager{now: func() time.Time { return now }}
	pr := &Progress{Total: 10000, Done: 0}
	m.estimate("c", pr)
	if !pr.Estimating {
		t.Errorf("an unseen pass: %+v, want estimating", pr)
	}
	m.markPass("c", true, 10000, 1000)
	now = now.Add(10 * time.Second)
	m.markPass("c", true, 10000, 3000) // the same pass: the mark stays
	pr = &Progress{Total: 10000, Done: 3000}
	m.estimate("c", pr)
	if pr.Estimating || pr.RatePerSecond != 200 || pr.SecondsLeft != 35 {
		t.Errorf("after 2000 rows in 10 s: %+v, want 200 rows/s and 35 s left", pr)
	}
	pr = &Progress{Total: -1, Done: 3000}
	m.estimate("c", pr)
	if !pr.Estimating || pr.RatePerSecond != 200 {
		t.Errorf("without a total: %+v, want a rate and estimating", pr)
	}
	m.markPass("c", true, 20000, 0) // a new pass
	pr = &Progress{Total: 20000, Done: 0}
	m.estimate("c", pr)
	if !pr.Estimating {
		t.Errorf("a new pass: %+v, want estimating", pr)
	}
	m.markPass("c", false, -1, 0)
	if _, ok := m.passes.Load("c"); ok {
		t.Errorf("the mark outlives the pass")
	}
	if got := FormatRate(12345.4); got != "12345" {
		t.Errorf("FormatRate = %s", got)
	}
	if got := FormatRate(3.21); got != "3.2" {
		t.Errorf("FormatRate = %s", got)
	}
}
