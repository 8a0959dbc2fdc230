package sharing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Paths by which data leaves the platform; every one goes through Check.
const (
	PathExchange = "exchange" // a table grant's channel delivering a batch
	PathService  = "service"  // a data-service call (/svc)
	PathDownload = "download" // a file download
	PathPreview  = "preview"  // the console's preview of granted data
)

// deliveryOf is the grant delivery each path needs; preview takes any.
var deliveryOf = map[string]string{PathExchange: DeliveryTable, PathService: DeliveryAPI, PathDownload: DeliveryFile}

// Access is one request for data.
type Access struct {
	Path       string
	Department int64       // the caller's department
	Actor      string      // who asks: a user name, an app key, a channel
	ClientAddr string      //
	Code       string      // the entry
	Items      []string    // items asked for by name; empty means every granted item
	Filters    []Condition // the request's own filters: each item must be granted too, and a masked one a lookup key (查询条件)
	GrantID    int64       // the grant a channel delivers under; 0 finds the caller's grant
	AppID      int64       // the calling app, for a data-service call
}

// Decision is what an allowed access may return.
type Decision struct {
	Grant   Grant
	Entry   catalog.Entry     // the version in force
	Items   []string          // the items to return, in the entry's order
	Masking map[string]string // item → masking rule to apply
	Filter  RowFilter         // only rows matching it
	HashKey []byte            // the consumer department's hash key: mask with mask.Masker{Key: HashKey}
}

// Masker masks values for the decision's consumer department.
func (d Decision) Masker() mask.Masker { return mask.Masker{Key: d.HashKey} }

// Check decides one data access: a grant of the caller's department for
// the entry, active and not expired, for this path; the entry still
// published and shareable and not on the negative list; the items asked
// for within the grant and not listed. It answers the items, masking and
// row filter to apply. A filter on a masked item must be a lookup (equality
// on one value of an item the grant names as a lookup key, 查询条件); each
// call with lookups counts against the daily quota and is audited. A
// refusal is audited and says why.
func (s *Service) Check(ctx context.Context, a Access) (Decision, error) {
	d, err := s.check(ctx, a)
	if err != nil && (errs.Is(err, errs.Forbidden) || errs.Is(err, errs.Invalid) || errs.Is(err, errs.RateLimited)) {
		target := "catalog:" + a.Code
		if a.GrantID != 0 {
			target = grantTarget(a.GrantID)
		}
		if rerr := s.audit.Record(ctx, audit.Entry{Actor: a.Actor, DepartmentID: a.Department, Action: "policy.deny", Target: target,
			Outcome: audit.Denied, ClientAddr: a.ClientAddr, Detail: audit.Keyed(auditRefused, sayAudit(a.Path), errs.TextOf(err))}); rerr != nil {
			return d, errors.Join(err, fmt.Errorf("audit denial: %w", rerr))
		}
	}
	return d, err
}

func (s *Service) check(ctx context.Context, a Access) (Decision, error) {
	var d Decision
	want, known := deliveryOf[a.Path]
	if !known && a.Path != PathPreview {
		return d, fmt.Errorf("policy: unknown access path %q", a.Path)
	}
	f, err := s.facts(ctx, a, want)
	if err != nil {
		return d, err
	}
	g, e, listed := f.grant, f.entry, f.listed
	switch {
	case g.ConsumerID != a.Department:
		return d, errs.New(errs.Forbidden, msgNotYours, g.ID)
	case g.State == GrantRevoked:
		return d, errs.New(errs.Forbidden, msgRevokedAt, g.ID, g.StoppedAt.In(lists.Beijing).Format("2006-01-02 15:04"), g.StopReason)
	case g.State != GrantActive || !g.ExpiresAt.After(s.now()):
		return d, errs.New(errs.Forbidden, msgExpiredAt, g.ID, g.ExpiresAt.In(lists.Beijing).Format("2006-01-02 15:04"))
	case g.EntryCode != a.Code:
		return d, errs.New(errs.Forbidden, msgOtherEntry, g.ID, g.EntryCode, a.Code)
	case a.AppID != 0 && g.AppID != 0 && g.AppID != a.AppID:
		return d, errs.New(errs.Forbidden, msgOtherApp, g.ID)
	case known && g.Delivery != want:
		return d, errs.New(errs.Forbidden, msgOtherDelivery, g.ID, say(g.Delivery), say(want))
	case !f.published:
		return d, errs.New(errs.Forbidden, msgNoLongerPublished, a.Code)
	case !f.refusal.IsZero():
		return d, errs.New(errs.Forbidden, msgWhy, f.refusal)
	}
	filtered := make([]string, len(a.Filters))
	for i, c := range a.Filters {
		filtered[i] = c.Item
	}
	for _, id := range slices.Concat(a.Items, filtered) {
		if !slices.Contains(g.Items, id) {
			return d, errs.New(errs.Forbidden, msgItemNotGranted, id, g.ID)
		}
		if b, ok := listed[id]; ok {
			return d, errs.New(errs.Forbidden, msgItemNegative, id, b)
		}
	}
	masking := map[string]string{}
	for _, id := range filtered {
		if it, ok := item(e, id); ok {
			masking[id] = stricter(g.Masking[id], it.Masking)
		}
	}
	lookups, err := checkConditions(a.Filters, masking, g.Lookup)
	if err != nil {
		return d, err
	}
	d = Decision{Grant: g, Entry: e, Masking: map[string]string{}, Filter: g.Filter}
	for _, it := range e.Items {
		id := it.Identifier
		asked := len(a.Items) == 0 || slices.Contains(a.Items, id)
		_, neg := listed[id]
		if !asked || neg || it.ShareType == catalog.ShareNone || !slices.Contains(g.Items, id) {
			continue
		}
		d.Items = append(d.Items, id)
		d.Masking[id] = stricter(g.Masking[id], it.Masking)
	}
	if len(d.Items) == 0 {
		return d, errs.New(errs.Forbidden, msgNothingShared, g.ID)
	}
	if d.HashKey, err = s.HashKey(ctx, g.ConsumerID); err != nil {
		return d, err
	}
	if len(lookups) > 0 {
		if err := s.countLookup(ctx, a, g, lookups); err != nil {
			return d, err
		}
	}
	return d, nil
}

