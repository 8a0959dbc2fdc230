package notice_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo/demotest"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/notice"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, notice.Migration}

// failingSender is an SMS gateway that is down.
type failingSender struct{}

func (failingSender) Send(context.Context, notice.Recipient, string, string) error {
	return errors.New("gateway unreachable")
}

type world struct {
	*demotest.City
	notices *notice.Service
	watch   *notice.Sharing
	logged  *bytes.Buffer
}

func newWorld(t *testing.T, db *store.DB) *world {
	w := &world{City: demotest.New(t, db), logged: &bytes.Buffer{}}
	w.notices = notice.NewService(db)
	w.notices.SetClock(func() time.Time { return w.Now }) // the sharing service's clock
	w.notices.Sender = notice.LogSender{Log: slog.New(slog.NewTextHandler(w.logged, nil))}
	w.watch = &notice.Sharing{Notices: w.notices, Sharing: w.Sharing}
	w.Sharing.Watchers = append(w.Sharing.Watchers, w.watch)
	return w
}

// texts lists a user's notices in lang, newest first.
func (w *world) texts(user, lang string) []string {
	w.T.Helper()
	ns, _, err := w.notices.List(w.Ctx, w.User(user), notice.Filter{PageSize: 100})
	if err != nil {
		w.T.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Text.In(lang))
	}
	return out
}

func (w *world) unread(user string) int {
	w.T.Helper()
	n, err := w.notices.Unread(w.Ctx, w.User(user))
	if err != nil {
		w.T.Fatal(err)
	}
	return n
}

func (w *world) apply() sharing.Application {
	w.T.Helper()
	a, err := w.Sharing.Apply(w.Ctx, w.User("rsj.consumer"), sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: []string{"name"},
		Purpose: "核验参保人员身份", Basis: "《社会保险法》第五十七条（测试）", Scenario: "社保参保登记", Delivery: sharing.DeliveryFile})
	if err != nil {
		w.T.Fatalf("apply: %v", err)
	}
	return a
}

// An application's moves reach the applicant and the next approvers, in
// either language; nobody is told of their own step, and the officers
// hear nothing.
func TestApplicationMoves(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		a := w.apply()
		if got := w.texts("gaj.approver", "zh-CN"); len(got) != 1 || !strings.Contains(got[0], "待您审批") || !strings.Contains(got[0], "人力资源和社会保障局") {
			t.Fatalf("the provider's approver got %q; want one notice that the application awaits them", got)
		}
		if got := w.texts("gaj.approver", "en"); !strings.Contains(got[0], "awaits your approval, due "+a.StageDue) {
			t.Errorf("in English: %q", got)
		}
		if got := w.texts("rsj.consumer", "zh-CN"); len(got) != 0 {
			t.Errorf("the applicant was told of their own step: %q", got)
		}
		if got := w.texts("xzsp.approver", "zh-CN"); len(got) != 0 {
			t.Errorf("the authority was told before its step: %q", got)
		}

		if _, err := w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, nil, "同意"); err != nil {
			t.Fatal(err)
		}
		if got := w.texts("rsj.consumer", "zh-CN"); len(got) != 1 || !strings.Contains(got[0], "转数据主管部门审批") {
			t.Errorf("applicant after the provider's approval: %q", got)
		}
		if got := w.texts("xzsp.approver", "zh-CN"); len(got) != 1 || !strings.Contains(got[0], "待您审批") {
			t.Errorf("the authority's approver: %q", got)
		}
		if got := w.texts("gaj.approver", "zh-CN"); len(got) != 1 {
			t.Errorf("the provider's approver was told of their own approval: %q", got)
		}
		if _, err := w.Sharing.Return(ctx, w.User("xzsp.approver"), a.ID, "依据不足"); err != nil {
			t.Fatal(err)
		}
		got := w.texts("rsj.consumer", "zh-CN")
		if len(got) != 2 || !strings.Contains(got[0], "退回：依据不足") {
			t.Errorf("applicant after the return: %q", got)
		}

		// A withdrawal tells the approvers who had it waiting.
		b := w.apply()
		before := len(w.texts("gaj.approver", "zh-CN"))
		if _, err := w.Sharing.Withdraw(ctx, w.User("rsj.consumer"), b.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got := w.texts("gaj.approver", "en"); len(got) != before+1 || !strings.Contains(got[0], "was withdrawn: no reason given") {
			t.Errorf("the provider's approver after the withdrawal: %q", got)
		}

		// Every notice links to its application; the sender (the log) had them.
		ns, _, err := w.notices.List(ctx, w.User("rsj.consumer"), notice.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Link != "/sharing/applications/"+itoa(a.ID) || n.Record != "application:"+itoa(a.ID) || n.SentAt.IsZero() || n.SendError {
				t.Errorf("notice %+v: want a link to application %d, sent", n, a.ID)
			}
		}
		if !strings.Contains(w.logged.String(), "user=rsj.consumer") || !strings.Contains(w.logged.String(), "依据不足") {
			t.Errorf("the log sender logged %q", w.logged)
		}

		// The three officers: nothing, even when named.
		for _, u := range []string{"admin", "secadmin", "auditor"} {
			p := w.User(u)
			m, _ := errs.Lookup("notice.no_reason")
			made, err := w.notices.Notify(ctx, notice.Message{Text: m.With()}, []int64{p.UserID})
			if err != nil || len(made) != 0 {
				t.Errorf("notify %s: %d made, %v; want none", u, len(made), err)
			}
			if n := w.unread(u); n != 0 {
				t.Errorf("%s has %d notices; want none", u, n)
			}
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// A step nearing its limit reminds its approvers once, and once more when
// it is overdue; checks after that send nothing.
func TestReminders(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		w.Now = time.Date(2026, 12, 7, 10, 0, 0, 0, lists.Beijing) // a Monday
		a := w.apply()
		if a.StageDue != "2026-12-14" {
			t.Fatalf("due %s, want 2026-12-14 (five working days)", a.StageDue)
		}
		check := func(at time.Time, want int) {
			t.Helper()
			w.Now = at
			for i, want := range []int{want, 0} { // the second check sends nothing again
				if got, err := w.watch.Check(ctx); err != nil || got != want {
					t.Fatalf("check %d at %s: %d notices, %v; want %d", i+1, at.Format(time.DateTime), got, err, want)
				}
			}
		}
		check(time.Date(2026, 12, 10, 18, 0, 0, 0, lists.Beijing), 0) // Thursday: two working days left
		check(time.Date(2026, 12, 11, 9, 0, 0, 0, lists.Beijing), 1)  // Friday: the last working day before the due day
		check(time.Date(2026, 12, 14, 9, 0, 0, 0, lists.Beijing), 0)  // the due day itself: told already
		check(time.Date(2026, 12, 15, 9, 0, 0, 0, lists.Beijing), 1)  // overdue
		got := w.texts("gaj.approver", "zh-CN")
		if len(got) != 3 || !strings.Contains(got[0], "已超过审批时限 2026-12-14") || !strings.Contains(got[1], "即将到期") {
			t.Errorf("the approver's notices: %q", got)
		}
		// The next step has its own limit and its own reminders.
		if _, err := w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, nil, ""); err != nil {
			t.Fatal(err)
		}
		check(time.Date(2026, 12, 30, 9, 0, 0, 0, lists.Beijing), 1)
		if got := w.texts("xzsp.approver", "en"); len(got) != 2 || !strings.Contains(got[0], "is past its time limit") {
			t.Errorf("the authority's approver: %q", got)
		}
		// A restart (a new service on the same database) sends nothing again.
		again := &notice.Sharing{Notices: notice.NewService(db), Sharing: w.Sharing}
		if n, err := again.Check(ctx); err != nil || n != 0 {
			t.Errorf("check after a restart: %d, %v; want none", n, err)
		}
	})
}

