package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/org"
)

type loginInput struct {
	Body struct {
		Username string `json:"username" maxLength:"64" doc:"User name, e.g. admin"`
		Password string `json:"password" maxLength:"256"`
	}
}

type sessionOutput struct{ Body org.Session }

type principalOutput struct{ Body org.Principal }

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

func (s *Server) registerOrg() {
	a := s.api
	o := op(http.MethodPost, "/api/v1/session", "create-session", "session", "Log in and get a bearer token", false)
	o.Errors = append(o.Errors, http.StatusUnauthorized)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *loginInput) (*sessionOutput, error) {
		sess, _, err := s.Org.Login(ctx, in.Body.Username, in.Body.Password, clientAddrFrom(ctx))
		if err != nil {
			return nil, err
		}
		return &sessionOutput{Body: sess}, nil
	}))
	huma.Register(a, op(http.MethodDelete, "/api/v1/session", "delete-session", "session", "Log out: revoke the current session token", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, s.Org.Logout(ctx, principal(ctx))
		}))
	huma.Register(a, op(http.MethodGet, "/api/v1/me", "get-me", "session", "The authenticated user", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*principalOutput, error) {
			return &principalOutput{Body: principal(ctx)}, nil
		}))
	huma.Register(a, op(http.MethodPut, "/api/v1/me/password", "change-password", "session", "Change one's own password", true),
		handle(s, func(ctx context.Context, in *struct {
			Body struct {
				OldPassword string `json:"old_password" maxLength:"256"`
				NewPassword string `json:"new_password" maxLength:"256"`
			}
		}) (*struct{}, error) {
			return nil, s.Org.ChangePassword(ctx, principal(ctx), in.Body.OldPassword, in.Body.NewPassword)
		}))

	// Regions and the division table.
	huma.Register(a, op(http.MethodGet, "/api/v1/regions", "list-regions", "regions", "Regions (行政区划) served by the platform", true),
		handle(s, func(ctx context.Context, in *PageParams) (*Page[org.Region], error) {
			all, err := s.Org.Regions(ctx)
			if err != nil {
				return nil, err
			}
			from := min((in.Page-1)*in.PageSize, len(all))
			return page(all[from:min(from+in.PageSize, len(all))], len(all), *in), nil
		}))
	o = op(http.MethodPost, "/api/v1/regions", "create-region", "regions", "Add a region from the GB/T 2260 table", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body org.RegionInput }) (*struct{ Body org.Region }, error) {
		r, err := s.Org.CreateRegion(ctx, principal(ctx), in.Body)
		return &struct{ Body org.Region }{r}, err
	}))
	o = op(http.MethodGet, "/api/v1/divisions/{code}", "get-division", "regions", "Look up a GB/T 2260 division code and its children", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Code string `path:"code" pattern:"^[0-9]{6}$"`
	}) (*struct {
		Body struct {
			division.Division
			Version  string              `json:"version"`
			Children []division.Division `json:"children"`
		}
	}, error) {
		t := s.Org.Divisions()
		d, err := s.Org.Division(in.Code)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				division.Division
				Version  string              `json:"version"`
				Children []division.Division `json:"children"`
			}
		}{}
		out.Body.Division, out.Body.Version, out.Body.Children = d, t.Version(), t.Children(d.Code)
		if out.Body.Children == nil {
			out.Body.Children = []division.Division{}
		}
		return out, nil
	}))

	// Departments.
	huma.Register(a, op(http.MethodGet, "/api/v1/departments", "list-departments", "departments", "Departments (部门), in pinyin order", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Q          string `query:"q" maxLength:"100" doc:"Part of the name, short name or credit code"`
			RegionCode string `query:"region_code" maxLength:"6"`
			Kind       string `query:"kind" enum:"authority,department,enterprise,"`
		}) (*Page[org.Department], error) {
			ds, total, err := s.Org.Departments(ctx, org.DepartmentFilter{Q: in.Q, RegionCode: in.RegionCode, Kind: in.Kind, Page: in.Page, PageSize: in.PageSize})
			return page(ds, total, in.PageParams), err
		}))
	type departmentOut struct {
		Body struct {
			org.Department
			Warnings []string `json:"warnings,omitempty"`
		}
	}
	o = op(http.MethodPost, "/api/v1/departments", "create-department", "departments", "Register a department", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body org.DepartmentInput }) (*departmentOut, error) {
		d, warnings, err := s.Org.CreateDepartment(ctx, principal(ctx), in.Body)
		out := &departmentOut{}
		out.Body.Department, out.Body.Warnings = d, warnings
		return out, err
	}))
	o = op(http.MethodGet, "/api/v1/departments/{id}", "get-department", "departments", "One department", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body org.Department }, error) {
		d, err := s.Org.Department(ctx, in.ID)
		return &struct{ Body org.Department }{d}, err
	}))

	// Users and roles.
	huma.Register(a, op(http.MethodGet, "/api/v1/users", "list-users", "users", "Accounts; a department admin sees their own department", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Q            string `query:"q" maxLength:"64"`
			DepartmentID int64  `query:"department_id" minimum:"0"`
			Role         string `query:"role" maxLength:"32"`
		}) (*Page[org.User], error) {
			us, total, err := s.Org.Users(ctx, principal(ctx), org.UserFilter{Q: in.Q, DepartmentID: in.DepartmentID, Role: org.Role(in.Role), Page: in.Page, PageSize: in.PageSize})
			return page(us, total, in.PageParams), err
		}))
	type userOut struct {
		Body struct {
			org.User
			Password string `json:"password,omitempty" doc:"The generated password, shown once when the request named none"`
		}
	}
	o = op(http.MethodPost, "/api/v1/users", "create-user", "users", "Create an account", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body org.UserInput }) (*userOut, error) {
		u, pw, err := s.Org.CreateUser(ctx, principal(ctx), in.Body)
		out := &userOut{}
		out.Body.User, out.Body.Password = u, pw
		return out, err
	}))
	o = op(http.MethodGet, "/api/v1/users/{id}", "get-user", "users", "One account", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body org.User }, error) {
		u, err := s.Org.User(ctx, principal(ctx), in.ID)
		return &struct{ Body org.User }{u}, err
	}))
	o = op(http.MethodPut, "/api/v1/users/{id}/roles", "set-user-roles", "users", "Replace an account's roles (security admin; 三员分立)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Roles []org.Role `json:"roles" maxItems:"8"`
		}
	}) (*struct{ Body org.User }, error) {
		u, err := s.Org.SetRoles(ctx, principal(ctx), in.ID, in.Body.Roles)
		return &struct{ Body org.User }{u}, err
	}))
	for _, action := range []struct {
		name    string
		disable bool
	}{{"disable", true}, {"enable", false}} {
		o = op(http.MethodPost, "/api/v1/users/{id}/"+action.name, action.name+"-user", "users", "Disable or enable an account (an officer's account: the security admin only; nobody their own)", true)
		o.Errors = append(o.Errors, http.StatusNotFound)
		huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body org.User }, error) {
			u, err := s.Org.SetDisabled(ctx, principal(ctx), in.ID, action.disable)
			return &struct{ Body org.User }{u}, err
		}))
	}
	o = op(http.MethodPost, "/api/v1/users/{id}/unlock", "unlock-user", "users",
		"Lift an account's login delay after repeated failed logins (an officer's account: the security admin only)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body org.User }, error) {
		u, err := s.Org.Unlock(ctx, principal(ctx), in.ID)
		return &struct{ Body org.User }{u}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/roles", "list-roles", "users", "Roles and the permissions they grant", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body []org.RoleInfo }, error) {
			return &struct{ Body []org.RoleInfo }{org.Roles}, nil
		}))

	// API tokens.
	huma.Register(a, op(http.MethodGet, "/api/v1/tokens", "list-tokens", "tokens", "One's own API tokens", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body []org.Token }, error) {
			ts, err := s.Org.Tokens(ctx, principal(ctx))
			if ts == nil {
				ts = []org.Token{}
			}
			return &struct{ Body []org.Token }{ts}, err
		}))
	type tokenOut struct {
		Body struct {
			org.Token
			Secret string `json:"token" doc:"The bearer token; shown only now, stored hashed"`
		}
	}
	o = op(http.MethodPost, "/api/v1/tokens", "create-token", "tokens", "Issue an API token for scripts", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Body struct {
			Name          string `json:"name" maxLength:"50"`
			ExpiresInDays int    `json:"expires_in_days,omitempty" minimum:"1" maximum:"366" default:"90"`
		}
	}) (*tokenOut, error) {
		days := in.Body.ExpiresInDays
		if days == 0 {
			days = 90
		}
		t, secret, err := s.Org.CreateToken(ctx, principal(ctx), in.Body.Name, time.Duration(days)*24*time.Hour)
		out := &tokenOut{}
		out.Body.Token, out.Body.Secret = t, secret
		return out, err
	}))
	o = op(http.MethodPost, "/api/v1/tokens/{id}/revoke", "revoke-token", "tokens", "Revoke an API token", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, s.Org.RevokeToken(ctx, principal(ctx), in.ID)
	}))
}
