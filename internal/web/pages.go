package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

func (s *server) principal(r *http.Request) org.Principal {
	p, _ := principalFrom(r.Context())
	return p
}

func (s *server) t(r *http.Request, key string, args ...any) string {
	return s.msgs.T(language(r), key, args...)
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", view{Title: "login.title", Data: map[string]string{"Next": safeNext(r.URL.Query().Get("next"))}})
}

// safeNext keeps redirects after login on this site: it returns next when
// it is a path of this site, "/" otherwise. A path here starts with one "/",
// holds no backslash and no control character (browsers drop tabs and line
// breaks and read a backslash as "/", so "/\t/evil.example" and "/\\evil.example"
// lead off the site), and url.Parse reads it with no scheme, no host and no
// user.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range next {
		if r == '\\' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || unicode.IsSpace(r) && r != ' ' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	sess, _, err := s.Org.Login(r.Context(), username, password, clientAddr(r))
	if err != nil {
		_, msg, _ := errs.PublicIn(err, language(r))
		s.render(w, r, errs.Status(errs.CodeOf(err)), "login", view{Title: "login.title", Error: msg,
			Data: map[string]string{"Next": safeNext(r.PostFormValue("next")), "Username": username}})
		return
	}
	s.setCookie(w, sessionCookie, sess.Token, int(time.Until(sess.ExpiresAt).Seconds()))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Org.Logout(r.Context(), s.principal(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	if slices.Contains(Languages, lang) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 86400, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	}
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		back = safeNext(ref.RequestURI())
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *server) plannedArea(w http.ResponseWriter, r *http.Request) {
	area := chi.URLParam(r, "area")
	if !slices.Contains(plannedAreas, area) {
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return
	}
	s.render(w, r, http.StatusOK, "area", view{Title: "nav." + area, Active: "/area/" + area, Data: area})
}

func (s *server) regions(w http.ResponseWriter, r *http.Request) {
	s.regionsPage(w, r, http.StatusOK, view{})
}

func (s *server) regionsPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	rs, err := s.Org.Regions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Active = "nav.regions", "/regions"
	data := map[string]any{"Regions": rs, "DivisionVersion": s.Org.Divisions().Version(), "CanCreate": s.principal(r).Can(org.ManageRegions)}
	if len(rs) > 0 {
		data["Suggestions"] = s.Org.Divisions().Children(rs[0].Code)
	}
	v.Data = data
	s.render(w, r, status, "regions", v)
}

func (s *server) createRegion(w http.ResponseWriter, r *http.Request) {
	in := org.RegionInput{Code: r.PostFormValue("code"), Name: r.PostFormValue("name")}
	reg, err := s.Org.CreateRegion(r.Context(), s.principal(r), in)
	if err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.regionsPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
		return
	}
	s.redirect(w, r, "/regions", s.t(r, "regions.created", reg.Name, reg.Code))
}

func (s *server) departments(w http.ResponseWriter, r *http.Request) {
	s.departmentsPage(w, r, http.StatusOK, view{})
}

func (s *server) departmentsPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	q := r.URL.Query()
	page := pageParam(r)
	ds, total, err := s.Org.Departments(r.Context(), org.DepartmentFilter{Q: q.Get("q"), RegionCode: q.Get("region"), Kind: q.Get("kind"), Page: page})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.Org.Regions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Active = "nav.departments", "/departments"
	v.Data = map[string]any{"Departments": ds, "Regions": rs, "Pager": newPager(r, page, 20, total),
		"CanCreate": s.principal(r).Can(org.ManageDepartments), "Form": r.PostForm}
	s.render(w, r, status, "departments", v)
}

func (s *server) createDepartment(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	in := org.DepartmentInput{
		Name: r.PostFormValue("name"), ShortName: r.PostFormValue("short_name"), CreditCode: r.PostFormValue("credit_code"),
		CreditCodeOverride: r.PostFormValue("credit_code_override") == "on", RegionCode: r.PostFormValue("region_code"),
		Kind: r.PostFormValue("kind"), Contact: r.PostFormValue("contact"), Phone: r.PostFormValue("phone"),
	}
	d, warnings, err := s.Org.CreateDepartment(r.Context(), s.principal(r), in)
	if err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.departmentsPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
		return
	}
	flash := s.t(r, "departments.created", d.Name)
	if len(warnings) > 0 {
		flash += " " + s.t(r, "departments.override_warning")
	}
	s.redirect(w, r, "/departments", flash)
}

func (s *server) users(w http.ResponseWriter, r *http.Request) {
	s.usersPage(w, r, http.StatusOK, view{})
}

func (s *server) usersPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	q := r.URL.Query()
	page := pageParam(r)
	p := s.principal(r)
	dept, _ := strconv.ParseInt(q.Get("department"), 10, 64)
	us, total, err := s.Org.Users(r.Context(), p, org.UserFilter{Q: q.Get("q"), DepartmentID: dept, Role: org.Role(q.Get("role")), Page: page})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, _, err := s.Org.Departments(r.Context(), org.DepartmentFilter{PageSize: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Active = "nav.users", "/users"
	v.Data = map[string]any{"Users": us, "Departments": ds, "Roles": org.Roles, "Pager": newPager(r, page, 20, total),
		"CanCreate": p.Can(org.ManageUsers) || p.Can(org.ManageDeptUsers), "Form": r.PostForm}
	s.render(w, r, status, "users", v)
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	dept, _ := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	in := org.UserInput{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"), DepartmentID: dept,
		Password: r.PostFormValue("password")}
	u, generated, err := s.Org.CreateUser(r.Context(), s.principal(r), in)
	if err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Forbidden) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.usersPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
		return
	}
	if generated != "" {
		// The generated password is shown once, on this response only.
		s.userPage(w, r, u.ID, view{Flash: s.t(r, "users.created_password", u.Username, generated)})
		return
	}
	s.redirect(w, r, fmt.Sprintf("/users/%d", u.ID), s.t(r, "users.created", u.Username))
}