// Each user reads and marks only their own notices; a sender that fails
// leaves the notice in the console with the failure recorded.
func TestReadAndSend(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		w.notices.Sender = failingSender{}
		w.apply()
		w.apply()
		gaj, rsj := w.User("gaj.approver"), w.User("rsj.consumer")
		ns, total, err := w.notices.List(ctx, gaj, notice.Filter{Unread: true, PageSize: 1})
		if err != nil || total != 2 || len(ns) != 1 {
			t.Fatalf("unread page: %d of %d, %v; want 1 of 2", len(ns), total, err)
		}
		if !ns[0].SendError || !ns[0].SentAt.IsZero() {
			t.Errorf("a failed delivery: %+v; want it recorded", ns[0])
		}
		if _, err := w.notices.MarkRead(ctx, rsj, ns[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another's notice marked read: %v; want not found", err)
		}
		n, err := w.notices.MarkRead(ctx, gaj, ns[0].ID)
		if err != nil || !n.Read() {
			t.Fatalf("mark read: %+v, %v", n, err)
		}
		if got := w.unread("gaj.approver"); got != 1 {
			t.Errorf("unread %d, want 1", got)
		}
		if n, err := w.notices.MarkAllRead(ctx, gaj); err != nil || n != 1 {
			t.Errorf("mark all read: %d, %v; want 1", n, err)
		}
		if got := w.unread("gaj.approver"); got != 0 {
			t.Errorf("unread %d, want 0", got)
		}
		if ns, total, _ := w.notices.List(ctx, rsj, notice.Filter{}); total != 0 || len(ns) != 0 {
			t.Errorf("the applicant sees %d notices; want none of the approver's", total)
		}
	})
}

func TestParseSender(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		wantNil bool
		wantErr bool
	}{{"log", false, false}, {"none", true, false}, {"smtp://mail:25", true, true}, {"", true, true}} {
		s, err := notice.ParseSender(tc.spec, slog.Default())
		if (err != nil) != tc.wantErr || (s == nil) != tc.wantNil {
			t.Errorf("ParseSender(%q) = %v, %v", tc.spec, s, err)
		}
	}
}