// factsTTL bounds how long a check may rely on what it read: a change made
// on another replica (or in the catalog or the negative list) takes effect
// within it. Grant changes made here take effect at once.
const factsTTL = 500 * time.Millisecond

// facts are what a check reads from the database.
type facts struct {
	grant     Grant
	entry     catalog.Entry // the version in force
	published bool
	refusal   errs.Text         // why the entry may not be shared at all
	listed    map[string]string // negative-listed items → basis
	read      time.Time
}

type factCache struct {
	mu      sync.Mutex
	m       map[factKey]facts
	loading map[factKey]*factLoad
	gen     uint64 // counts forget calls
}

type factKey struct {
	delivery   string
	department int64
	code       string
	grant      int64
}

// factLoad is a read of facts in progress; checks that miss the cache
// while it runs wait for it rather than read the same rows again.
type factLoad struct {
	gen  uint64 // of the cache when the read began
	done chan struct{}
	f    facts
	err  error
}

// forget drops every cached fact, after a grant changed; a read begun
// before is not cached, nor shared with checks that begin after.
func (c *factCache) forget() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

func (s *Service) facts(ctx context.Context, a Access, delivery string) (facts, error) {
	key := factKey{delivery, a.Department, a.Code, a.GrantID}
	c := &s.cache
	c.mu.Lock()
	f, ok := c.m[key]
	if ok && time.Since(f.read) < factsTTL {
		c.mu.Unlock()
		return f, nil
	}
	if l := c.loading[key]; l != nil && l.gen == c.gen {
		c.mu.Unlock()
		select {
		case <-l.done:
			if l.err == nil {
				return l.f, nil
			}
			// A failed read is not shared: its context may have ended.
		case <-ctx.Done():
			return f, ctx.Err()
		}
		return s.readFacts(ctx, a, delivery)
	}
	if c.loading == nil {
		c.loading = map[factKey]*factLoad{}
	}
	l := &factLoad{gen: c.gen, done: make(chan struct{})}
	c.loading[key] = l
	c.mu.Unlock()

	l.f, l.err = s.readFacts(ctx, a, delivery)
	c.mu.Lock()
	if c.loading[key] == l {
		delete(c.loading, key)
	}
	if l.err == nil && l.gen == c.gen {
		if len(c.m) >= 10000 {
			clear(c.m)
		}
		c.m[key] = l.f
	}
	c.mu.Unlock()
	close(l.done)
	return l.f, l.err
}

// readFacts reads what a check needs from the database.
func (s *Service) readFacts(ctx context.Context, a Access, delivery string) (facts, error) {
	g, err := s.findGrant(ctx, a, delivery)
	if err != nil {
		return facts{}, err
	}
	f := facts{grant: g, read: time.Now()}
	f.entry, err = s.cat.Get(ctx, org.System, a.Code, false)
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return f, err
	default:
		f.published = f.entry.Status == catalog.StatusPublished
	}
	if f.published {
		if f.refusal, err = s.refusal(ctx, f.entry, nil); err != nil {
			return f, err
		}
		if f.listed, err = s.lists.Items(ctx, a.Code); err != nil {
			return f, err
		}
	}
	return f, nil
}

// stricter returns the granted rule unless the catalog's default has since
// become stricter.
func stricter(granted, def string) string {
	if mask.AtLeast(def, granted) != nil {
		return def
	}
	return granted
}

func (s *Service) findGrant(ctx context.Context, a Access, delivery string) (Grant, error) {
	if a.GrantID != 0 {
		g, err := s.scanGrant(s.db.QueryRow(ctx, selectGrant+" WHERE g.id = ?", a.GrantID))
		if errors.Is(err, sql.ErrNoRows) {
			return g, errs.New(errs.Forbidden, msgNoSuchGrant, a.GrantID)
		}
		return g, err
	}
	q := selectGrant + " WHERE g.consumer_id = ? AND g.entry_code = ?"
	args := []any{a.Department, a.Code}
	if delivery != "" {
		q, args = q+" AND g.delivery = ?", append(args, delivery)
	}
	// The active grant lasting longest; else the latest, to say why it ended.
	g, err := s.scanGrant(s.db.QueryRow(ctx, q+" ORDER BY CASE WHEN g.state = ? AND g.expires_at > ? THEN 0 ELSE 1 END, g.expires_at DESC, g.id DESC LIMIT 1",
		append(args, GrantActive, store.FormatTime(s.now()))...))
	if errors.Is(err, sql.ErrNoRows) {
		if delivery != "" {
			return g, errs.New(errs.Forbidden, msgNoGrantBy, a.Code, say(delivery))
		}
		return g, errs.New(errs.Forbidden, msgNoGrant, a.Code)
	}
	return g, err
}