func userID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

func (s *server) user(w http.ResponseWriter, r *http.Request) {
	s.userPage(w, r, userID(r), view{})
}

func (s *server) userPage(w http.ResponseWriter, r *http.Request, id int64, v view) {
	p := s.principal(r)
	u, err := s.Org.User(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Active = "nav.users", "/users"
	v.Data = map[string]any{"U": u, "Roles": org.Roles,
		"CanGrant":  (p.Can(org.ManageRoles) || p.Can(org.ManageDeptRoles) || p.Has(org.SystemAdmin)) && u.ID != p.UserID,
		"CanManage": p.CanManageAccount(u)}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusForbidden
	}
	s.render(w, r, status, "user", v)
}

func (s *server) setRoles(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgFormMalformed))
		return
	}
	var roles []org.Role
	for _, v := range r.PostForm["role"] {
		roles = append(roles, org.Role(v))
	}
	id := userID(r)
	if _, err := s.Org.SetRoles(r.Context(), s.principal(r), id, roles); err != nil {
		if errs.Is(err, errs.Internal) || errs.Is(err, errs.NotFound) {
			s.fail(w, r, err)
			return
		}
		_, msg, fields := errs.Public(err)
		if f, ok := fields["roles"]; ok {
			msg = f
		}
		s.userPage(w, r, id, view{Error: msg})
		return
	}
	s.redirect(w, r, fmt.Sprintf("/users/%d", id), s.t(r, "users.roles_saved"))
}

func (s *server) setDisabled(disabled bool) http.HandlerFunc {
	return s.manageUser(func(r *http.Request, id int64) error {
		_, err := s.Org.SetDisabled(r.Context(), s.principal(r), id, disabled)
		return err
	})
}

func (s *server) unlockUser(w http.ResponseWriter, r *http.Request) {
	s.manageUser(func(r *http.Request, id int64) error {
		_, err := s.Org.Unlock(r.Context(), s.principal(r), id)
		return err
	})(w, r)
}

// manageUser runs an action on the account in the path and shows the
// account again, with the refusal when there is one.
func (s *server) manageUser(act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := userID(r)
		if err := act(r, id); err != nil {
			if errs.Is(err, errs.Forbidden) {
				_, msg, _ := errs.PublicIn(err, language(r))
				s.userPage(w, r, id, view{Error: msg})
				return
			}
			s.fail(w, r, err)
			return
		}
		s.redirect(w, r, fmt.Sprintf("/users/%d", id), s.t(r, "users.saved"))
	}
}

func (s *server) roles(w http.ResponseWriter, r *http.Request) {
	var perms []org.Permission
	for _, ri := range org.Roles {
		for _, p := range ri.Permissions {
			if !slices.Contains(perms, p) {
				perms = append(perms, p)
			}
		}
	}
	s.render(w, r, http.StatusOK, "roles", view{Title: "nav.roles", Active: "/roles", Data: map[string]any{"Roles": org.Roles, "Permissions": perms}})
}

func (s *server) verifyAudit(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if err := s.Org.RequireAuditor(r.Context(), p, "audit.verify"); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.Audit.Verify(r.Context())
	var b *audit.Break
	switch {
	case errors.As(err, &b):
		s.redirect(w, r, "/audit", s.t(r, "audit.broken", b.Seq, b.Reason))
	case err != nil:
		s.fail(w, r, err)
	default:
		s.redirect(w, r, "/audit", s.t(r, "audit.holds", formatNumber(int(n))))
	}
}

func (s *server) account(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, view{})
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	ts, err := s.Org.Tokens(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Active = "nav.account", "/account"
	data := map[string]any{"Tokens": ts}
	if m, ok := v.Data.(map[string]any); ok {
		for k, x := range m {
			data[k] = x
		}
	}
	v.Data = data
	s.render(w, r, status, "account", v)
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		s.accountPage(w, r, http.StatusBadRequest, view{Errors: map[string]string{"confirm_password": s.t(r, "account.mismatch")}})
		return
	}
	if err := s.Org.ChangePassword(r.Context(), s.principal(r), r.PostFormValue("old_password"), r.PostFormValue("new_password")); err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.accountPage(w, r, http.StatusBadRequest, view{Errors: fields, Error: msg})
		return
	}
	s.redirect(w, r, "/account", s.t(r, "account.password_changed"))
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	t, secret, err := s.Org.CreateToken(r.Context(), s.principal(r), r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.accountPage(w, r, http.StatusBadRequest, view{Errors: fields, Error: msg})
		return
	}
	// The secret is shown once, on this response only.
	s.accountPage(w, r, http.StatusOK, view{Data: map[string]any{"NewToken": t, "Secret": secret}})
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.Org.RevokeToken(r.Context(), s.principal(r), userID(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", s.t(r, "account.token_revoked"))
}
