package opendata_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// issued records the users whose keys the domain asked for.
type issued struct {
	mu    sync.Mutex
	users []int64
}

func (k *issued) IssuePublicKey(ctx context.Context, user int64) error {
	k.mu.Lock()
	k.users = append(k.users, user)
	k.mu.Unlock()
	return nil
}

func TestNormalizeAddress(t *testing.T) {
	for _, c := range []struct{ in, addr, channel string }{
		{"Someone@Example.COM", "Someone@example.com", opendata.ChannelEmail},
		{" 13912345678 ", "13912345678", opendata.ChannelSMS},
		{"+86 139-1234-5678", "13912345678", opendata.ChannelSMS},
		{"12912345678", "", ""},
		{"1391234567", "", ""},
		{"a@b", "", ""},
		{"Name <a@example.com>", "", ""},
		{"", "", ""},
	} {
		addr, ch, err := opendata.NormalizeAddress(c.in)
		if addr != c.addr || ch != c.channel || (c.addr == "") != (err != nil) {
			t.Errorf("NormalizeAddress(%q) = %q, %q, %v; want %q, %q", c.in, addr, ch, err, c.addr, c.channel)
		}
	}
}

func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{"a@example.com", "13912345678", "+8613912345678", "@", "\x00@x.y", "１３９１２３４５６７８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, ch, err := opendata.NormalizeAddress(s)
		if err != nil {
			return
		}
		again, ch2, err := opendata.NormalizeAddress(addr)
		if err != nil || again != addr || ch2 != ch {
			t.Fatalf("NormalizeAddress(%q) = %q, not stable: %q %v", s, addr, again, err)
		}
	})
}

// TestPublicUsers registers a public user by a code sent through the
// sender, logs them in again, refuses wrong, reused and expired codes
// alike, limits codes per address and per client, and keeps staff
// sessions apart.
func TestPublicUsers(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.ctx
		out := &opendata.Outbox{}
		w.od.Sender = out
		const addr = "someone@example.com"
		if err := w.od.RequestCode(ctx, addr, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		m, ok := out.Last(addr)
		if !ok || len(m.Code) != 6 || m.Channel != opendata.ChannelEmail {
			t.Fatalf("message %+v, %v", m, ok)
		}
		var stored int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM opendata_codes WHERE hash = ?", m.Code).Scan(&stored); err != nil || stored != 0 {
			t.Errorf("the code is stored as it is (%d, %v)", stored, err)
		}
		wrong := fmt.Sprintf("%06d", (atoi(m.Code)+1)%1000000)
		if _, err := w.od.Verify(ctx, addr, wrong, "", "192.0.2.1"); !errs.Is(err, errs.Invalid) {
			t.Errorf("wrong code: %v", err)
		}
		s, err := w.od.Verify(ctx, addr, m.Code, "张三", "192.0.2.1")
		if err != nil || !s.Created || s.User.Name != "张三" || s.Token == "" {
			t.Fatalf("register: %+v, %v", s, err)
		}
		if _, err := w.od.Verify(ctx, addr, m.Code, "", "192.0.2.1"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a code used twice: %v", err)
		}
		u, err := w.od.Authenticate(ctx, s.Token)
		if err != nil || u.ID != s.User.ID {
			t.Fatalf("authenticate: %+v, %v", u, err)
		}
		// A staff session is no public session.
		staff, _, err := w.org.Login(ctx, "scj.approver", demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.od.Authenticate(ctx, staff.Token); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("a staff token authenticates a public user: %v", err)
		}
		// Again within the minute: refused, for a registered address and
		// for a new one alike after the first.
		if err := w.od.RequestCode(ctx, addr, "192.0.2.1"); !errs.Is(err, errs.RateLimited) {
			t.Errorf("second code within a minute: %v", err)
		}
		// A registered address and an unknown one get the same answers.
		w.clock(t, 2*opendata.ResendAfter)
		for _, a := range []string{addr, "nobody@example.com"} {
			if err := w.od.RequestCode(ctx, a, "192.0.2.2"); err != nil {
				t.Errorf("code for %s: %v", a, err)
			}
			if _, err := w.od.Verify(ctx, a, "000000x", "", "192.0.2.2"); !errs.Is(err, errs.Invalid) || errs.TextOf(err).In("en") != errs.TextOf(mustVerifyErr(t, w, "never@example.com")).In("en") {
				t.Errorf("%s: wrong code answers %v", a, err)
			}
		}
		// The second login finds the account.
		m, _ = out.Last(addr)
		s2, err := w.od.Verify(ctx, addr, m.Code, "", "192.0.2.2")
		if err != nil || s2.Created || s2.User.ID != s.User.ID {
			t.Errorf("login: %+v, %v", s2, err)
		}
		// Five wrong guesses void a code.
		w.clock(t, 2*opendata.ResendAfter)
		if err := w.od.RequestCode(ctx, addr, "192.0.2.3"); err != nil {
			t.Fatal(err)
		}
		m, _ = out.Last(addr)
		for range opendata.CodeAttempts {
			w.od.Verify(ctx, addr, fmt.Sprintf("%06d", (atoi(m.Code)+7)%1000000), "", "192.0.2.3")
		}
		if _, err := w.od.Verify(ctx, addr, m.Code, "", "192.0.2.3"); !errs.Is(err, errs.Invalid) {
			t.Errorf("the right code after %d wrong ones: %v", opendata.CodeAttempts, err)
		}
		// Expired.
		w.clock(t, 2*opendata.ResendAfter)
		if err := w.od.RequestCode(ctx, addr, "192.0.2.4"); err != nil {
			t.Fatal(err)
		}
		m, _ = out.Last(addr)
		w.clock(t, opendata.CodeTTL+1)
		if _, err := w.od.Verify(ctx, addr, m.Code, "", "192.0.2.4"); !errs.Is(err, errs.Invalid) {
			t.Errorf("an expired code: %v", err)
		}
		// An address gets SendsPerHour codes an hour.
		for i := range opendata.SendsPerHour + 1 {
			w.clock(t, opendata.ResendAfter+1)
			err := w.od.RequestCode(ctx, "13912345678", fmt.Sprintf("198.51.100.%d", i))
			if i < opendata.SendsPerHour && err != nil || i == opendata.SendsPerHour && !errs.Is(err, errs.RateLimited) {
				t.Errorf("code %d to one address: %v", i+1, err)
			}
		}
		// One client gets a few codes, whatever the addresses.
		var limited bool
		for i := range 40 {
			if err := w.od.RequestCode(ctx, fmt.Sprintf("user%d@example.com", i), "203.0.113.9"); errs.Is(err, errs.RateLimited) {
				limited = true
				break
			}
		}
		if !limited {
			t.Error("one client asked codes for 40 addresses unhindered")
		}
		if err := w.od.Logout(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := w.od.Authenticate(ctx, s.Token); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("after logout: %v", err)
		}
	})
}

