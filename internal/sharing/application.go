package sharing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Application states. A conditional application waits for the provider's
// approver, then the data authority's; an unconditional one is approved
// at once.
const (
	StateProvider  = "pending_provider"  // 待提供部门审批
	StateAuthority = "pending_authority" // 待数据主管部门审批
	StateApproved  = "approved"
	StateReturned  = "returned"
	StateWithdrawn = "withdrawn"
)

// Pending reports whether an application in state st waits for an approver.
func Pending(st string) bool { return st == StateProvider || st == StateAuthority }

// Target is where a table grant delivers: a datasource of the consumer,
// on one of its nodes or registered on the platform.
type Target struct {
	Node       string `json:"node,omitempty" maxLength:"64" doc:"Node ID; empty for a datasource registered on the platform"`
	Datasource string `json:"datasource" maxLength:"50"`
	Table      string `json:"table" maxLength:"128"`
}

// Terms are what an application asks for and what approvers grant; each
// approver may only narrow them.
type Terms struct {
	Items      []string          `json:"items" doc:"Item identifiers"`
	Masking    map[string]string `json:"masking,omitempty" doc:"Item → masking rule; the catalog default or stricter"`
	Filter     RowFilter         `json:"row_filter,omitempty" doc:"Only rows matching every condition"`
	Lookup     []string          `json:"lookup,omitempty" doc:"查询条件: masked items the consumer may filter on, by equality on one value, counted against a daily lookup quota and audited; a filter on any other masked item is refused"`
	ValidUntil string            `json:"valid_until" doc:"Last day of validity, YYYY-MM-DD (China Standard Time)"`
	RateLimit  float64           `json:"rate_limit,omitempty" minimum:"0" doc:"Requests per second for API delivery; 0 means the app's own limit"`
}

// ApplicationInput is a consumer's application for a published entry.
type ApplicationInput struct {
	EntryCode  string            `json:"entry_code" maxLength:"64"`
	Items      []string          `json:"items,omitempty" maxItems:"500" doc:"Item identifiers; empty asks for every shareable item"`
	Purpose    string            `json:"purpose" maxLength:"1000" doc:"用途: what the data is for"`
	Basis      string            `json:"basis" maxLength:"1000" doc:"依据: the legal basis or duty"`
	Scenario   string            `json:"scenario" maxLength:"1000" doc:"应用场景: where it is used"`
	Delivery   string            `json:"delivery" enum:"table,api,file"`
	Target     *Target           `json:"target,omitempty" doc:"For table delivery"`
	AppID      int64             `json:"app_id,omitempty" doc:"For API delivery: an app of the consumer department; 0 issues a new app on approval"`
	ValidUntil string            `json:"valid_until,omitempty" doc:"YYYY-MM-DD; defaults to one year from today"`
	Masking    map[string]string `json:"masking,omitempty" doc:"Stricter masking than the catalog default, item → rule"`
	RowFilter  RowFilter         `json:"row_filter,omitempty" maxItems:"20"`
	Lookup     []string          `json:"lookup,omitempty" maxItems:"500" doc:"查询条件: items applied for that the consumer will look up by equality on one value even where they are masked"`
}

// Step is one recorded step of an application.
type Step struct {
	Action     string    `json:"action"`
	From       string    `json:"from,omitempty"`
	To         string    `json:"to"`
	Actor      string    `json:"actor"`
	Department string    `json:"department"`
	Reason     string    `json:"reason,omitempty"`
	Terms      *Terms    `json:"terms,omitempty" doc:"Terms as narrowed at this step"`
	At         time.Time `json:"at"`
}

