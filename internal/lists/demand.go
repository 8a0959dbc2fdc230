package lists

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Demand states: open → assigned → closed. A closed demand was either
// satisfied by a published entry or rejected.
const (
	StateOpen     = "open"
	StateAssigned = "assigned"
	StateClosed   = "closed"

	Satisfied = "satisfied"
	Rejected  = "rejected"
)

// DemandStates lists the states in order.
var DemandStates = []string{StateOpen, StateAssigned, StateClosed}

// Demand is one entry of the demand list (需求清单).
type Demand struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Description   string    `json:"description" doc:"The data needed: which resource, which items"`
	Scenario      string    `json:"scenario" doc:"应用场景: what the data is used for"`
	Basis         string    `json:"basis" doc:"依据: the legal duty the demand rests on"`
	WantedCode    string    `json:"wanted_code,omitempty" doc:"The catalog entry the requester has in mind, if any"`
	RequesterID   int64     `json:"requester_id"`
	RequesterName string    `json:"requester_name"`
	CreatedBy     string    `json:"created_by"`
	State         string    `json:"state" enum:"open,assigned,closed"`
	Resolution    string    `json:"resolution,omitempty" enum:"satisfied,rejected" doc:"How a closed demand ended"`
	ProviderID    int64     `json:"provider_id,omitempty" doc:"The department assigned to provide the data"`
	ProviderName  string    `json:"provider_name,omitempty"`
	AssignNote    string    `json:"assign_note,omitempty"`
	EntryCode     string    `json:"entry_code,omitempty" doc:"The published entry that satisfied the demand"`
	EntryName     string    `json:"entry_name,omitempty"`
	Reason        string    `json:"reason,omitempty" doc:"Why the demand was rejected"`
	CreatedAt     time.Time `json:"created_at"`
	AssignedAt    time.Time `json:"assigned_at,omitzero"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at"`
	Due           string    `json:"due" doc:"The day (YYYY-MM-DD, China Standard Time) by which it is to be answered"`
	WorkingDays   int       `json:"working_days" doc:"Working days it has been open (until it was closed)"`
	Overdue       bool      `json:"overdue" doc:"Still open after its due day"`
}

// DemandInput states a demand.
type DemandInput struct {
	Title       string `json:"title" maxLength:"100"`
	Description string `json:"description" maxLength:"2000" doc:"The data needed: which resource, which items"`
	Scenario    string `json:"scenario" maxLength:"1000" doc:"应用场景"`
	Basis       string `json:"basis" maxLength:"1000" doc:"依据: the law, regulation or duty the need rests on; required"`
	WantedCode  string `json:"wanted_code,omitempty" maxLength:"40" doc:"A catalog entry that would meet the demand, if known"`
}

func (in *DemandInput) validate() errs.Fields {
	f := errs.Fields{}
	text(f, "title", &in.Title, 100, true)
	text(f, "description", &in.Description, 2000, true)
	text(f, "scenario", &in.Scenario, 1000, true)
	text(f, "basis", &in.Basis, 1000, true)
	text(f, "wanted_code", &in.WantedCode, 40, false)
	return f
}

func demandTarget(id int64) string { return "demand:" + strconv.FormatInt(id, 10) }