func mustVerifyErr(t *testing.T, w *world, addr string) error {
	t.Helper()
	_, err := w.od.Verify(w.ctx, addr, "123456", "", "192.0.2.200")
	if err == nil {
		t.Fatal("a code with none sent verified")
	}
	return err
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestPublicApplications: a public user applies for the conditionally
// open entry with a purpose; only an approver of the providing department
// decides (the three officers, another department and the provider's
// cataloger are refused); approval issues the key; the policy serves the
// approved user the open items, masked, and nobody else anything.
func TestPublicApplications(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.ctx
		keys := &issued{}
		w.od.Keys = keys
		cond := w.code(t, "特种设备")
		open := w.code(t, "公共停车场")
		u, err := w.od.RegisterUser(ctx, "13800000001", "")
		if err != nil {
			t.Fatal(err)
		}
		other, err := w.od.RegisterUser(ctx, "13800000002", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.od.Apply(ctx, u, open, "用于交通研究的停车场统计分析", ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("an application for an open entry: %v", err)
		}
		if _, err := w.od.Apply(ctx, u, cond, "短", ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("a short purpose: %v", err)
		}
		a, err := w.od.Apply(ctx, u, cond, "用于电梯安全社会监督研究的统计分析", "192.0.2.1")
		if err != nil || a.State != opendata.AppPending {
			t.Fatalf("apply: %+v, %v", a, err)
		}
		if _, err := w.od.Apply(ctx, u, cond, "用于电梯安全社会监督研究的统计分析", ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second application: %v", err)
		}
		// Nothing is served before approval.
		if _, err := w.od.DecidePublic(ctx, u.ID, cond, nil, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a pending application serves: %v", err)
		}
		for _, name := range []string{org.AdminUsername, "secadmin", "auditor", "scj.cataloger", "scj.consumer", "gaj.approver", "xzsp.approver"} {
			p := w.user(t, name)
			if _, err := w.od.Decide(ctx, p, a.ID, true, ""); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
				t.Errorf("%s decides: %v", name, err)
			}
			if _, err := w.od.Applications(ctx, p, ""); !errs.Is(err, errs.Forbidden) && name != "gaj.approver" && name != "xzsp.approver" {
				t.Errorf("%s lists scj's public applications: %v", name, err)
			}
		}
		approver := w.user(t, "scj.approver")
		list, err := w.od.Applications(ctx, approver, opendata.AppPending)
		if err != nil || !slices.ContainsFunc(list, func(x opendata.Application) bool { return x.ID == a.ID }) {
			t.Fatalf("scj's pending: %+v, %v", list, err)
		}
		if _, err := w.od.Decide(ctx, approver, a.ID, false, ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("a rejection without reason: %v", err)
		}
		if a, err = w.od.Decide(ctx, approver, a.ID, true, ""); err != nil || a.State != opendata.AppApproved || a.DecidedBy != "scj.approver" {
			t.Fatalf("approve: %+v, %v", a, err)
		}
		if !slices.Contains(keys.users, u.ID) {
			t.Errorf("no key issued for %d: %v", u.ID, keys.users)
		}
		if _, err := w.od.Decide(ctx, approver, a.ID, false, "再审"); !errs.Is(err, errs.Conflict) {
			t.Errorf("a decided application decided again: %v", err)
		}
		d, err := w.od.DecidePublic(ctx, u.ID, cond, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(d.Items, "safety_officer") || d.Masking["safety_officer"] != mask.Name {
			t.Errorf("decision %v %v: the officer's name unmasked", d.Items, d.Masking)
		}
		if _, err := w.od.DecidePublic(ctx, u.ID, cond, nil, []string{"safety_officer"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a filter on a masked item: %v", err)
		}
		if _, err := w.od.DecidePublic(ctx, u.ID, cond, []string{"nope"}, nil); !errs.Is(err, errs.Invalid) {
			t.Errorf("an item not open: %v", err)
		}
		for _, c := range []struct {
			user int64
			code string
		}{{other.ID, cond}, {u.ID, open}, {u.ID, "no-such"}} {
			if _, err := w.od.DecidePublic(ctx, c.user, c.code, nil, nil); !errs.Is(err, errs.Forbidden) {
				t.Errorf("user %d, %s: %v", c.user, c.code, err)
			}
		}
		mine, err := w.od.MyApplications(ctx, u)
		if err != nil || len(mine) != 1 || mine[0].State != opendata.AppApproved {
			t.Errorf("mine: %+v, %v", mine, err)
		}
		// Rejection with a reason; the user may apply again.
		b, err := w.od.Apply(ctx, other, cond, "用于课程作业中的数据可视化练习", "")
		if err != nil {
			t.Fatal(err)
		}
		if b, err = w.od.Decide(ctx, approver, b.ID, false, "用途与开放条件不符"); err != nil || b.State != opendata.AppRejected {
			t.Fatalf("reject: %+v, %v", b, err)
		}
		if _, err := w.od.DecidePublic(ctx, other.ID, cond, nil, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a rejected application serves: %v", err)
		}
		// Withdrawing an approval stops the key at the next call; only the
		// providing department's approver withdraws, with a reason.
		for _, name := range []string{org.AdminUsername, "secadmin", "auditor", "scj.consumer", "gaj.approver"} {
			if _, err := w.od.Revoke(ctx, w.user(t, name), a.ID, "滥用"); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
				t.Errorf("%s withdraws: %v", name, err)
			}
		}
		if _, err := w.od.Revoke(ctx, approver, a.ID, " "); !errs.Is(err, errs.Invalid) {
			t.Errorf("a withdrawal without reason: %v", err)
		}
		if _, err := w.od.Revoke(ctx, approver, b.ID, "未通过的申请"); !errs.Is(err, errs.Conflict) {
			t.Errorf("a rejected application withdrawn: %v", err)
		}
		if a, err = w.od.Revoke(ctx, approver, a.ID, "超出申请用途使用"); err != nil || a.State != opendata.AppRevoked {
			t.Fatalf("withdraw: %+v, %v", a, err)
		}
		if _, err := w.od.DecidePublic(ctx, u.ID, cond, nil, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a withdrawn application serves: %v", err)
		}
		if _, err := w.od.Apply(ctx, u, cond, "用于电梯安全社会监督研究的统计分析（重新申请）", ""); err != nil {
			t.Errorf("applying again after a withdrawal: %v", err)
		}
	})
}

// clock moves the service's clock by d.
func (w *world) clock(t *testing.T, d time.Duration) {
	t.Helper()
	w.at = w.at.Add(d)
	at := w.at
	w.od.SetClock(func() time.Time { return at })
}

func (w *world) user(t *testing.T, name string) org.Principal {
	t.Helper()
	_, p, err := w.org.Login(w.ctx, name, demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return p
}