// Application is a consumer department's application (共享申请).
type Application struct {
	ID           int64     `json:"id"`
	ConsumerID   int64     `json:"consumer_id"`
	ConsumerName string    `json:"consumer_name"`
	Applicant    string    `json:"applicant"`
	EntryCode    string    `json:"entry_code"`
	EntryName    string    `json:"entry_name"`
	EntryVersion int       `json:"entry_version"`
	ProviderID   int64     `json:"provider_id"`
	ProviderName string    `json:"provider_name"`
	Purpose      string    `json:"purpose"`
	Basis        string    `json:"basis"`
	Scenario     string    `json:"scenario"`
	Delivery     string    `json:"delivery"`
	Target       *Target   `json:"target,omitempty"`
	AppID        int64     `json:"app_id,omitempty"`
	Requested    []string  `json:"requested_items"`
	Terms        Terms     `json:"terms" doc:"The terms as they stand: requested, then narrowed by approvers"`
	State        string    `json:"state" enum:"pending_provider,pending_authority,approved,returned,withdrawn"`
	Waiting      string    `json:"waiting,omitempty" doc:"Who the application waits for"`
	StageDue     string    `json:"stage_due,omitempty" doc:"Day by which the current step is due"`
	Overdue      bool      `json:"overdue"`
	Reason       string    `json:"reason,omitempty" doc:"Why it was returned or withdrawn"`
	RenewOf      int64     `json:"renew_of,omitempty" doc:"The application this one renews"`
	GrantID      int64     `json:"grant_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Steps        []Step    `json:"steps,omitempty"`
}

var tablePattern = regexp.MustCompile(`^[\p{Han}A-Za-z_][\p{Han}A-Za-z0-9_]{0,127}$`)

func appTarget(id int64) string { return "application:" + strconv.FormatInt(id, 10) }

// published returns the version in force of a published entry.
func (s *Service) published(ctx context.Context, code string) (catalog.Entry, error) {
	e, err := s.cat.Get(ctx, org.System, code, false)
	if err != nil {
		return e, err
	}
	if e.Status != catalog.StatusPublished {
		return e, errs.New(errs.NotFound, msgNotPublished, code)
	}
	return e, nil
}

// refusal explains why an entry, or some of its items, may not be shared
// at all; it is empty when nothing stands in the way.
func (s *Service) refusal(ctx context.Context, e catalog.Entry, items []string) (errs.Text, error) {
	if e.ShareType == catalog.ShareNone {
		return msgEntryUnshared.With(e.Name, e.Code, e.ShareBasis), nil
	}
	basis, blocked, err := s.lists.Blocked(ctx, e.Code)
	if err != nil {
		return errs.Text{}, err
	}
	if blocked {
		return msgEntryNegative.With(e.Name, e.Code, basis), nil
	}
	listed, err := s.lists.Items(ctx, e.Code)
	if err != nil {
		return errs.Text{}, err
	}
	for _, id := range items {
		if b, ok := listed[id]; ok {
			return msgItemNegative.With(id, b), nil
		}
		if it, ok := item(e, id); ok && it.ShareType == catalog.ShareNone {
			return msgItemUnshared.With(id, it.Name), nil
		}
	}
	return errs.Text{}, nil
}

func item(e catalog.Entry, id string) (catalog.Item, bool) {
	i := slices.IndexFunc(e.Items, func(it catalog.Item) bool { return it.Identifier == id })
	if i < 0 {
		return catalog.Item{}, false
	}
	return e.Items[i], true
}

func identifiers(e catalog.Entry) []string {
	ids := make([]string, len(e.Items))
	for i, it := range e.Items {
		ids[i] = it.Identifier
	}
	return ids
}

// conditional reports whether granting items of e needs approval: the
// entry or one of the items is conditional (就高从严).
func conditional(e catalog.Entry, items []string) bool {
	if e.ShareType == catalog.ShareConditional {
		return true
	}
	for _, id := range items {
		if it, ok := item(e, id); ok && it.ShareType == catalog.ShareConditional {
			return true
		}
	}
	return false
}

// endOfDay parses a YYYY-MM-DD validity day into the instant it ends.
func endOfDay(d string) (time.Time, error) {
	t, err := time.ParseInLocation(lists.DateFormat, d, lists.Beijing)
	if err != nil {
		return t, errs.FieldMsg("valid_until", msgNotDate, d)
	}
	return t.AddDate(0, 0, 1), nil
}

// Apply files an application. An unconditional one is granted at once.
func (s *Service) Apply(ctx context.Context, p org.Principal, in ApplicationInput) (Application, error) {
	const action = "application.create"
	target := "catalog:" + in.EntryCode
	if !p.Can(org.ConsumeData) || p.DepartmentID == 0 {
		return Application{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgOnlyConsumer))
	}
	e, err := s.published(ctx, in.EntryCode)
	if err != nil {
		return Application{}, err
	}
	if e.ProviderID == p.DepartmentID {
		return Application{}, errs.FieldMsg("entry_code", msgOwnEntry)
	}
	items := in.Items
	if len(items) == 0 {
		listed, err := s.lists.Items(ctx, e.Code)
		if err != nil {
			return Application{}, err
		}
		for _, it := range e.Items {
			if _, neg := listed[it.Identifier]; it.ShareType != catalog.ShareNone && !neg {
				items = append(items, it.Identifier)
			}
		}
	}
	terms := Terms{Items: items, Masking: map[string]string{}, Filter: in.RowFilter, ValidUntil: in.ValidUntil, Lookup: in.Lookup}
	if terms.ValidUntil == "" {
		terms.ValidUntil = s.now().In(lists.Beijing).AddDate(1, 0, 0).Format(lists.DateFormat)
	}
	if why, err := s.refusal(ctx, e, terms.Items); err != nil {
		return Application{}, err
	} else if !why.IsZero() {
		return Application{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgWhy, why))
	}
	if err := s.checkInput(ctx, p, e, &in, &terms); err != nil {
		return Application{}, err
	}
	return s.file(ctx, p, e, in, terms, 0)
}

// checkInput validates an application and fills the masking defaults.
func (s *Service) checkInput(ctx context.Context, p org.Principal, e catalog.Entry, in *ApplicationInput, t *Terms) error {
	f := errs.Fields{}
	for field, v := range map[string]string{"purpose": in.Purpose, "basis": in.Basis, "scenario": in.Scenario} {
		if strings.TrimSpace(v) == "" {
			f.AddMsg(field, msgRequired)
		} else if utf8.RuneCountInString(v) > 1000 {
			f.AddMsg(field, msgMaxChars)
		}
	}
	seen := map[string]bool{}
	for _, id := range t.Items {
		if _, ok := item(e, id); !ok {
			f.AddMsg("items", msgNotItemOf, id, e.Code)
		} else if seen[id] {
			f.AddMsg("items", msgListedTwice, id)
		}
		seen[id] = true
	}
	if len(t.Items) == 0 {
		f.AddMsg("items", msgNoItems)
	}
	for id, rule := range in.Masking {
		it, ok := item(e, id)
		switch {
		case !ok || !seen[id]:
			f.AddMsg("masking", msgNotApplied, id)
		default:
			if err := mask.AtLeast(it.Masking, rule); err != nil {
				f.AddMsg("masking", msgItemProblem, id, errs.TextOf(err))
			}
		}
	}
	for _, id := range t.Items {
		if it, ok := item(e, id); ok {
			t.Masking[id] = it.Masking
			if r, ok := in.Masking[id]; ok {
				t.Masking[id] = r
			}
		}
	}
	checkLookup(f, *t)
	if err := t.Filter.check(identifiers(e)); err != nil {
		f.AddText("row_filter", fieldText(err))
	} else {
		checkRowFilter(f, t.Filter, filterMasking(e, t.Masking), t.Lookup)
	}
	if until, err := endOfDay(t.ValidUntil); err != nil {
		f.AddText("valid_until", fieldText(err))
	} else if now := s.now(); !until.After(now) {
		f.AddMsg("valid_until", msgPast)
	} else if until.After(now.AddDate(3, 0, 1)) {
		f.AddMsg("valid_until", msgThreeYears)
	}
	switch in.Delivery {
	case DeliveryTable:
		if in.Target == nil || in.Target.Datasource == "" || !tablePattern.MatchString(in.Target.Table) {
			f.AddMsg("target", msgTarget)
		}
		if !e.Mounted {
			f.AddMsg("delivery", msgNotMountedTable)
		}
	case DeliveryAPI, DeliveryFile:
		in.Target = nil
		if !e.Mounted {
			f.AddMsg("delivery", msgNotMounted)
		}
	default:
		f.AddMsg("delivery", msgDelivery)
	}
	if in.AppID != 0 && in.Delivery != DeliveryAPI {
		f.AddMsg("app_id", msgAppOnlyAPI)
	}
	return f.Err()
}

// file stores an application; an unconditional one is granted at once.
func (s *Service) file(ctx context.Context, p org.Principal, e catalog.Entry, in ApplicationInput, t Terms, renewOf int64) (Application, error) {
	var id int64
	var g *Grant
	now := s.now()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		state, due := StateProvider, s.stageDue(now)
		if !conditional(e, t.Items) {
			state, due = StateApproved, ""
		}
		termsJSON, _ := json.Marshal(t)
		var targetJSON []byte
		if in.Target != nil {
			targetJSON, _ = json.Marshal(in.Target)
		}
		nowText := store.FormatTime(now)
		if err := tx.QueryRow(ctx, `INSERT INTO sharing_applications (consumer_id, applicant_id, applicant, entry_code, entry_version, provider_id, items,
			purpose, basis, scenario, delivery, target, app_id, valid_until, terms, state, stage_due, renew_of, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.DepartmentID, p.UserID, p.Username, e.Code, e.Version, e.ProviderID, strings.Join(t.Items, ","),
			strings.TrimSpace(in.Purpose), strings.TrimSpace(in.Basis), strings.TrimSpace(in.Scenario), in.Delivery, string(targetJSON), in.AppID,
			t.ValidUntil, string(termsJSON), state, due, renewOf, nowText, nowText).Scan(&id); err != nil {
			return fmt.Errorf("insert application: %w", err)
		}
		action := "apply"
		if renewOf != 0 {
			action = "renew"
		}
		if err := s.step(ctx, tx, p, id, action, "", StateProvider, "", nil); err != nil {
			return err
		}
		detail := audit.Keyed(auditApply, e.Code, e.Name, strings.Join(t.Items, ","), sayAudit(in.Delivery), t.ValidUntil)
		if err := s.record(ctx, tx, p, "application."+action, appTarget(id), detail); err != nil {
			return err
		}
		if state == StateApproved {
			auto := org.Principal{Username: "system", DisplayName: "系统", DepartmentName: "平台"}
			if err := s.step(ctx, tx, auto, id, "auto_approve", StateProvider, StateApproved, "无条件共享: granted at once", nil); err != nil {
				return err
			}
			var err error
			if g, err = s.grant(ctx, tx, p, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Application{}, err
	}
	s.cache.forget()
	if g != nil {
		s.start(ctx, *g)
	}
	s.moved(ctx, p, id)
	return s.Application(ctx, p, id)
}

// stageDue is the day an approval step started at t is due.
func (s *Service) stageDue(t time.Time) string {
	return s.lists.AddWorkingDays(t, s.StageDays).Format(lists.DateFormat)
}

func (s *Service) step(ctx context.Context, tx *store.Tx, p org.Principal, id int64, action, from, to, reason string, t *Terms) error {
	var termsText string
	if t != nil {
		b, _ := json.Marshal(t)
		termsText = string(b)
	}
	dept := p.DepartmentName
	_, err := tx.Exec(ctx, `INSERT INTO sharing_steps (application_id, action, from_state, to_state, actor, department, reason, terms, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, action, from, to, p.Username, dept, reason, termsText, s.nowText())
	if err != nil {
		return fmt.Errorf("record step: %w", err)
	}
	return nil
}

const selectApplication = `SELECT a.id, a.consumer_id, c.name, a.applicant, a.entry_code, a.entry_version, a.provider_id, pd.name, a.items,
	a.purpose, a.basis, a.scenario, a.delivery, a.target, a.app_id, a.terms, a.state, a.stage_due, a.reason, a.renew_of, a.grant_id,
	a.created_at, a.updated_at
	FROM sharing_applications a JOIN departments c ON c.id = a.consumer_id JOIN departments pd ON pd.id = a.provider_id`

func (s *Service) scanApplication(sc interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var items, target, terms, created, updated string
	if err := sc.Scan(&a.ID, &a.ConsumerID, &a.ConsumerName, &a.Applicant, &a.EntryCode, &a.EntryVersion, &a.ProviderID, &a.ProviderName, &items,
		&a.Purpose, &a.Basis, &a.Scenario, &a.Delivery, &target, &a.AppID, &terms, &a.State, &a.StageDue, &a.Reason, &a.RenewOf, &a.GrantID,
		&created, &updated); err != nil {
		return a, err
	}
	a.Requested = strings.Split(items, ",")
	if target != "" {
		a.Target = new(Target)
		if err := json.Unmarshal([]byte(target), a.Target); err != nil {
			return a, fmt.Errorf("application %d target: %w", a.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(terms), &a.Terms); err != nil {
		return a, fmt.Errorf("application %d terms: %w", a.ID, err)
	}
	a.CreatedAt, _ = store.ParseTime(created)
	a.UpdatedAt, _ = store.ParseTime(updated)
	if Pending(a.State) {
		a.Waiting = map[string]string{StateProvider: a.ProviderName + " 审核员", StateAuthority: "数据主管部门审核员"}[a.State]
		a.Overdue = a.StageDue != "" && a.StageDue < s.now().In(lists.Beijing).Format(lists.DateFormat)
	}
	return a, nil
}

// Application returns one application with its steps.
func (s *Service) Application(ctx context.Context, p org.Principal, id int64) (Application, error) {
	a, err := s.scanApplication(s.db.QueryRow(ctx, selectApplication+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, msgAppNotFound, id)
	}
	if err != nil {
		return a, err
	}
	if ok, err := s.sees(ctx, p, a.ConsumerID, a.ProviderID); err != nil {
		return a, err
	} else if !ok {
		return Application{}, errs.New(errs.NotFound, msgAppNotFound, id)
	}
	a.EntryName = s.entryNames(ctx)(a.EntryCode)
	rows, err := s.db.Query(ctx, "SELECT action, from_state, to_state, actor, department, reason, terms, at FROM sharing_steps WHERE application_id = ? ORDER BY id", id)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var st Step
		var terms, at string
		if err := rows.Scan(&st.Action, &st.From, &st.To, &st.Actor, &st.Department, &st.Reason, &terms, &at); err != nil {
			return a, err
		}
		if terms != "" {
			st.Terms = new(Terms)
			_ = json.Unmarshal([]byte(terms), st.Terms)
		}
		st.At, _ = store.ParseTime(at)
		a.Steps = append(a.Steps, st)
	}
	return a, rows.Err()
}

// ApplicationFilter selects applications.
type ApplicationFilter struct {
	Box       string // mine (my department's), review (waiting for me), all (what I may see)
	State     string
	EntryCode string
	Overdue   bool // pending, and the current step is past its due date
	Page      int
	PageSize  int
}

// Applications lists the applications p may see.
func (s *Service) Applications(ctx context.Context, p org.Principal, f ApplicationFilter) ([]Application, int, error) {
	var where []string
	var args []any
	authority, err := s.isAuthority(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	switch f.Box {
	case "mine":
		where, args = append(where, "a.consumer_id = ?"), append(args, p.DepartmentID)
	case "review":
		cond := "(a.state = ? AND a.provider_id = ?)"
		args = append(args, StateProvider, p.DepartmentID)
		if !p.Can(org.ReviewCatalog) {
			cond, args = "1 = 0", nil
		} else if authority {
			cond += " OR a.state = ?"
			args = append(args, StateAuthority)
		}
		where = append(where, "("+cond+")")
	default:
		if !authority && !p.Can(org.ManagePolicies) { // SeesAll, with the authority already known
			where, args = append(where, "(a.consumer_id = ? OR a.provider_id = ?)"), append(args, p.DepartmentID, p.DepartmentID)
		}
	}
	if f.State != "" {
		where, args = append(where, "a.state = ?"), append(args, f.State)
	}
	if f.EntryCode != "" {
		where, args = append(where, "a.entry_code = ?"), append(args, f.EntryCode)
	}
	if f.Overdue {
		where = append(where, "a.state IN (?, ?) AND a.stage_due < ?")
		args = append(args, StateProvider, StateAuthority, s.now().In(lists.Beijing).Format(lists.DateFormat))
	}
	out, total, err := store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM sharing_applications a", Select: selectApplication, Where: where, Args: args,
		Order: "a.id DESC", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (Application, error) { return s.scanApplication(r) })
	if err != nil {
		return nil, 0, err
	}
	name := s.entryNames(ctx)
	for i := range out {
		out[i].EntryName = name(out[i].EntryCode)
	}
	return out, total, nil
}

// lockSharing serialises the steps of applications and grants on PostgreSQL.
const lockSharing = 0x5348415245 // "SHARE"

// load reads an application for update inside tx.
func (s *Service) load(ctx context.Context, tx *store.Tx, id int64) (Application, error) {
	if err := tx.Lock(ctx, lockSharing); err != nil {
		return Application{}, err
	}
	a, err := s.scanApplication(tx.QueryRow(ctx, selectApplication+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, msgAppNotFound, id)
	}
	return a, err
}

// mayReview tells whether p approves application a at its current step;
// one p cannot see is not found.
func (s *Service) mayReview(ctx context.Context, p org.Principal, a Application) error {
	if err := s.mustSee(ctx, p, "application", a.ID, a.ConsumerID, a.ProviderID); err != nil {
		return err
	}
	switch a.State {
	case StateProvider:
		if p.Can(org.ReviewCatalog) && p.DepartmentID == a.ProviderID {
			return nil
		}
		return errs.New(errs.Forbidden, msgWaitsProvider, a.ID, a.ProviderName)
	case StateAuthority:
		if ok, err := s.isAuthority(ctx, p); err != nil {
			return err
		} else if ok && p.Username != a.Applicant {
			return nil
		} else if ok {
			return errs.New(errs.Forbidden, msgOwnApplication, a.ID)
		}
		return errs.New(errs.Forbidden, msgWaitsAuthority, a.ID)
	}
	return errs.New(errs.Conflict, msgNotPending, a.ID, say(a.State))
}

// Approve approves the current step of an application, optionally with
// narrower terms. The provider's approval passes it to the data authority
// (unless the provider is the authority); the authority's grants it.
func (s *Service) Approve(ctx context.Context, p org.Principal, id int64, narrower *Terms, note string) (Application, error) {
	var g *Grant
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.mayReview(ctx, p, a); err != nil {
			return err
		}
		terms := a.Terms
		if narrower != nil {
			e, err := s.cat.Version(ctx, org.System, a.EntryCode, a.EntryVersion)
			if err != nil {
				return err
			}
			if terms, err = narrow(e, a.Terms, *narrower); err != nil {
				return err
			}
		}
		next, due := StateApproved, ""
		if a.State == StateProvider {
			provider, err := s.org.Department(ctx, a.ProviderID)
			if err != nil {
				return err
			}
			if provider.Kind != org.KindAuthority {
				next, due = StateAuthority, s.stageDue(s.now())
			}
		}
		termsJSON, _ := json.Marshal(terms)
		if _, err := tx.Exec(ctx, "UPDATE sharing_applications SET state = ?, stage_due = ?, terms = ?, updated_at = ? WHERE id = ?",
			next, due, string(termsJSON), s.nowText(), id); err != nil {
			return err
		}
		var stepTerms *Terms
		if narrower != nil {
			stepTerms = &terms
		}
		if err := s.step(ctx, tx, p, id, "approve", a.State, next, note, stepTerms); err != nil {
			return err
		}
		if err := s.record(ctx, tx, p, "application.approve", appTarget(id), moveDetail(a.State, next, note)); err != nil {
			return err
		}
		if next == StateApproved {
			g, err = s.grant(ctx, tx, p, id)
			return err
		}
		return nil
	})
	if err != nil {
		return Application{}, s.denied(ctx, p, "application.approve", appTarget(id), err)
	}
	s.cache.forget()
	if g != nil {
		s.start(ctx, *g)
	}
	s.moved(ctx, p, id)
	return s.Application(ctx, p, id)
}

// narrow checks that want only narrows have and returns the new terms.
func narrow(e catalog.Entry, have, want Terms) (Terms, error) {
	f := errs.Fields{}
	out := have
	if len(want.Items) > 0 {
		for _, id := range want.Items {
			if !slices.Contains(have.Items, id) {
				f.AddMsg("items", msgOnlyRemove, id)
			}
		}
		out.Items = slices.Clone(want.Items)
	}
	if want.Lookup != nil {
		for _, id := range want.Lookup {
			if !slices.Contains(have.Lookup, id) {
				f.AddMsg("lookup", msgLookupWiden, strconv.Quote(id))
			}
		}
		out.Lookup = slices.Clone(want.Lookup)
	}
	out.Lookup = slices.DeleteFunc(slices.Clone(out.Lookup), func(id string) bool { return !slices.Contains(out.Items, id) })
	out.Masking = map[string]string{}
	for _, id := range out.Items {
		out.Masking[id] = have.Masking[id]
		if r, ok := want.Masking[id]; ok {
			if err := mask.AtLeast(have.Masking[id], r); err != nil {
				f.AddMsg("masking", msgItemProblem, id, errs.TextOf(err))
			}
			out.Masking[id] = r
		}
	}
	if want.Filter != nil {
		if err := want.Filter.check(identifiers(e)); err != nil {
			f.AddText("row_filter", fieldText(err))
		} else if !want.Filter.narrows(have.Filter) {
			f.AddMsg("row_filter", msgKeepFilter, have.Filter.String())
		}
		out.Filter = want.Filter
	}
	if f.Err() == nil {
		checkRowFilter(f, out.Filter, filterMasking(e, out.Masking), out.Lookup)
	}
	if want.ValidUntil != "" {
		if _, err := endOfDay(want.ValidUntil); err != nil {
			f.AddText("valid_until", fieldText(err))
		} else if want.ValidUntil > have.ValidUntil {
			f.AddMsg("valid_until", msgOnlyShorten, have.ValidUntil)
		}
		out.ValidUntil = want.ValidUntil
	}
	if want.RateLimit > 0 {
		if have.RateLimit > 0 && want.RateLimit > have.RateLimit {
			f.AddMsg("rate_limit", msgOnlyLower, have.RateLimit)
		}
		out.RateLimit = want.RateLimit
	}
	return out, f.Err()
}

// Return sends an application back to the applicant with a reason.
func (s *Service) Return(ctx context.Context, p org.Principal, id int64, reason string) (Application, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if strings.TrimSpace(reason) == "" {
			return errs.FieldMsg("reason", msgReturnReason)
		}
		a, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.mayReview(ctx, p, a); err != nil {
			return err
		}
		return s.close(ctx, tx, p, a, "return", StateReturned, reason)
	})
	if err != nil {
		return Application{}, s.denied(ctx, p, "application.return", appTarget(id), err)
	}
	s.moved(ctx, p, id)
	return s.Application(ctx, p, id)
}

// Withdraw lets the applicant's department take back a pending application.
func (s *Service) Withdraw(ctx context.Context, p org.Principal, id int64, reason string) (Application, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.mustSee(ctx, p, "application", id, a.ConsumerID, a.ProviderID); err != nil {
			return err
		}
		if !p.Can(org.ConsumeData) || p.DepartmentID != a.ConsumerID {
			return errs.New(errs.Forbidden, msgWithdrawOnly, a.ConsumerName, id)
		}
		if !Pending(a.State) {
			return errs.New(errs.Conflict, msgWithdrawPending, id, say(a.State))
		}
		return s.close(ctx, tx, p, a, "withdraw", StateWithdrawn, reason)
	})
	if err != nil {
		return Application{}, s.denied(ctx, p, "application.withdraw", appTarget(id), err)
	}
	s.moved(ctx, p, id)
	return s.Application(ctx, p, id)
}

func (s *Service) close(ctx context.Context, tx *store.Tx, p org.Principal, a Application, action, to, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 1000 {
		return errs.FieldMsg("reason", msgMaxChars)
	}
	if _, err := tx.Exec(ctx, "UPDATE sharing_applications SET state = ?, stage_due = '', reason = ?, updated_at = ? WHERE id = ?",
		to, reason, s.nowText(), a.ID); err != nil {
		return err
	}
	if err := s.step(ctx, tx, p, a.ID, action, a.State, to, reason, nil); err != nil {
		return err
	}
	return s.record(ctx, tx, p, "application."+action, appTarget(a.ID), audit.ReasonDetail(reason))
}

// Renew applies again, before the grant expires, for the same terms until
// a later day. Once approved, the existing grant is extended (and takes
// any narrowed terms); its delivery goes on uninterrupted.
func (s *Service) Renew(ctx context.Context, p org.Principal, id int64, validUntil string) (Application, error) {
	a, err := s.Application(ctx, p, id)
	if err != nil {
		return a, err
	}
	if !p.Can(org.ConsumeData) || p.DepartmentID != a.ConsumerID {
		return Application{}, s.denied(ctx, p, "application.renew", appTarget(id), errs.New(errs.Forbidden, msgRenewOnly, a.ConsumerName, id))
	}
	if a.State != StateApproved || a.GrantID == 0 {
		return Application{}, errs.New(errs.Conflict, msgRenewApproved, id, say(a.State))
	}
	g, err := s.Grant(ctx, p, a.GrantID)
	if err != nil {
		return Application{}, err
	}
	if g.State != GrantActive || !g.ExpiresAt.After(s.now()) {
		return Application{}, errs.New(errs.Conflict, msgRenewGrant, g.ID, say(g.State))
	}
	e, err := s.published(ctx, a.EntryCode)
	if err != nil {
		return Application{}, err
	}
	if why, err := s.refusal(ctx, e, a.Terms.Items); err != nil {
		return Application{}, err
	} else if !why.IsZero() {
		return Application{}, s.denied(ctx, p, "application.renew", appTarget(id), errs.New(errs.Forbidden, msgWhy, why))
	}
	terms := a.Terms
	terms.ValidUntil = validUntil
	if terms.ValidUntil == "" {
		terms.ValidUntil = s.now().In(lists.Beijing).AddDate(1, 0, 0).Format(lists.DateFormat)
	}
	if terms.ValidUntil <= a.Terms.ValidUntil {
		return Application{}, errs.FieldMsg("valid_until", msgRenewLater, a.Terms.ValidUntil)
	}
	in := ApplicationInput{EntryCode: a.EntryCode, Items: terms.Items, Purpose: a.Purpose, Basis: a.Basis, Scenario: a.Scenario,
		Delivery: a.Delivery, Target: a.Target, AppID: g.AppID, ValidUntil: terms.ValidUntil, Masking: terms.Masking, RowFilter: terms.Filter,
		Lookup: terms.Lookup}
	check := terms
	check.Masking = map[string]string{}
	if err := s.checkInput(ctx, p, e, &in, &check); err != nil {
		return Application{}, err
	}
	return s.file(ctx, p, e, in, check, id)
}
