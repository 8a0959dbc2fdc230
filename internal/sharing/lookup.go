package sharing

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/store"
)

// DefaultLookupQuota is how many lookups on masked items (查询条件) one app,
// or one console user, may make a day when Service.LookupQuota is zero.
const DefaultLookupQuota = 1000

var (
	msgFilterMasked = errs.Define("sharing.filter.masked",
		"item %s is masked (rule %s): filtering on it would reveal its values; only an item the grant names as a lookup key (查询条件) may be filtered, by equality on one value",
		"信息项 %s 已脱敏（规则 %s）：按其筛选会泄露取值；只有授权列为查询条件的信息项才能筛选，且只能按单个值精确匹配")
	msgLookupEqOnly = errs.Define("sharing.filter.lookup_eq_only",
		"item %s is a masked lookup key (查询条件): only equality on one value (item=value) is allowed, not %s",
		"信息项 %s 是已脱敏的查询条件：只能按单个值精确匹配（item=value），不能使用 %s")
	msgLookupQuota = errs.Define("sharing.lookup.quota",
		"the daily quota of %d lookups on masked items is used up for %s; it resets at midnight (China Standard Time)",
		"%[2]s 今日按已脱敏查询条件查询的次数已达上限 %[1]d 次，北京时间零点后恢复")
	msgLookupNotApplied = errs.Define("sharing.lookup.not_applied",
		"%s is not an item applied for; a lookup key (查询条件) must be one",
		"%s 不是所申请的信息项；查询条件必须是所申请的信息项")
	msgLookupWiden = errs.Define("sharing.lookup.widen",
		"%s was not requested as a lookup key (查询条件); approvers may only remove lookup keys",
		"%s 未被申请为查询条件；审批人只能去除查询条件")
	msgRowFilterMasked = errs.Define("sharing.row_filter.masked",
		"condition %d: item %s is masked (rule %s): a row filter on it must be equality on one value (eq) of an item named as a lookup key (查询条件)",
		"第 %d 个条件：信息项 %s 已脱敏（规则 %s）：对其的行过滤只能是查询条件信息项的单值精确匹配（eq）")
)

// checkConditions applies the lookup rule to a request's own filters: a
// filter on an item masked by masking (item → rule) must be equality on
// one value of an item in lookup. It answers the filters that are such
// lookups, or an errs.Invalid error naming the item and the rule.
func checkConditions(conds []Condition, masking map[string]string, lookup []string) ([]Condition, error) {
	var lookups []Condition
	for _, c := range conds {
		rule := masking[c.Item]
		switch {
		case rule == "" || rule == mask.None:
		case !slices.Contains(lookup, c.Item):
			return nil, errs.FieldMsg(c.Item, msgFilterMasked, c.Item, rule)
		case c.Op != OpEq || len(c.Values) != 1:
			name := c.Item + "." + c.Op
			if c.Op == OpEq {
				name = c.Item
			}
			return nil, errs.FieldMsg(name, msgLookupEqOnly, c.Item, c.Op)
		default:
			lookups = append(lookups, c)
		}
	}
	return lookups, nil
}

// checkRowFilter applies the same rule to the conditions of a grant's row
// filter, which its consumer proposes: one on a masked item must be
// equality on one value of a lookup key.
func checkRowFilter(f errs.Fields, filter RowFilter, masking map[string]string, lookup []string) {
	for i, c := range filter {
		rule := masking[c.Item]
		if rule != "" && rule != mask.None && (!slices.Contains(lookup, c.Item) || c.Op != OpEq || len(c.Values) != 1) {
			f.AddMsg("row_filter", msgRowFilterMasked, i+1, c.Item, rule)
		}
	}
}

// filterMasking is the masking a row filter's conditions are checked
// against: the terms' rules for the items granted, the catalog's defaults
// for the entry's other items (whose values the consumer does not see at
// all, so a condition on a masked one would reveal them as well).
func filterMasking(e catalog.Entry, terms map[string]string) map[string]string {
	out := make(map[string]string, len(e.Items))
	for _, it := range e.Items {
		out[it.Identifier] = it.Masking
		if r, ok := terms[it.Identifier]; ok {
			out[it.Identifier] = r
		}
	}
	return out
}

