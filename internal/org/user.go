package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// User is an account on the platform.
type User struct {
	ID             int64     `json:"id"`
	Username       string    `json:"username"`
	DisplayName    string    `json:"display_name"`
	DepartmentID   int64     `json:"department_id,omitempty"`
	DepartmentName string    `json:"department_name,omitempty"`
	Roles          []Role    `json:"roles"`
	Disabled       bool      `json:"disabled"`
	LockedUntil    time.Time `json:"locked_until,omitzero" doc:"Logins are refused until then after repeated failures (a growing delay, not a lock); unlock lifts it"`
	CreatedAt      time.Time `json:"created_at"`
}

// UserInput creates a user. An empty Password makes the platform generate
// one, returned once by CreateUser.
type UserInput struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	DepartmentID int64  `json:"department_id,omitempty"`
	Password     string `json:"password,omitempty"`
	Roles        []Role `json:"roles,omitempty"`
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)

func (in *UserInput) validate() error {
	in.Username, in.DisplayName = strings.TrimSpace(in.Username), strings.TrimSpace(in.DisplayName)
	f := errs.Fields{}
	if !usernamePattern.MatchString(in.Username) {
		f.AddMsg("username", msgUsername)
	}
	if n := utf8.RuneCountInString(in.DisplayName); n == 0 || n > 50 {
		f.AddMsg("display_name", msgDisplayName)
	}
	if in.Password != "" {
		if err := CheckPasswordPolicy(in.Password); err != nil {
			f.AddText("password", errs.TextOf(err))
		}
	}
	for _, r := range in.Roles {
		if _, ok := r.Info(); !ok {
			f.AddMsg("roles", msgUnknownRole, r)
		}
	}
	return f.Err()
}

// CreateUser adds an account. It returns the generated password when the
// input had none.
func (s *Service) CreateUser(ctx context.Context, p Principal, in UserInput) (User, string, error) {
	target := "user:" + in.Username
	if !p.Can(ManageUsers) && !(p.Can(ManageDeptUsers) && in.DepartmentID != 0 && in.DepartmentID == p.DepartmentID) {
		return User{}, "", s.DenyMsg(ctx, p, "user.create", target, msgCreateRefused)
	}
	if err := in.validate(); err != nil {
		return User{}, "", err
	}
	in.Roles = normalizeRoles(in.Roles)
	generated := ""
	if in.Password == "" {
		generated = GeneratePassword()
		in.Password = generated
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, "", err
	}
	var u User
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var dept sql.NullInt64
		if in.DepartmentID != 0 {
			var name string
			if err := tx.QueryRow(ctx, "SELECT name FROM departments WHERE id = ?", in.DepartmentID).Scan(&name); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return errs.FieldMsg("department_id", msgNoSuchDept, in.DepartmentID)
				}
				return err
			}
			dept = sql.NullInt64{Int64: in.DepartmentID, Valid: true}
			u.DepartmentName = name
		}
		if len(in.Roles) > 0 {
			if err := s.checkGrant(ctx, tx, p, User{DepartmentID: in.DepartmentID}, in.Roles); err != nil {
				return err
			}
		}
		now := s.now()
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO users (username, display_name, department_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			in.Username, in.DisplayName, dept, hash, store.FormatTime(now)).Scan(&id)
		if err != nil {
			if store.IsUnique(err) {
				return errs.New(errs.Conflict, msgUsernameTaken, in.Username)
			}
			return fmt.Errorf("insert user: %w", err)
		}
		if err := insertRoles(ctx, tx, id, in.Roles); err != nil {
			return err
		}
		u = User{ID: id, Username: in.Username, DisplayName: in.DisplayName, DepartmentID: in.DepartmentID, DepartmentName: u.DepartmentName,
			Roles: slices.Clone(in.Roles), CreatedAt: now.UTC().Truncate(time.Microsecond)}
		return s.record(ctx, tx, p, "user.create", fmt.Sprintf("user:%d", id), audit.Success, audit.Keyed(auditAccount, in.Username, roleList(in.Roles)))
	})
	if err != nil {
		if errs.Is(err, errs.Forbidden) {
			return User{}, "", Denied(ctx, s.audit, p, "user.create", target, err)
		}
		return User{}, "", err
	}
	return u, generated, nil
}

func insertRoles(ctx context.Context, tx *store.Tx, id int64, roles []Role) error {
	for _, r := range roles {
		if _, err := tx.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING", id, string(r)); err != nil {
			return fmt.Errorf("grant role: %w", err)
		}
	}
	return nil
}

