package lists

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Duty states, worked out when read.
const (
	DutyFulfilled   = "fulfilled"
	DutyUnfulfilled = "unfulfilled"
	DutyOverdue     = "overdue" // unfulfilled after its deadline
)

// DutyStates lists the states a duty list is filtered by.
var DutyStates = []string{DutyFulfilled, DutyUnfulfilled, DutyOverdue}

// Duty is one obligation of the duty list (责任清单).
type Duty struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	Description    string    `json:"description,omitempty"`
	Category       string    `json:"category,omitempty" enum:"base,thematic,departmental" doc:"The expected 资源属性分类 of the entry"`
	ProviderID     int64     `json:"provider_id"`
	ProviderName   string    `json:"provider_name"`
	Deadline       string    `json:"deadline" doc:"YYYY-MM-DD, China Standard Time"`
	EntryCode      string    `json:"entry_code,omitempty" doc:"The entry linked to fulfil it"`
	EntryName      string    `json:"entry_name,omitempty"`
	EntryPublished bool      `json:"entry_published"`
	EntryMounted   bool      `json:"entry_mounted"`
	Fulfilled      bool      `json:"fulfilled" doc:"The linked entry is published and mounted now"`
	Overdue        bool      `json:"overdue" doc:"Not fulfilled and past its deadline"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	LinkedAt       time.Time `json:"linked_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// DutyInput records a duty.
type DutyInput struct {
	Title       string `json:"title" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"2000"`
	Category    string `json:"category,omitempty" doc:"base, thematic or departmental (or its Chinese label); empty for any"`
	ProviderID  int64  `json:"provider_id" doc:"The department that owes the data"`
	Deadline    string `json:"deadline" doc:"YYYY-MM-DD, today or later"`
}

func dutyTarget(id int64) string { return "duty:" + strconv.FormatInt(id, 10) }

