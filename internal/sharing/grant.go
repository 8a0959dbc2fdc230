package sharing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Grant states.
const (
	GrantActive  = "active"
	GrantRevoked = "revoked"
	GrantExpired = "expired"
)

// Grant is the approved terms under which a consumer department gets an
// entry's data (授权).
type Grant struct {
	ID            int64             `json:"id"`
	ApplicationID int64             `json:"application_id"`
	ConsumerID    int64             `json:"consumer_id"`
	ConsumerName  string            `json:"consumer_name"`
	ProviderID    int64             `json:"provider_id"`
	ProviderName  string            `json:"provider_name"`
	EntryCode     string            `json:"entry_code"`
	EntryName     string            `json:"entry_name,omitempty"`
	Items         []string          `json:"items"`
	Masking       map[string]string `json:"masking"`
	Filter        RowFilter         `json:"row_filter,omitempty"`
	Lookup        []string          `json:"lookup,omitempty" doc:"查询条件: masked items the consumer may filter on by equality on one value"`
	RateLimit     float64           `json:"rate_limit,omitempty"`
	Delivery      string            `json:"delivery" enum:"table,api,file"`
	Target        *Target           `json:"target,omitempty"`
	AppID         int64             `json:"app_id,omitempty"`
	DeliveryRef   string            `json:"delivery_ref,omitempty" doc:"The exchange channel or the app key that delivers"`
	DeliveryError string            `json:"delivery_error,omitempty" doc:"Why the delivery could not be started, in the request's language"`
	// DeliveryErrorText is DeliveryError by key, for a reader's language (see In).
	DeliveryErrorText errs.Text `json:"-"`
	ValidFrom         time.Time `json:"valid_from"`
	ExpiresAt         time.Time `json:"expires_at"`
	State             string    `json:"state" enum:"active,revoked,expired"`
	StoppedAt         time.Time `json:"stopped_at,omitzero"`
	StopReason        string    `json:"stop_reason,omitempty"`
	StoppedBy         string    `json:"stopped_by,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
}

func grantTarget(id int64) string { return "grant:" + strconv.FormatInt(id, 10) }

// grant creates the grant of an approved application inside tx, or, for a
// renewal, extends the grant it renews.
func (s *Service) grant(ctx context.Context, tx *store.Tx, p org.Principal, appID int64) (*Grant, error) {
	a, err := s.load(ctx, tx, appID)
	if err != nil {
		return nil, err
	}
	until, err := endOfDay(a.Terms.ValidUntil)
	if err != nil {
		return nil, err
	}
	masking, _ := json.Marshal(a.Terms.Masking)
	var filter []byte
	if len(a.Terms.Filter) > 0 {
		filter, _ = json.Marshal(a.Terms.Filter)
	}
	var target []byte
	if a.Target != nil {
		target, _ = json.Marshal(a.Target)
	}
	now := s.nowText()
	items := strings.Join(a.Terms.Items, ",")
	lookup := strings.Join(a.Terms.Lookup, ",")
	var id int64
	if a.RenewOf != 0 {
		if err := tx.QueryRow(ctx, "SELECT grant_id FROM sharing_applications WHERE id = ?", a.RenewOf).Scan(&id); err != nil {
			return nil, fmt.Errorf("renewed application %d: %w", a.RenewOf, err)
		}
		res, err := tx.Exec(ctx, `UPDATE sharing_grants SET application_id = ?, items = ?, masking = ?, row_filter = ?, lookup = ?, rate_limit = ?, expires_at = ?
			WHERE id = ? AND state = ?`, appID, items, string(masking), string(filter), lookup, a.Terms.RateLimit, store.FormatTime(until), id, GrantActive)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, errs.New(errs.Conflict, msgGrantInactive, id)
		}
		if _, err := tx.Exec(ctx, "UPDATE sharing_applications SET grant_id = ? WHERE id = ?", id, appID); err != nil {
			return nil, err
		}
		return nil, s.record(ctx, tx, p, "grant.renew", grantTarget(id), audit.Keyed(auditRenew, appID, a.Terms.ValidUntil))
	}
	if err := tx.QueryRow(ctx, `INSERT INTO sharing_grants (application_id, consumer_id, provider_id, entry_code, items, masking, row_filter, lookup, rate_limit,
		delivery, target, app_id, valid_from, expires_at, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		appID, a.ConsumerID, a.ProviderID, a.EntryCode, items, string(masking), string(filter), lookup, a.Terms.RateLimit,
		a.Delivery, string(target), a.AppID, now, store.FormatTime(until), GrantActive, now).Scan(&id); err != nil {
		return nil, fmt.Errorf("insert grant: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE sharing_applications SET grant_id = ? WHERE id = ?", id, appID); err != nil {
		return nil, err
	}
	detail := audit.Keyed(auditGrant, appID, a.EntryCode, a.ConsumerName, items, sayAudit(a.Delivery), a.Terms.ValidUntil)
	if err := s.record(ctx, tx, p, "grant.create", grantTarget(id), detail); err != nil {
		return nil, err
	}
	g, err := s.scanGrant(tx.QueryRow(ctx, selectGrant+" WHERE g.id = ?", id))
	return &g, err
}

// In returns the grant with its delivery error said in lang.
func (g Grant) In(lang string) Grant {
	if !g.DeliveryErrorText.IsZero() {
		g.DeliveryError = g.DeliveryErrorText.In(lang)
	}
	return g
}

// start begins a new grant's delivery; a failure is kept on the grant for
// people to see, the grant itself stands.
func (s *Service) start(ctx context.Context, g Grant) {
	d, ok := s.Deliverers[g.Delivery]
	if !ok {
		return
	}
	ref, err := d.Start(ctx, g)
	var msg string
	if err != nil {
		msg = errs.Encode(errs.TextOf(err)) // said in each reader's language (Grant.In)
		s.Log.WarnContext(ctx, "grant delivery not started", "grant", g.ID, "delivery", g.Delivery, "err", err)
	}
	if err := s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE sharing_grants SET delivery_ref = ?, delivery_error = ? WHERE id = ?", ref, msg, g.ID)
		return err
	}); err != nil {
		s.Log.ErrorContext(ctx, "record grant delivery", "grant", g.ID, "err", err)
	}
}

