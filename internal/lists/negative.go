package lists

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Negative-list states: proposed → active or rejected; the authority may
// also lift an active listing, which rejects it.
const (
	NegativeProposed = "proposed"
	NegativeActive   = "active"
	NegativeRejected = "rejected"
)

// NegativeStates lists the states in order.
var NegativeStates = []string{NegativeProposed, NegativeActive, NegativeRejected}

// Negative is one entry of the negative list (负面清单): a whole catalog
// entry, or some of its items, that may not be shared, with the legal basis.
type Negative struct {
	ID           int64    `json:"id"`
	EntryCode    string   `json:"entry_code"`
	EntryName    string   `json:"entry_name"`
	ProviderID   int64    `json:"provider_id"`
	ProviderName string   `json:"provider_name"`
	Items        []string `json:"items" doc:"Identifiers of the items listed; empty when the whole entry is"`
	Basis        string   `json:"basis" doc:"The law, administrative regulation or policy that forbids sharing"`
	State        string   `json:"state" enum:"proposed,active,rejected"`
	// AllowAggregation lets the listed items travel in a confirmed
	// aggregation mandate (归集任务) into the data authority's shared store,
	// on AggregationBasis; they are never shared all the same.
	AllowAggregation bool      `json:"allow_aggregation,omitempty" doc:"The listed items may be aggregated into the data authority's shared store (归集), on aggregation_basis"`
	AggregationBasis string    `json:"aggregation_basis,omitempty" doc:"The law or policy that allows aggregating the listed items"`
	ProposedBy       string    `json:"proposed_by"`
	ReviewedBy       string    `json:"reviewed_by,omitempty"`
	Reason           string    `json:"reason,omitempty" doc:"Why it was rejected or lifted"`
	CreatedAt        time.Time `json:"created_at"`
	ReviewedAt       time.Time `json:"reviewed_at,omitzero"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// WholeEntry reports whether the listing covers the whole entry, which then
// cannot be published as shareable.
func (n Negative) WholeEntry() bool { return len(n.Items) == 0 }

// NegativeInput proposes a listing.
type NegativeInput struct {
	EntryCode string   `json:"entry_code" maxLength:"40"`
	Items     []string `json:"items,omitempty" maxItems:"500" doc:"Item identifiers; leave empty to list the whole entry"`
	Basis     string   `json:"basis" maxLength:"1000" doc:"Legal basis; required"`
	// AllowAggregation and AggregationBasis: see Negative.
	AllowAggregation bool   `json:"allow_aggregation,omitempty" doc:"Allow aggregating the listed items into the data authority's shared store (归集); needs aggregation_basis"`
	AggregationBasis string `json:"aggregation_basis,omitempty" maxLength:"1000" doc:"The law or policy that allows aggregating them; required with allow_aggregation"`
}

var msgAggregationBasis = errs.Define("lists.negative.aggregation_basis",
	"name the law or policy that allows aggregating the listed items",
	"请填写允许归集所列数据项的法律法规或政策依据")

func negativeTarget(id int64) string { return "negative:" + strconv.FormatInt(id, 10) }

// ProposeNegative puts an entry, or some of its items, on the negative list
// as a proposal; a cataloger of the entry's provider does this.
func (s *Service) ProposeNegative(ctx context.Context, p org.Principal, in NegativeInput) (Negative, error) {
	const action = "list.negative.propose"
	target := "negative:" + in.EntryCode
	if !p.Can(org.EditCatalog) || p.DepartmentID == 0 {
		return Negative{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgProposeRefused))
	}
	f := errs.Fields{}
	text(f, "entry_code", &in.EntryCode, 40, true)
	text(f, "basis", &in.Basis, 1000, true)
	text(f, "aggregation_basis", &in.AggregationBasis, 1000, false)
	if in.AllowAggregation && in.AggregationBasis == "" && f["aggregation_basis"].IsZero() {
		f.AddMsg("aggregation_basis", msgAggregationBasis)
	}
	if !in.AllowAggregation {
		in.AggregationBasis = ""
	}
	var items []string
	for _, it := range in.Items {
		if it = strings.TrimSpace(it); it != "" && !slices.Contains(items, it) {
			items = append(items, it)
		}
	}
	slices.Sort(items)
	if f["entry_code"].IsZero() {
		e, ok, err := readEntry(ctx, s.db, in.EntryCode)
		switch {
		case err != nil:
			return Negative{}, err
		case !ok:
			f.AddMsg("entry_code", msgNotEntry)
		case e.provider != p.DepartmentID:
			return Negative{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgProposeRefused))
		case len(items) > 0:
			latest, err := s.cat.Get(ctx, p, in.EntryCode, true)
			if err != nil {
				return Negative{}, err
			}
			known := map[string]bool{}
			for _, it := range latest.Items {
				known[it.Identifier] = true
			}
			for _, it := range items {
				if !known[it] {
					f.AddMsg("items", msgNotItemOf, it, in.EntryCode)
				}
			}
		}
	}
	if err := f.Err(); err != nil {
		return Negative{}, err
	}
	itemsText := strings.Join(items, ",")
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var same int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM list_negatives WHERE entry_code = ? AND items = ? AND state <> ?",
			in.EntryCode, itemsText, NegativeRejected).Scan(&same); err != nil {
			return err
		}
		if same > 0 {
			return errs.New(errs.Conflict, msgNegativeTwice, in.EntryCode)
		}
		now := s.nowText()
		allow := 0
		if in.AllowAggregation {
			allow = 1
		}
		if err := tx.QueryRow(ctx, `INSERT INTO list_negatives (entry_code, items, basis, allow_aggregation, aggregation_basis, state, proposed_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.EntryCode, itemsText, in.Basis, allow, in.AggregationBasis, NegativeProposed, p.Username, now, now).Scan(&id); err != nil {
			return fmt.Errorf("insert negative listing: %w", err)
		}
		return s.record(ctx, tx, p, action, negativeTarget(id), negativeDetail(in, itemsText))
	})
	if err != nil {
		return Negative{}, err
	}
	return s.Negative(ctx, id)
}