// CreateDuty records a provider's obligation; the data authority's approvers
// do this.
func (s *Service) CreateDuty(ctx context.Context, p org.Principal, in DutyInput) (Duty, error) {
	const action = "list.duty.create"
	if err := s.requireAuthority(ctx, p, whatDuty); err != nil {
		return Duty{}, s.denied(ctx, p, action, "duty:new", err)
	}
	f := errs.Fields{}
	text(f, "title", &in.Title, 100, true)
	text(f, "description", &in.Description, 2000, false)
	in.Category = strings.TrimSpace(in.Category)
	if in.Category != "" {
		if v, ok := catalog.Categories.Parse(in.Category); ok {
			in.Category = v
		} else {
			f.AddMsg("category", msgCategory)
		}
	}
	in.Deadline = strings.TrimSpace(in.Deadline)
	if dl, err := time.ParseInLocation(DateFormat, in.Deadline, Beijing); err != nil {
		f.AddMsg("deadline", msgDeadlineDate)
	} else if dl.Before(day(s.now())) {
		f.AddMsg("deadline", msgDeadlinePast)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		name, err := providerName(ctx, tx, f, in.ProviderID, msgChooseOwer)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.nowText()
		if err := tx.QueryRow(ctx, `INSERT INTO list_duties (title, description, category, provider_id, deadline, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.Description, in.Category, in.ProviderID, in.Deadline, p.Username, now, now).Scan(&id); err != nil {
			return fmt.Errorf("insert duty: %w", err)
		}
		return s.record(ctx, tx, p, action, dutyTarget(id), audit.Keyed(auditDuty, name, in.Title, in.Deadline))
	})
	if err != nil {
		return Duty{}, err
	}
	return s.Duty(ctx, id)
}

// providerName returns the name of the providing department id, or adds
// to f why there is none: unchosen names the problem when id is 0.
func providerName(ctx context.Context, tx *store.Tx, f errs.Fields, id int64, unchosen *errs.Msg) (string, error) {
	if id == 0 {
		f.AddMsg("provider_id", unchosen)
		return "", nil
	}
	name, ok, err := departmentName(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if !ok {
		f.AddMsg("provider_id", msgNoDepartment)
	}
	return name, nil
}

// fulfilled is true when a duty's linked entry is published and mounted.
const fulfilled = "COALESCE(e.published AND e.mounted, FALSE)"

const selectDuty = `SELECT d.id, d.title, d.description, d.category, d.provider_id, p.name, d.deadline, d.entry_code, COALESCE(e.name, ''),
	COALESCE(e.published, FALSE), COALESCE(e.mounted, FALSE), d.created_by, d.created_at, d.linked_at, d.updated_at
	FROM list_duties d JOIN departments p ON p.id = d.provider_id LEFT JOIN catalog_entries e ON e.code = d.entry_code`

func (s *Service) scanDuty(sc interface{ Scan(...any) error }, today string) (Duty, error) {
	var d Duty
	var created, linked, updated string
	if err := sc.Scan(&d.ID, &d.Title, &d.Description, &d.Category, &d.ProviderID, &d.ProviderName, &d.Deadline, &d.EntryCode, &d.EntryName,
		&d.EntryPublished, &d.EntryMounted, &d.CreatedBy, &created, &linked, &updated); err != nil {
		return d, err
	}
	d.CreatedAt, d.LinkedAt, d.UpdatedAt = parseTime(created), parseTime(linked), parseTime(updated)
	d.Fulfilled = d.EntryCode != "" && d.EntryPublished && d.EntryMounted
	d.Overdue = !d.Fulfilled && d.Deadline < today
	return d, nil
}

func (s *Service) today() string { return s.now().In(Beijing).Format(DateFormat) }

// Duty returns one duty.
func (s *Service) Duty(ctx context.Context, id int64) (Duty, error) {
	d, err := s.scanDuty(s.db.QueryRow(ctx, selectDuty+" WHERE d.id = ?", id), s.today())
	if err != nil {
		return d, notFound(err, msgDutyNotFound, id)
	}
	return d, nil
}

// DutyFilter selects duties.
type DutyFilter struct {
	State      string // fulfilled, unfulfilled or overdue
	ProviderID int64
	Page       int
	PageSize   int
}

// Duties lists duties by deadline, and the number matching. Fulfilment is
// read from the catalog as it is now.
func (s *Service) Duties(ctx context.Context, f DutyFilter) ([]Duty, int, error) {
	var q filter
	today := s.today()
	switch f.State {
	case DutyFulfilled:
		q.add(fulfilled)
	case DutyUnfulfilled:
		q.add("NOT " + fulfilled)
	case DutyOverdue:
		q.add("NOT "+fulfilled+" AND d.deadline < ?", today)
	case "":
	default:
		return nil, 0, errs.FieldMsg("state", msgDutyState)
	}
	if f.ProviderID != 0 {
		q.add("d.provider_id = ?", f.ProviderID)
	}
	return listPage(ctx, s.db, "duties", "SELECT count(*) FROM list_duties d LEFT JOIN catalog_entries e ON e.code = d.entry_code", selectDuty,
		"d.deadline, d.id", q, f.Page, f.PageSize,
		func(sc interface{ Scan(...any) error }) (Duty, error) { return s.scanDuty(sc, today) })
}

// Overdue lists every unfulfilled duty past its deadline, the oldest first.
func (s *Service) Overdue(ctx context.Context) ([]Duty, error) {
	var out []Duty
	for page := 1; ; page++ {
		ds, total, err := s.Duties(ctx, DutyFilter{State: DutyOverdue, Page: page, PageSize: store.MaxPageSize})
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
		if len(out) >= total || len(ds) == 0 {
			return out, nil
		}
	}
}

// FulfilDuty links a duty to the entry that fulfils it: an entry of the
// duty's provider, of the expected category, published and mounted. The data
// authority's approvers and the provider's catalogers link entries.
func (s *Service) FulfilDuty(ctx context.Context, p org.Principal, id int64, code string) (Duty, error) {
	const action = "list.duty.fulfil"
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var provider int64
		var category string
		if err := tx.QueryRow(ctx, "SELECT provider_id, category FROM list_duties WHERE id = ?", id).Scan(&provider, &category); err != nil {
			return notFound(err, msgDutyNotFound, id)
		}
		authority, err := s.IsAuthority(ctx, p)
		if err != nil {
			return err
		}
		if !authority && !(p.Can(org.EditCatalog) && p.DepartmentID != 0 && p.DepartmentID == provider) {
			return errs.New(errs.Forbidden, msgFulfilRefused)
		}
		f := errs.Fields{}
		text(f, "entry_code", &code, 40, true)
		if err := f.Err(); err != nil {
			return err
		}
		e, ok, err := readEntry(ctx, tx, code)
		switch {
		case err != nil:
			return err
		case !ok:
			f.AddMsg("entry_code", msgNotEntry)
		case e.provider != provider:
			f.AddMsg("entry_code", msgOtherDept)
		case category != "" && e.category != category:
			f.AddMsg("entry_code", msgWrongCategory, categoryWords.Text(category), categoryWords.Text(e.category))
		case !e.published:
			f.AddMsg("entry_code", msgNotPublished)
		case !e.mount:
			f.AddMsg("entry_code", msgNotMounted)
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.nowText()
		if _, err := tx.Exec(ctx, "UPDATE list_duties SET entry_code = ?, linked_at = ?, updated_at = ? WHERE id = ?", code, now, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, action, dutyTarget(id), audit.Keyed(auditEntry, code))
	})
	if err != nil {
		return Duty{}, s.denied(ctx, p, action, dutyTarget(id), err)
	}
	return s.Duty(ctx, id)
}