// stop ends a grant's delivery.
func (s *Service) stop(ctx context.Context, g Grant, reason string) {
	if d, ok := s.Deliverers[g.Delivery]; ok {
		if err := d.Stop(ctx, g, reason); err != nil {
			s.Log.ErrorContext(ctx, "stop grant delivery", "grant", g.ID, "err", err)
		}
	}
}

const selectGrant = `SELECT g.id, g.application_id, g.consumer_id, c.name, g.provider_id, pd.name, g.entry_code, g.items, g.masking, g.row_filter,
	g.lookup, g.rate_limit, g.delivery, g.target, g.app_id, g.delivery_ref, g.delivery_error, g.valid_from, g.expires_at, g.state, g.stopped_at,
	g.stop_reason, g.stopped_by, g.created_at
	FROM sharing_grants g JOIN departments c ON c.id = g.consumer_id JOIN departments pd ON pd.id = g.provider_id`

func (s *Service) scanGrant(sc interface{ Scan(...any) error }) (Grant, error) {
	var g Grant
	var items, masking, filter, lookup, target, from, expires, stopped, created string
	if err := sc.Scan(&g.ID, &g.ApplicationID, &g.ConsumerID, &g.ConsumerName, &g.ProviderID, &g.ProviderName, &g.EntryCode, &items, &masking, &filter,
		&lookup, &g.RateLimit, &g.Delivery, &target, &g.AppID, &g.DeliveryRef, &g.DeliveryError, &from, &expires, &g.State, &stopped,
		&g.StopReason, &g.StoppedBy, &created); err != nil {
		return g, err
	}
	g.DeliveryErrorText = errs.Decode(g.DeliveryError)
	g.DeliveryError = g.DeliveryErrorText.String()
	g.Items = strings.Split(items, ",")
	if lookup != "" {
		g.Lookup = strings.Split(lookup, ",")
	}
	if err := json.Unmarshal([]byte(masking), &g.Masking); err != nil {
		return g, fmt.Errorf("grant %d masking: %w", g.ID, err)
	}
	if filter != "" {
		if err := json.Unmarshal([]byte(filter), &g.Filter); err != nil {
			return g, fmt.Errorf("grant %d row filter: %w", g.ID, err)
		}
	}
	if target != "" {
		g.Target = new(Target)
		if err := json.Unmarshal([]byte(target), g.Target); err != nil {
			return g, fmt.Errorf("grant %d target: %w", g.ID, err)
		}
	}
	g.ValidFrom, _ = store.ParseTime(from)
	g.ExpiresAt, _ = store.ParseTime(expires)
	g.CreatedAt, _ = store.ParseTime(created)
	if stopped != "" {
		g.StoppedAt, _ = store.ParseTime(stopped)
	}
	return g, nil
}

