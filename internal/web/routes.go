package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

func (s *server) routes(r chi.Router) {
	r.Get("/static/*", s.static)
	r.Get("/login", s.loginPage)
	r.Post("/login", s.login)
	r.Get("/lang/{lang}", s.setLanguage)
	s.licencePublicRoutes(r)
	r.Group(func(r chi.Router) {
		r.Use(s.authed)
		r.Get("/", s.dashboard)
		r.Post("/logout", s.logout)
		r.Get("/area/{area}", s.plannedArea)
		r.Get("/regions", s.regions)
		r.Post("/regions", s.createRegion)
		r.Get("/departments", s.departments)
		r.Post("/departments", s.createDepartment)
		r.Get("/users", s.users)
		r.Post("/users", s.createUser)
		r.Get("/users/{id}", s.user)
		r.Post("/users/{id}/roles", s.setRoles)
		r.Post("/users/{id}/disable", s.setDisabled(true))
		r.Post("/users/{id}/enable", s.setDisabled(false))
		r.Post("/users/{id}/unlock", s.unlockUser)
		r.Get("/roles", s.roles)
		r.Get("/audit", s.audit)
		r.Get("/audit/export", s.auditExport)
		r.Post("/audit/verify", s.verifyAudit)
		r.Get("/account", s.account)
		r.Post("/account/password", s.changePassword)
		r.Post("/account/tokens", s.createToken)
		r.Post("/account/tokens/{id}/revoke", s.revokeToken)
		s.servicesRoutes(r)
		s.listsRoutes(r)
		s.catalogRoutes(r)
		s.exchangeRoutes(r)
		s.aggregationRoutes(r)
		s.sharingRoutes(r)
		s.nodesRoutes(r)
		s.noticesRoutes(r)
		s.ledgerRoutes(r)
		s.basedbRoutes(r)
		s.licencesRoutes(r)
		s.opendataRoutes(r)
		s.geoRoutes(r)
		s.assessRoutes(r)
	})
}

func (s *server) static(w http.ResponseWriter, r *http.Request) {
	p, ok := s.files[chi.URLParam(r, "*")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFileFS(w, r, staticFS, p)
}
