package assess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Project is an information-system project (信息化项目) registered for its
// acceptance check (项目验收): the department that builds it and the
// catalog entries the system produces.
type Project struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	DepartmentID int64     `json:"department_id"`
	Department   string    `json:"department"`
	Description  string    `json:"description,omitempty"`
	Entries      []string  `json:"entries" doc:"Resource codes of the entries it produces"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// ProjectInput registers a project.
type ProjectInput struct {
	Name         string   `json:"name" minLength:"2" maxLength:"200"`
	DepartmentID int64    `json:"department_id,omitempty" doc:"The building department; a department's own staff may leave it out"`
	Description  string   `json:"description,omitempty" maxLength:"2000"`
	Entries      []string `json:"entries" minItems:"1" maxItems:"500" doc:"Resource codes of the catalog entries the system produces"`
}

// CanRegister reports whether p registers projects: a department's
// cataloger or administrator for its own, the authority's staff for any.
func CanRegister(p org.Principal) bool {
	return p.DepartmentID != 0 && (p.Can(org.EditCatalog) || p.Has(org.DeptAdmin) || p.Can(org.ReviewCatalog))
}

// CreateProject registers a project.
func (s *Service) CreateProject(ctx context.Context, p org.Principal, in ProjectInput) (Project, error) {
	sc, err := s.scope(ctx, p)
	if err == nil && !CanRegister(p) {
		err = errs.New(errs.Forbidden, msgProjectOwn)
	}
	if in.DepartmentID == 0 {
		in.DepartmentID = p.DepartmentID
	}
	if err == nil && !sc.authority && in.DepartmentID != sc.dept {
		err = errs.New(errs.Forbidden, msgProjectOwn)
	}
	if err != nil {
		return Project{}, s.denied(ctx, p, "assess.project.create", "project", err)
	}
	in.Name = strings.TrimSpace(in.Name)
	f := errs.Fields{}
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 200 {
		f.AddMsg("name", msgProjectName)
	}
	d, err := s.org.Department(ctx, in.DepartmentID)
	if errs.Is(err, errs.NotFound) {
		f.AddMsg("department_id", msgProjectDept, in.DepartmentID)
	} else if err != nil {
		return Project{}, err
	}
	var codes []string
	for _, c := range in.Entries {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		f.AddMsg("entries", msgProjectNone)
	}
	if len(f) == 0 {
		list, err := s.src.Catalog.EntryFacts(ctx, s.now().Add(time.Second))
		if err != nil {
			return Project{}, err
		}
		entries := indexEntries(list)
		for i, c := range codes {
			if e := entries.of(c); e.ProviderID == 0 {
				f.AddMsg(fmt.Sprintf("entries[%d]", i), msgProjectEntry, c)
			}
		}
	}
	if err := f.Err(); err != nil {
		return Project{}, err
	}
	pr := Project{Name: in.Name, DepartmentID: d.ID, Department: d.Name, Description: strings.TrimSpace(in.Description), Entries: codes,
		CreatedBy: p.Username, CreatedAt: s.now()}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO assess_projects (name, department_id, description, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			pr.Name, pr.DepartmentID, pr.Description, pr.CreatedBy, store.FormatTime(pr.CreatedAt)).Scan(&pr.ID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.Exec(ctx, "INSERT INTO assess_project_entries (project_id, entry_code) VALUES (?, ?)", pr.ID, c); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, "assess.project.create", "project:"+strconv.FormatInt(pr.ID, 10), pr.Name)
	})
	return pr, err
}

// Projects lists the projects p sees: all for the authority's staff and the
// auditor, a department's own for its staff.
func (s *Service) Projects(ctx context.Context, p org.Principal) ([]Project, error) {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return nil, s.denied(ctx, p, "assess.project.list", "project", err)
	}
	q, args := "SELECT p.id, p.name, p.department_id, d.name, p.description, p.created_by, p.created_at FROM assess_projects p JOIN departments d ON d.id = p.department_id", []any{}
	if !sc.all {
		q, args = q+" WHERE p.department_id = ?", append(args, sc.dept)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY p.id DESC", args...)
	if err != nil {
		return nil, err
	}
	out := []Project{}
	for rows.Next() {
		var pr Project
		var at string
		if err := rows.Scan(&pr.ID, &pr.Name, &pr.DepartmentID, &pr.Department, &pr.Description, &pr.CreatedBy, &at); err != nil {
			rows.Close()
			return nil, err
		}
		pr.CreatedAt, _ = store.ParseTime(at)
		out = append(out, pr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Entries, err = s.projectEntries(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) projectEntries(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.Query(ctx, "SELECT entry_code FROM assess_project_entries WHERE project_id = ? ORDER BY entry_code", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Project returns one project p may see.
func (s *Service) Project(ctx context.Context, p org.Principal, id int64) (Project, error) {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return Project{}, s.denied(ctx, p, "assess.project.read", "project:"+strconv.FormatInt(id, 10), err)
	}
	var pr Project
	var at string
	err = s.db.QueryRow(ctx, "SELECT p.id, p.name, p.department_id, d.name, p.description, p.created_by, p.created_at FROM assess_projects p JOIN departments d ON d.id = p.department_id WHERE p.id = ?", id).
		Scan(&pr.ID, &pr.Name, &pr.DepartmentID, &pr.Department, &pr.Description, &pr.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sc.all && pr.DepartmentID != sc.dept) {
		return Project{}, errs.New(errs.NotFound, msgProjectFound, id)
	}
	if err != nil {
		return Project{}, err
	}
	pr.CreatedAt, _ = store.ParseTime(at)
	pr.Entries, err = s.projectEntries(ctx, id)
	return pr, err
}

// EntryCheck is one produced entry's state in the acceptance check.
type EntryCheck struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Compiled  bool   `json:"compiled" doc:"Published in the catalog"`
	Mounted   bool   `json:"mounted"`
	Shared    bool   `json:"shared" doc:"Share type unconditional or conditional"`
	ShareType string `json:"share_type"`
}

// Acceptance is the data-sharing check of a project (项目验收): what is
// missing, and pass or fail with the reasons.
type Acceptance struct {
	Project   Project      `json:"project"`
	CheckedAt time.Time    `json:"checked_at"`
	Pass      bool         `json:"pass"`
	Reasons   []string     `json:"reasons" doc:"Why it fails, or that it passes, in the request's language"`
	Entries   []EntryCheck `json:"entries"`
	// Missing lists what stops acceptance, by kind.
	NotCompiled []string `json:"not_compiled"`
	NotMounted  []string `json:"not_mounted"`
	NotShared   []string `json:"not_shared"`
	Overdue     []string `json:"duties_overdue" doc:"The department's duties (责任清单) past their deadline, unfulfilled"`
	texts       []errs.Text
}

// Texts are the reasons, keyed, for the console to say in its language.
func (a Acceptance) Texts() []errs.Text { return a.texts }

// Check runs the acceptance check of project id as the records stand now.
func (s *Service) Check(ctx context.Context, p org.Principal, id int64, lang string) (Acceptance, error) {
	pr, err := s.Project(ctx, p, id)
	if err != nil {
		return Acceptance{}, err
	}
	now := s.now()
	a := Acceptance{Project: pr, CheckedAt: now, NotCompiled: []string{}, NotMounted: []string{}, NotShared: []string{}, Overdue: []string{}}
	list, err := s.src.Catalog.EntryFacts(ctx, now.Add(time.Second))
	if err != nil {
		return a, err
	}
	entries := indexEntries(list)
	for _, c := range pr.Entries {
		e := entries.of(c)
		if e.ProviderID == 0 {
			a.texts = append(a.texts, msgMissingEntry.With(c))
			a.NotCompiled = append(a.NotCompiled, c)
			a.Entries = append(a.Entries, EntryCheck{Code: c, Name: c, Status: "missing"})
			continue
		}
		ec := EntryCheck{Code: c, Name: e.Name, Status: e.Status, Compiled: e.Published, Mounted: e.Mounted, Shared: e.ShareType != catalog.ShareNone, ShareType: e.ShareType}
		a.Entries = append(a.Entries, ec)
		if !ec.Compiled {
			a.NotCompiled = append(a.NotCompiled, c)
			a.texts = append(a.texts, msgMissingCompiled.With(c, e.Name, statusZH(e.Status)))
		}
		if !ec.Mounted {
			a.NotMounted = append(a.NotMounted, c)
			a.texts = append(a.texts, msgMissingMounted.With(c, e.Name))
		}
		if !ec.Shared {
			a.NotShared = append(a.NotShared, c)
			a.texts = append(a.texts, msgMissingShared.With(c, e.Name))
		}
	}
	duties, err := s.src.Lists.DutyFacts(ctx, now)
	if err != nil {
		return a, err
	}
	for _, d := range duties {
		if d.ProviderID == pr.DepartmentID && !d.Fulfilled {
			a.Overdue = append(a.Overdue, "duty:"+strconv.FormatInt(d.ID, 10))
			a.texts = append(a.texts, msgMissingDuty.With(d.ID, d.Title, day(d.Deadline.Add(-time.Hour))))
		}
	}
	a.Pass = len(a.texts) == 0
	if a.Pass {
		a.texts = []errs.Text{msgAcceptancePassed.With()}
	}
	for _, t := range a.texts {
		a.Reasons = append(a.Reasons, t.In(lang))
	}
	return a, nil
}

func statusZH(st string) string {
	return map[string]string{catalog.StatusDraft: "草稿", catalog.StatusSubmitted: "待审核", catalog.StatusApproved: "审核通过待发布",
		catalog.StatusReturned: "已退回", catalog.StatusPublished: "已发布", catalog.StatusWithdrawn: "已撤销", catalog.StatusSuperseded: "已被替代"}[st]
}