// checkGrant decides whether p may give target exactly the roles in roles.
// Who may grant at all is decided first, so that nobody learns more than
// "forbidden" from a request they may not make.
func (s *Service) checkGrant(ctx context.Context, tx *store.Tx, p Principal, target User, roles []Role) error {
	bootstrap := p.Has(SystemAdmin) && len(target.Roles) == 0 && len(roles) == 1 && (roles[0] == SecurityAdmin || roles[0] == Auditor)
	if !p.Can(ManageRoles) && !p.Can(ManageDeptRoles) && !bootstrap {
		return errs.New(errs.Forbidden, msgRolesRefused)
	}
	if target.ID != 0 && target.ID == p.UserID {
		return errs.New(errs.Forbidden, msgOwnAccount)
	}
	officers := 0
	for _, r := range roles {
		info, ok := r.Info()
		if !ok {
			return errs.FieldMsg("roles", msgUnknownRole, r)
		}
		if info.Officer {
			officers++
		} else if target.DepartmentID == 0 {
			return errs.FieldMsg("roles", msgDeptRoleAlone, roleCode(r))
		}
	}
	if officers > 0 && len(roles) > 1 {
		return errs.FieldMsg("roles", msgOfficerAlone)
	}
	switch {
	case p.Can(ManageRoles):
		return nil
	case p.Can(ManageDeptRoles):
		if target.DepartmentID != p.DepartmentID {
			return errs.New(errs.Forbidden, msgDeptRolesOwn)
		}
		for _, r := range append(slices.Clone(target.Roles), roles...) {
			if r.Officer() || r == DeptAdmin {
				return errs.New(errs.Forbidden, msgDeptRolesWhich)
			}
		}
		return nil
	}
	// Bootstrap: the system admin appoints the first security admin and auditor.
	if err := tx.Lock(ctx, lockOfficerBootstrap); err != nil {
		return err
	}
	var held int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role = ?`, string(roles[0])).Scan(&held); err != nil {
		return err
	}
	if held > 0 {
		return errs.New(errs.Forbidden, msgOfficerExists, auditRoleWords.Text(string(roles[0])))
	}
	return nil
}

// lockOfficerBootstrap serialises the appointment of the first officers.
const lockOfficerBootstrap = 7418880002

// SetRoles replaces the roles of user id.
func (s *Service) SetRoles(ctx context.Context, p Principal, id int64, roles []Role) (User, error) {
	target := fmt.Sprintf("user:%d", id)
	if !p.Can(ManageRoles) && !p.Can(ManageDeptRoles) && !p.Has(SystemAdmin) {
		return User{}, s.DenyMsg(ctx, p, "user.roles", target, msgRolesRefused)
	}
	roles = normalizeRoles(roles)
	var u User
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = s.user(ctx, tx, id); err != nil {
			return err
		}
		if err := s.checkGrant(ctx, tx, p, u, roles); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM user_roles WHERE user_id = ?", id); err != nil {
			return err
		}
		if err := insertRoles(ctx, tx, id, roles); err != nil {
			return err
		}
		detail := audit.Keyed(auditRoles, u.Username, roleList(u.Roles), roleList(roles))
		u.Roles = slices.Clone(roles)
		return s.record(ctx, tx, p, "user.roles", target, audit.Success, detail)
	})
	if err != nil {
		return User{}, Denied(ctx, s.audit, p, "user.roles", target, err)
	}
	return u, nil
}

// Messages of account management.
var (
	msgManageRefused = errs.Define("org.user.manage_refused",
		"only the system admin, or a department admin for their own department, manages accounts; officers' accounts are managed by the security admin",
		"只有系统管理员（或部门管理员管理本部门账户）可以管理账户；三员账户由安全管理员管理")
	msgOfficerAccount = errs.Define("org.user.officer_account",
		"%s is an officer's account (system admin, security admin or auditor): only the security admin disables, enables or unlocks it (三员分立)",
		"%s 是三员账户（系统管理员、安全管理员或安全审计员）：只有安全管理员可以停用、启用或解锁（三员分立）")
	msgOwnAccount = errs.Define("org.user.own_account",
		"nobody disables, enables or unlocks their own account or changes their own roles; another officer does",
		"任何人都不能停用、启用、解锁自己的账户或更改自己的角色，须由其他管理员操作")
	msgDeptAdminScope = errs.Define("org.user.dept_admin_scope",
		"a department admin manages accounts of their own department only, and not officers or other department admins",
		"部门管理员只能管理本部门账户，不能管理三员或其他部门管理员")
)

// holdsOfficerRole reports whether roles include one of the three officers' roles.
func holdsOfficerRole(roles []Role) bool { return slices.ContainsFunc(roles, Role.Officer) }

// mayManageAccounts reports whether p manages any account at all (the
// question asked before the account is read, so that others learn nothing
// more than "forbidden").
func mayManageAccounts(p Principal) bool {
	return p.Can(ManageUsers) || p.Can(ManageDeptUsers) || p.Has(SecurityAdmin)
}

// checkManage decides whether p may disable, enable or unlock account u:
// nobody acts on their own account; an officer's account (三员) is managed
// by the security admin alone; other accounts by the system admin, or by a
// department admin in their own department.
func checkManage(p Principal, u User) error {
	switch {
	case u.ID == p.UserID:
		return errs.New(errs.Forbidden, msgOwnAccount)
	case holdsOfficerRole(u.Roles):
		if p.Has(SecurityAdmin) {
			return nil
		}
		return errs.New(errs.Forbidden, msgOfficerAccount, u.Username)
	case p.Can(ManageUsers):
		return nil
	case p.Can(ManageDeptUsers):
		if p.DepartmentID == 0 || u.DepartmentID != p.DepartmentID || slices.Contains(u.Roles, DeptAdmin) {
			return errs.New(errs.Forbidden, msgDeptAdminScope)
		}
		return nil
	}
	return errs.New(errs.Forbidden, msgManageRefused)
}

// CanManageAccount reports whether p may disable, enable or unlock u (for
// the console to show the buttons; the service decides again).
func (p Principal) CanManageAccount(u User) bool { return checkManage(p, u) == nil }

// SetDisabled disables or enables an account. Disabling revokes its sessions
// and API tokens, so re-enabling does not revive stolen ones.
func (s *Service) SetDisabled(ctx context.Context, p Principal, id int64, disabled bool) (User, error) {
	target := fmt.Sprintf("user:%d", id)
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	u, err := s.manageAccount(ctx, p, id, action, func(tx *store.Tx, u *User) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET disabled = ? WHERE id = ?", disabled, id); err != nil {
			return err
		}
		if err := s.clearThrottle(ctx, tx, u.Username); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = ''", s.nowText(), id); err != nil {
				return err
			}
		}
		u.Disabled, u.LockedUntil = disabled, time.Time{}
		return s.record(ctx, tx, p, action, target, audit.Success, audit.Keyed(auditAccountName, u.Username))
	})
	return u, err
}

// Unlock lifts the login throttle of an account after failed logins, so
// its holder may try again at once.
func (s *Service) Unlock(ctx context.Context, p Principal, id int64) (User, error) {
	return s.manageAccount(ctx, p, id, "user.unlock", func(tx *store.Tx, u *User) error {
		if err := s.clearThrottle(ctx, tx, u.Username); err != nil {
			return err
		}
		u.LockedUntil = time.Time{}
		return s.record(ctx, tx, p, "user.unlock", fmt.Sprintf("user:%d", id), audit.Success, audit.Keyed(auditAccountName, u.Username))
	})
}

// manageAccount runs change on account id inside a transaction when
// checkManage allows p to; a refusal is audited as denied and nothing is
// written.
func (s *Service) manageAccount(ctx context.Context, p Principal, id int64, action string, change func(*store.Tx, *User) error) (User, error) {
	target := fmt.Sprintf("user:%d", id)
	switch {
	case id == p.UserID:
		return User{}, Denied(ctx, s.audit, p, action, target, errs.New(errs.Forbidden, msgOwnAccount))
	case !mayManageAccounts(p):
		return User{}, Denied(ctx, s.audit, p, action, target, errs.New(errs.Forbidden, msgManageRefused))
	}
	var u User
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = s.user(ctx, tx, id); err != nil {
			return err
		}
		if err := checkManage(p, u); err != nil {
			return err
		}
		return change(tx, &u)
	})
	if err != nil {
		return User{}, Denied(ctx, s.audit, p, action, target, err)
	}
	return u, nil
}

// normalizeRoles drops duplicates and puts roles in display order.
func normalizeRoles(roles []Role) []Role {
	out := slices.Clone(roles)
	slices.SortFunc(out, func(a, b Role) int { return roleIndex(a) - roleIndex(b) })
	return slices.Compact(out)
}

func roleIndex(r Role) int {
	if i := slices.IndexFunc(Roles, func(ri RoleInfo) bool { return ri.Role == r }); i >= 0 {
		return i
	}
	return len(Roles)
}

// UserFilter selects users.
type UserFilter struct {
	Q            string
	DepartmentID int64
	Role         Role
	Page         int
	PageSize     int
}

// selectUser reads accounts with the end of their login throttle, if any.
const selectUser = `SELECT u.id, u.username, u.display_name, COALESCE(u.department_id, 0), COALESCE(d.name, ''), u.disabled, COALESCE(lt.blocked_until, ''), u.created_at
	FROM users u LEFT JOIN departments d ON d.id = u.department_id LEFT JOIN login_throttle lt ON lt.subject = 'user:' || u.username`

// querier is a database or a transaction.
type querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) user(ctx context.Context, q querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, selectUser+" WHERE u.id = ?", id), s.now())
	if err != nil {
		return u, notFound(err, msgUserNotFound, id)
	}
	roles, err := rolesOf(ctx, q, []int64{id})
	u.Roles = roles[id]
	return u, err
}

// scanUser reads a selectUser row; a throttle that ended before now is not shown.
func scanUser(sc interface{ Scan(...any) error }, now time.Time) (User, error) {
	var u User
	var locked, created string
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &u.DepartmentID, &u.DepartmentName, &u.Disabled, &locked, &created); err != nil {
		return u, err
	}
	if t, _ := store.ParseTime(locked); now.Before(t) {
		u.LockedUntil = t
	}
	u.CreatedAt, _ = store.ParseTime(created)
	return u, nil
}

func rolesOf(ctx context.Context, q querier, ids []int64) (map[int64][]Role, error) {
	out := map[int64][]Role{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.Query(ctx, "SELECT user_id, role FROM user_roles WHERE user_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r Role
		if err := rows.Scan(&id, &r); err != nil {
			return nil, err
		}
		out[id] = append(out[id], r)
	}
	for id, rs := range out {
		out[id] = normalizeRoles(rs)
	}
	return out, rows.Err()
}

// seesAllUsers reports whether p sees every department's accounts (the
// three officers); a department admin sees only their own department.
func seesAllUsers(p Principal) bool {
	return p.Can(ManageUsers) || p.Can(ManageRoles) || p.Can(ReadAudit)
}

// User returns one account. A department admin sees only their department.
func (s *Service) User(ctx context.Context, p Principal, id int64) (User, error) {
	u, err := s.user(ctx, s.db, id)
	if err != nil {
		return u, err
	}
	if !p.Can(ReadUsers) || (!seesAllUsers(p) && u.DepartmentID != p.DepartmentID) {
		if id != p.UserID {
			return User{}, s.DenyMsg(ctx, p, "user.read", fmt.Sprintf("user:%d", id), msgAccountHidden)
		}
	}
	return u, nil
}

// Users lists accounts. Officers see all; a department admin sees their own department.
func (s *Service) Users(ctx context.Context, p Principal, f UserFilter) ([]User, int, error) {
	if !p.Can(ReadUsers) {
		return nil, 0, s.DenyMsg(ctx, p, "user.list", "users", msgPermissionRequired, string(ReadUsers))
	}
	if !seesAllUsers(p) {
		f.DepartmentID = p.DepartmentID
	}
	var where []string
	var args []any
	if f.Q != "" {
		q := store.Like(f.Q)
		where, args = append(where, `(lower(u.username) LIKE lower(?) ESCAPE '\' OR lower(u.display_name) LIKE lower(?) ESCAPE '\')`), append(args, q, q)
	}
	if f.DepartmentID != 0 {
		where, args = append(where, "u.department_id = ?"), append(args, f.DepartmentID)
	}
	if f.Role != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = ?)"), append(args, string(f.Role))
	}
	out, total, err := store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM users u", Select: selectUser, Where: where, Args: args,
		Order: "u.username", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (User, error) { return scanUser(r, s.now()) })
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(out))
	for i, u := range out {
		ids[i] = u.ID
	}
	roles, err := rolesOf(ctx, s.db, ids)
	for i := range out {
		out[i].Roles = roles[out[i].ID]
	}
	return out, total, err
}

// CountUsers returns the number of accounts.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, err
}

// DisplayNames returns the display names of the accounts named, by
// username, for records that name the people who acted (an application's
// steps, a printed form); a name of no account is left out. It decides no
// permission: callers show the names only where the record is theirs to see.
func (s *Service) DisplayNames(ctx context.Context, usernames []string) (map[string]string, error) {
	out := map[string]string{}
	var args []any
	for _, u := range usernames {
		if u != "" && !slices.Contains(args, any(u)) {
			args = append(args, u)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, "SELECT username, display_name FROM users WHERE username IN (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("display names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, name string
		if err := rows.Scan(&u, &name); err != nil {
			return nil, err
		}
		out[u] = name
	}
	return out, rows.Err()
}