// checkLookup validates the lookup keys of terms: items of the terms, each
// once.
func checkLookup(f errs.Fields, t Terms) {
	for i, id := range t.Lookup {
		if !slices.Contains(t.Items, id) || slices.Contains(t.Lookup[:i], id) {
			f.AddMsg("lookup", msgLookupNotApplied, strconv.Quote(id))
		}
	}
}

// lookupQuota is the daily quota of lookups in force.
func (s *Service) lookupQuota() int {
	if s.LookupQuota > 0 {
		return s.LookupQuota
	}
	return DefaultLookupQuota
}

// countLookup counts one lookup call of a against today's quota, in the
// database so that every replica counts alike, and audits it with each
// looked-up value as its keyed hash, never in clear. Over the quota it
// answers errs.RateLimited (and the call is audited as denied by Check).
func (s *Service) countLookup(ctx context.Context, a Access, g Grant, lookups []Condition) error {
	subject := "user:" + a.Actor
	if a.AppID != 0 {
		subject = "app:" + strconv.FormatInt(a.AppID, 10)
	}
	day := s.now().In(lists.Beijing).Format(lists.DateFormat)
	quota := s.lookupQuota()
	key, err := s.HashKey(ctx, g.ConsumerID)
	if err != nil {
		return err
	}
	m := mask.Masker{Key: key}
	looked := make([]string, len(lookups))
	for i, c := range lookups {
		looked[i] = c.Item + "=hmac-sm3:" + m.Digest([]byte(c.Values[0]))
	}
	var n int
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO sharing_lookups (subject, day, count) VALUES (?, ?, 1)
			ON CONFLICT (subject, day) DO UPDATE SET count = sharing_lookups.count + 1 RETURNING count`, subject, day).Scan(&n); err != nil {
			return fmt.Errorf("count lookup: %w", err)
		}
		if n > quota {
			return nil // refused below, and audited as denied by Check
		}
		return s.audit.Append(ctx, tx, audit.Entry{Actor: a.Actor, DepartmentID: a.Department, Action: "policy.lookup",
			Target: "catalog:" + a.Code, Outcome: audit.Success, ClientAddr: a.ClientAddr, Detail: audit.Keyed(auditLookupNth, sayAudit(a.Path), g.ID, strings.Join(looked, " "), n, quota)})
	})
	if err != nil {
		return err
	}
	if n > quota {
		who := a.Actor
		if a.AppID != 0 {
			who = "app " + a.Actor
		}
		return errs.New(errs.RateLimited, msgLookupQuota, quota, who)
	}
	return nil
}

// HashKey returns the consumer department's key for hash masking, created
// on first use and kept sealed with the platform's secrets key. Every path
// that hashes data for the department (data services, downloads, previews,
// channels) masks with it, so the department's hashed values are stable and
// differ from any other department's.
func (s *Service) HashKey(ctx context.Context, department int64) ([]byte, error) {
	s.hashKeys.Lock()
	k, ok := s.hashKeys.m[department]
	s.hashKeys.Unlock()
	if ok {
		return k, nil
	}
	read := func() ([]byte, error) {
		var sealed string
		if err := s.db.QueryRow(ctx, "SELECT key_sealed FROM sharing_hash_keys WHERE department_id = ?", department).Scan(&sealed); err != nil {
			return nil, err
		}
		text, err := s.Secrets.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("open the hash key of department %d: %w", department, err)
		}
		return base64.StdEncoding.DecodeString(text)
	}
	k, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			// Another replica may create it first: its key stands.
			_, err := tx.Exec(ctx, "INSERT INTO sharing_hash_keys (department_id, key_sealed, created_at) VALUES (?, ?, ?) ON CONFLICT (department_id) DO NOTHING",
				department, s.Secrets.Seal(base64.StdEncoding.EncodeToString(fresh)), s.nowText())
			return err
		}); err != nil {
			return nil, fmt.Errorf("create the hash key of department %d: %w", department, err)
		}
		k, err = read()
	}
	if err != nil {
		return nil, err
	}
	s.hashKeys.Lock()
	s.hashKeys.m[department] = k
	s.hashKeys.Unlock()
	return k, nil
}