func (s *Service) grantByID(ctx context.Context, id int64) (Grant, error) {
	g, err := s.scanGrant(s.db.QueryRow(ctx, selectGrant+" WHERE g.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, errs.New(errs.NotFound, msgGrantNotFound, id)
	}
	return g, err
}

// Grant returns one grant p may see.
func (s *Service) Grant(ctx context.Context, p org.Principal, id int64) (Grant, error) {
	g, err := s.grantByID(ctx, id)
	if err != nil {
		return g, err
	}
	if ok, err := s.sees(ctx, p, g.ConsumerID, g.ProviderID); err != nil {
		return g, err
	} else if !ok {
		return Grant{}, errs.New(errs.NotFound, msgGrantNotFound, id)
	}
	g.EntryName = s.entryNames(ctx)(g.EntryCode)
	return g, nil
}

// entryNames returns a lookup of entries' names (of their versions in
// force) that reads each entry once.
func (s *Service) entryNames(ctx context.Context) func(code string) string {
	names := map[string]string{}
	return func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		if e, err := s.cat.Get(ctx, org.System, code, false); err == nil {
			names[code] = e.Name
		}
		return names[code]
	}
}

// GrantFilter selects grants.
type GrantFilter struct {
	Role      string // consumer (my department's), provider (of my department's entries), or all
	State     string
	EntryCode string
	Delivery  string
	Page      int
	PageSize  int
}

// Grants lists the grants p may see.
func (s *Service) Grants(ctx context.Context, p org.Principal, f GrantFilter) ([]Grant, int, error) {
	var where []string
	var args []any
	switch f.Role {
	case "consumer":
		where, args = append(where, "g.consumer_id = ?"), append(args, p.DepartmentID)
	case "provider":
		where, args = append(where, "g.provider_id = ?"), append(args, p.DepartmentID)
	default:
		all, err := s.SeesAll(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		if !all {
			where, args = append(where, "(g.consumer_id = ? OR g.provider_id = ?)"), append(args, p.DepartmentID, p.DepartmentID)
		}
	}
	for col, v := range map[string]string{"g.state": f.State, "g.entry_code": f.EntryCode, "g.delivery": f.Delivery} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	out, total, err := store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM sharing_grants g", Select: selectGrant, Where: where, Args: args,
		Order: "g.id DESC", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (Grant, error) { return s.scanGrant(r) })
	if err != nil {
		return nil, 0, err
	}
	name := s.entryNames(ctx)
	for i := range out {
		out[i].EntryName = name(out[i].EntryCode)
	}
	return out, total, nil
}

// Revoke ends a grant at once: delivery and API access stop. The
// provider's approvers, the data authority's and the security admin may.
func (s *Service) Revoke(ctx context.Context, p org.Principal, id int64, reason string) (Grant, error) {
	var g Grant
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Lock(ctx, lockSharing); err != nil {
			return err
		}
		var err error
		g, err = s.scanGrant(tx.QueryRow(ctx, selectGrant+" WHERE g.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, msgGrantNotFound, id)
		}
		if err != nil {
			return err
		}
		if err := s.mustSee(ctx, p, "grant", id, g.ConsumerID, g.ProviderID); err != nil {
			return err
		}
		authority, err := s.isAuthority(ctx, p)
		if err != nil {
			return err
		}
		if !authority && !p.Can(org.ManagePolicies) && !(p.Can(org.ReviewCatalog) && p.DepartmentID == g.ProviderID) {
			return errs.New(errs.Forbidden, msgRevokeWho, g.ProviderName, id)
		}
		if strings.TrimSpace(reason) == "" {
			return errs.FieldMsg("reason", msgRevokeReason)
		}
		if g.State != GrantActive {
			return errs.New(errs.Conflict, msgGrantStopped, id, say(g.State))
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE sharing_grants SET state = ?, stopped_at = ?, stop_reason = ?, stopped_by = ? WHERE id = ?",
			GrantRevoked, now, strings.TrimSpace(reason), p.Username, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "grant.revoke", grantTarget(id), audit.ReasonDetail(reason))
	})
	if err != nil {
		return Grant{}, s.denied(ctx, p, "grant.revoke", grantTarget(id), err)
	}
	s.cache.forget()
	s.stop(ctx, g, "revoked: "+reason)
	return s.Grant(ctx, p, id)
}

// ExpireDue marks active grants past their expiry as expired and stops
// their deliveries. Access stops at expiry whether or not this has run;
// the platform runs it every second.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.nowText()
	rows, err := s.db.Query(ctx, selectGrant+" WHERE g.state = ? AND g.expires_at <= ?", GrantActive, now)
	if err != nil {
		return 0, err
	}
	var due []Grant
	for rows.Next() {
		g, err := s.scanGrant(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, g := range due {
		expired := false
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, "UPDATE sharing_grants SET state = ?, stopped_at = ?, stop_reason = ?, stopped_by = ? WHERE id = ? AND state = ?",
				GrantExpired, now, "expired", "system", g.ID, GrantActive)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			expired = true
			return s.record(ctx, tx, org.System, "grant.expire", grantTarget(g.ID), audit.Keyed(auditExpired, store.FormatTime(g.ExpiresAt)))
		})
		if err != nil {
			return n, err
		}
		if expired {
			s.cache.forget()
			n++
			s.stop(ctx, g, "expired")
		}
	}
	return n, nil
}