// CreateDemand states a demand of p's department; p consumes data or
// catalogues for it.
func (s *Service) CreateDemand(ctx context.Context, p org.Principal, in DemandInput) (Demand, error) {
	const action = "list.demand.create"
	if !CanRequest(p) {
		return Demand{}, s.denied(ctx, p, action, "demand:new", errs.New(errs.Forbidden, msgDemandRefused))
	}
	f := in.validate()
	if in.WantedCode != "" && f["wanted_code"].IsZero() {
		if _, err := s.cat.Get(ctx, p, in.WantedCode, false); errs.Is(err, errs.NotFound) {
			f.AddMsg("wanted_code", msgNotVisibleEntry)
		} else if err != nil {
			return Demand{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Demand{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.nowText()
		if err := tx.QueryRow(ctx, `INSERT INTO list_demands (title, description, scenario, basis, wanted_code, requester_id, created_by, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.Description, in.Scenario, in.Basis, in.WantedCode, p.DepartmentID, p.Username, StateOpen, now, now).Scan(&id); err != nil {
			return fmt.Errorf("insert demand: %w", err)
		}
		return s.record(ctx, tx, p, action, demandTarget(id), audit.Keyed(auditDemand, in.Title))
	})
	if err != nil {
		return Demand{}, err
	}
	return s.Demand(ctx, id)
}

// DemandFilter selects demands.
type DemandFilter struct {
	State       string // open, assigned or closed
	Resolution  string // satisfied or rejected
	RequesterID int64
	ProviderID  int64
	Overdue     bool // only demands past their due day
	Page        int
	PageSize    int
}

const selectDemand = `SELECT d.id, d.title, d.description, d.scenario, d.basis, d.wanted_code, d.requester_id, r.name, d.created_by, d.state, d.resolution,
	COALESCE(d.provider_id, 0), COALESCE(p.name, ''), d.assign_note, d.entry_code, COALESCE(e.name, ''), d.reason,
	d.created_at, d.assigned_at, d.closed_at, d.updated_at
	FROM list_demands d JOIN departments r ON r.id = d.requester_id LEFT JOIN departments p ON p.id = d.provider_id
	LEFT JOIN catalog_entries e ON e.code = d.entry_code`

func (s *Service) scanDemand(sc interface{ Scan(...any) error }, now time.Time) (Demand, error) {
	var d Demand
	var created, assigned, closed, updated string
	if err := sc.Scan(&d.ID, &d.Title, &d.Description, &d.Scenario, &d.Basis, &d.WantedCode, &d.RequesterID, &d.RequesterName, &d.CreatedBy,
		&d.State, &d.Resolution, &d.ProviderID, &d.ProviderName, &d.AssignNote, &d.EntryCode, &d.EntryName, &d.Reason,
		&created, &assigned, &closed, &updated); err != nil {
		return d, err
	}
	d.CreatedAt, d.AssignedAt, d.ClosedAt, d.UpdatedAt = parseTime(created), parseTime(assigned), parseTime(closed), parseTime(updated)
	due := s.Due(d.CreatedAt)
	d.Due = due.Format(DateFormat)
	end := now
	if d.State == StateClosed {
		end = d.ClosedAt
	}
	d.WorkingDays = s.WorkingDays(d.CreatedAt, end)
	d.Overdue = d.State != StateClosed && day(now).After(due)
	return d, nil
}

// Demand returns one demand.
func (s *Service) Demand(ctx context.Context, id int64) (Demand, error) {
	d, err := s.scanDemand(s.db.QueryRow(ctx, selectDemand+" WHERE d.id = ?", id), s.now())
	if err != nil {
		return d, notFound(err, msgDemandNotFound, id)
	}
	return d, nil
}

// Demands lists demands, newest first, and the number matching.
func (s *Service) Demands(ctx context.Context, f DemandFilter) ([]Demand, int, error) {
	var q filter
	if f.State != "" {
		q.add("d.state = ?", f.State)
	}
	if f.Resolution != "" {
		q.add("d.resolution = ?", f.Resolution)
	}
	if f.RequesterID != 0 {
		q.add("d.requester_id = ?", f.RequesterID)
	}
	if f.ProviderID != 0 {
		q.add("d.provider_id = ?", f.ProviderID)
	}
	now := s.now()
	if f.Overdue {
		q.add("d.state <> ? AND d.created_at < ?", StateClosed, store.FormatTime(s.overdueCutoff(now)))
	}
	return listPage(ctx, s.db, "demands", "SELECT count(*) FROM list_demands d", selectDemand, "d.id DESC", q, f.Page, f.PageSize,
		func(sc interface{ Scan(...any) error }) (Demand, error) { return s.scanDemand(sc, now) })
}

// demandHead is a demand's row as a change reads it inside its transaction.
type demandHead struct {
	state    string
	provider sql.NullInt64
	title    string
}

func (s *Service) demandHead(ctx context.Context, tx *store.Tx, id int64) (demandHead, error) {
	var h demandHead
	err := tx.QueryRow(ctx, "SELECT state, provider_id, title FROM list_demands WHERE id = ?", id).Scan(&h.state, &h.provider, &h.title)
	if err != nil {
		return h, notFound(err, msgDemandNotFound, id)
	}
	return h, nil
}

// AssignDemand routes an open (or already assigned) demand to the
// department that is to provide the data; the data authority's approvers do
// this.
func (s *Service) AssignDemand(ctx context.Context, p org.Principal, id, providerID int64, note string) (Demand, error) {
	const action = "list.demand.assign"
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.requireAuthority(ctx, p, whatAssign); err != nil {
			return err
		}
		h, err := s.demandHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.state == StateClosed {
			return errs.New(errs.Conflict, msgDemandClosed, id)
		}
		f := errs.Fields{}
		text(f, "note", &note, 1000, false)
		name, err := providerName(ctx, tx, f, providerID, msgChooseProvider)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE list_demands SET state = ?, provider_id = ?, assign_note = ?, assigned_at = ?, updated_at = ? WHERE id = ?",
			StateAssigned, providerID, note, now, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, action, demandTarget(id), assignDetail(name, note))
	})
	if err != nil {
		return Demand{}, s.denied(ctx, p, action, demandTarget(id), err)
	}
	return s.Demand(ctx, id)
}

// CloseDemand closes a demand as satisfied by a published entry. The data
// authority's approvers close any demand; a cataloger of the assigned
// provider closes the demands assigned to it.
func (s *Service) CloseDemand(ctx context.Context, p org.Principal, id int64, code string) (Demand, error) {
	const action = "list.demand.close"
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		h, err := s.demandHead(ctx, tx, id)
		if err != nil {
			return err
		}
		authority, err := s.IsAuthority(ctx, p)
		if err != nil {
			return err
		}
		provider := h.state == StateAssigned && p.Can(org.EditCatalog) && p.DepartmentID != 0 && h.provider.Int64 == p.DepartmentID
		if !authority && !provider {
			return errs.New(errs.Forbidden, msgCloseRefused)
		}
		if h.state == StateClosed {
			return errs.New(errs.Conflict, msgDemandDone, id)
		}
		f := errs.Fields{}
		text(f, "entry_code", &code, 40, true)
		if code != "" && f["entry_code"].IsZero() {
			if e, ok, err := readEntry(ctx, tx, code); err != nil {
				return err
			} else if !ok {
				f.AddMsg("entry_code", msgNotEntry)
			} else if !e.published {
				f.AddMsg("entry_code", msgNotPublished)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE list_demands SET state = ?, resolution = ?, entry_code = ?, closed_at = ?, updated_at = ? WHERE id = ?",
			StateClosed, Satisfied, code, now, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, action, demandTarget(id), audit.Keyed(auditSatisfied, code))
	})
	if err != nil {
		return Demand{}, s.denied(ctx, p, action, demandTarget(id), err)
	}
	return s.Demand(ctx, id)
}

// RejectDemand closes a demand that will not be met, with the reason; the
// data authority's approvers do this.
func (s *Service) RejectDemand(ctx context.Context, p org.Principal, id int64, reason string) (Demand, error) {
	const action = "list.demand.reject"
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.requireAuthority(ctx, p, whatReject); err != nil {
			return err
		}
		h, err := s.demandHead(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.state == StateClosed {
			return errs.New(errs.Conflict, msgDemandDone, id)
		}
		f := errs.Fields{}
		text(f, "reason", &reason, 1000, true)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE list_demands SET state = ?, resolution = ?, reason = ?, closed_at = ?, updated_at = ? WHERE id = ?",
			StateClosed, Rejected, reason, now, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, action, demandTarget(id), audit.ReasonDetail(reason))
	})
	if err != nil {
		return Demand{}, s.denied(ctx, p, action, demandTarget(id), err)
	}
	return s.Demand(ctx, id)
}