// ConfirmNegative makes a proposed listing active; the data authority's
// approvers do this.
func (s *Service) ConfirmNegative(ctx context.Context, p org.Principal, id int64) (Negative, error) {
	return s.reviewNegative(ctx, p, id, "list.negative.confirm", NegativeActive, "")
}

// RejectNegative rejects a proposed listing, or lifts an active one, with
// the reason; the data authority's approvers do this.
func (s *Service) RejectNegative(ctx context.Context, p org.Principal, id int64, reason string) (Negative, error) {
	return s.reviewNegative(ctx, p, id, "list.negative.reject", NegativeRejected, reason)
}

func (s *Service) reviewNegative(ctx context.Context, p org.Principal, id int64, action, to, reason string) (Negative, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.requireAuthority(ctx, p, whatReview); err != nil {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, "SELECT state FROM list_negatives WHERE id = ?", id).Scan(&state); err != nil {
			return notFound(err, msgNegNotFound, id)
		}
		allowed := state == NegativeProposed || (to == NegativeRejected && state == NegativeActive)
		if !allowed {
			return errs.New(errs.Conflict, msgNegativeState, id, negStateWords.Text(state))
		}
		if to == NegativeRejected {
			f := errs.Fields{}
			text(f, "reason", &reason, 1000, true)
			if err := f.Err(); err != nil {
				return err
			}
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE list_negatives SET state = ?, reviewed_by = ?, reason = ?, reviewed_at = ?, updated_at = ? WHERE id = ?",
			to, p.Username, reason, now, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, action, negativeTarget(id), moveDetail(state, to, reason))
	})
	if err != nil {
		return Negative{}, s.denied(ctx, p, action, negativeTarget(id), err)
	}
	return s.Negative(ctx, id)
}

const selectNegative = `SELECT n.id, n.entry_code, e.name, e.provider_id, p.name, n.items, n.basis, n.allow_aggregation, n.aggregation_basis, n.state, n.proposed_by, n.reviewed_by, n.reason,
	n.created_at, n.reviewed_at, n.updated_at
	FROM list_negatives n JOIN catalog_entries e ON e.code = n.entry_code JOIN departments p ON p.id = e.provider_id`

func scanNegative(sc interface{ Scan(...any) error }) (Negative, error) {
	var n Negative
	var items, created, reviewed, updated string
	var allow int64
	if err := sc.Scan(&n.ID, &n.EntryCode, &n.EntryName, &n.ProviderID, &n.ProviderName, &items, &n.Basis, &allow, &n.AggregationBasis, &n.State, &n.ProposedBy, &n.ReviewedBy,
		&n.Reason, &created, &reviewed, &updated); err != nil {
		return n, err
	}
	n.AllowAggregation = allow != 0
	n.Items = []string{}
	if items != "" {
		n.Items = strings.Split(items, ",")
	}
	n.CreatedAt, n.ReviewedAt, n.UpdatedAt = parseTime(created), parseTime(reviewed), parseTime(updated)
	return n, nil
}

