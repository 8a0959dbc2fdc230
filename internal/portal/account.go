package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/opendata"
)

// publicCookie holds a public user's session: a cookie of its own, apart
// from the console's, on the portal's paths only.
const publicCookie = "gs_public"

// PublicKeys are the gateway's keys of public users.
type PublicKeys interface {
	PublicKeyOf(ctx context.Context, user int64) (gateway.PublicKey, error)
	RevealPublicSecret(ctx context.Context, user int64) (string, error)
}

func (s *server) accountRoutes(r chi.Router) {
	r.Get("/open/login", s.loginPage)
	r.Post("/open/login/code", s.sendCode)
	r.Post("/open/login", s.verify)
	r.Post("/open/logout", s.logout)
	r.Get("/open/account", s.account)
	r.Post("/open/account/secret", s.revealSecret)
	r.Post("/open/dataset/{slug}/apply", s.apply)
}

// user returns the logged-in public user, if any.
func (s *server) user(r *http.Request) (opendata.User, bool) {
	c, err := r.Cookie(publicCookie)
	if err != nil {
		return opendata.User{}, false
	}
	u, err := s.OpenData.Authenticate(r.Context(), c.Value)
	return u, err == nil
}

type loginData struct {
	Address string
	Sent    bool
	Next    string
	Errors  map[string]string
}

// safeNext keeps a return path on the portal.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/open/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/open/account"
	}
	return next
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", page{Title: "login.title", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// formFail renders the login form again with err beside its field.
func (s *server) formFail(w http.ResponseWriter, r *http.Request, d loginData, err error) {
	code, msg, fields := errs.PublicIn(err, language(r))
	if code == errs.Internal || code == errs.Unavailable {
		s.fail(w, r, err)
		return
	}
	if len(fields) == 0 {
		fields = map[string]string{"form": msg}
	}
	d.Errors = fields
	s.render(w, r, errs.Status(code), "login", page{Title: "login.title", Data: d})
}

func (s *server) sendCode(w http.ResponseWriter, r *http.Request) {
	d := loginData{Address: strings.TrimSpace(r.PostFormValue("address")), Next: safeNext(r.PostFormValue("next"))}
	if err := s.OpenData.RequestCode(r.Context(), d.Address, client(r)); err != nil {
		s.formFail(w, r, d, err)
		return
	}
	d.Sent = true
	s.render(w, r, http.StatusOK, "login", page{Title: "login.title", Data: d})
}

func (s *server) verify(w http.ResponseWriter, r *http.Request) {
	d := loginData{Address: strings.TrimSpace(r.PostFormValue("address")), Sent: true, Next: safeNext(r.PostFormValue("next"))}
	sess, err := s.OpenData.Verify(r.Context(), d.Address, r.PostFormValue("code"), r.PostFormValue("name"), client(r))
	if err != nil {
		s.formFail(w, r, d, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: publicCookie, Value: sess.Token, Path: "/open", Expires: sess.Expires, HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(publicCookie); err == nil {
		if err := s.OpenData.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: publicCookie, Value: "", Path: "/open", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/open/", http.StatusSeeOther)
}

type accountData struct {
	User         opendata.User
	Applications []opendata.Application
	Key          *gateway.PublicKey
	Secret       string
	Endpoint     string
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request, u opendata.User, secret string) {
	apps, err := s.OpenData.MyApplications(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := accountData{User: u, Applications: apps, Secret: secret, Endpoint: strings.TrimRight(s.PublicURL, "/") + gateway.Prefix}
	if s.Keys != nil {
		k, err := s.Keys.PublicKeyOf(r.Context(), u.ID)
		switch {
		case err == nil:
			d.Key = &k
		case !errs.Is(err, errs.NotFound):
			s.fail(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "account", page{Title: "account.title", Data: d})
}

func (s *server) toLogin(w http.ResponseWriter, r *http.Request, next string) {
	http.Redirect(w, r, "/open/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func (s *server) account(w http.ResponseWriter, r *http.Request) {
	u, ok := s.user(r)
	if !ok {
		s.toLogin(w, r, "/open/account")
		return
	}
	s.accountPage(w, r, u, "")
}

func (s *server) revealSecret(w http.ResponseWriter, r *http.Request) {
	u, ok := s.user(r)
	if !ok || s.Keys == nil {
		s.toLogin(w, r, "/open/account")
		return
	}
	secret, err := s.Keys.RevealPublicSecret(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.accountPage(w, r, u, secret)
}

func (s *server) apply(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	back := "/open/dataset/" + url.PathEscape(slug)
	u, ok := s.user(r)
	if !ok {
		s.toLogin(w, r, back)
		return
	}
	if r.PostFormValue("agree") == "" {
		s.fail(w, r, errs.FieldMsg("agree", msgAgree))
		return
	}
	if _, err := s.OpenData.Apply(r.Context(), u, opendata.CodeOf(slug), r.PostFormValue("purpose"), client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, back+"#apply", http.StatusSeeOther)
}