// Negative returns one listing.
func (s *Service) Negative(ctx context.Context, id int64) (Negative, error) {
	n, err := scanNegative(s.db.QueryRow(ctx, selectNegative+" WHERE n.id = ?", id))
	if err != nil {
		return n, notFound(err, msgNegNotFound, id)
	}
	return n, nil
}

// NegativeFilter selects listings.
type NegativeFilter struct {
	State      string
	EntryCode  string
	ProviderID int64
	Page       int
	PageSize   int
}

// Negatives lists listings, newest first, and the number matching.
func (s *Service) Negatives(ctx context.Context, f NegativeFilter) ([]Negative, int, error) {
	var q filter
	if f.State != "" {
		q.add("n.state = ?", f.State)
	}
	if f.EntryCode != "" {
		q.add("n.entry_code = ?", f.EntryCode)
	}
	if f.ProviderID != 0 {
		q.add("e.provider_id = ?", f.ProviderID)
	}
	return listPage(ctx, s.db, "negative listings", "SELECT count(*) FROM list_negatives n JOIN catalog_entries e ON e.code = n.entry_code",
		selectNegative, "n.id DESC", q, f.Page, f.PageSize, scanNegative)
}

// Blocked returns the legal basis of the active whole-entry listings of an
// entry. Item-level listings do not block: see Items. It implements
// catalog.NegativeList.
func (s *Service) Blocked(ctx context.Context, code string) (string, bool, error) {
	rows, err := s.db.Query(ctx, "SELECT basis FROM list_negatives WHERE entry_code = ? AND state = ? AND items = '' ORDER BY id", code, NegativeActive)
	if err != nil {
		return "", false, fmt.Errorf("read negative list: %w", err)
	}
	defer rows.Close()
	var bases []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return "", false, err
		}
		bases = append(bases, b)
	}
	if err := rows.Err(); err != nil {
		return "", false, err
	}
	return strings.Join(bases, "；"), len(bases) > 0, nil
}

// Items returns the items of an entry on active item-level listings, each
// with its legal basis (bases of several listings joined by "；"). Sharing
// leaves these items out.
func (s *Service) Items(ctx context.Context, code string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, "SELECT items, basis FROM list_negatives WHERE entry_code = ? AND state = ? AND items <> '' ORDER BY id", code, NegativeActive)
	if err != nil {
		return nil, fmt.Errorf("read negative list: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var items, basis string
		if err := rows.Scan(&items, &basis); err != nil {
			return nil, err
		}
		for _, it := range strings.Split(items, ",") {
			if prev, ok := out[it]; ok && prev != basis {
				out[it] = prev + "；" + basis
			} else {
				out[it] = basis
			}
		}
	}
	return out, rows.Err()
}

// AggregationRefusals answers what an aggregation mandate (归集任务) of an
// entry may not carry: the basis of active whole-entry listings that do not
// allow aggregation ("" when there is none), and the items of active
// item-level listings that do not, each with its basis. Listings that allow
// aggregation are left out: their items travel in a confirmed mandate.
func (s *Service) AggregationRefusals(ctx context.Context, code string) (string, map[string]string, error) {
	rows, err := s.db.Query(ctx, "SELECT items, basis FROM list_negatives WHERE entry_code = ? AND state = ? AND allow_aggregation = 0 ORDER BY id", code, NegativeActive)
	if err != nil {
		return "", nil, fmt.Errorf("read negative list: %w", err)
	}
	defer rows.Close()
	var whole []string
	items := map[string]string{}
	for rows.Next() {
		var list, basis string
		if err := rows.Scan(&list, &basis); err != nil {
			return "", nil, err
		}
		if list == "" {
			whole = append(whole, basis)
			continue
		}
		for _, it := range strings.Split(list, ",") {
			if prev, ok := items[it]; ok && prev != basis {
				items[it] = prev + "；" + basis
			} else {
				items[it] = basis
			}
		}
	}
	return strings.Join(whole, "；"), items, rows.Err()
}
