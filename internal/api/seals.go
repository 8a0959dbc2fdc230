package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// registerSeals adds the seal CA's certificate: public and read-only, so
// that anyone verifies licence files offline and a peer platform can trust
// this platform's seals (互信互认).
func (s *Server) registerSeals() {
	type caOut struct {
		ContentType  string `header:"Content-Type"`
		CacheControl string `header:"Cache-Control"`
		Body         []byte
	}
	huma.Register(s.api, op(http.MethodGet, "/api/v1/licences/ca.pem", "get-seal-ca", "licences",
		"The platform's SM2 seal CA certificate (PEM): licence files' seals chain to it", false),
		handle(s, func(ctx context.Context, _ *struct{}) (*caOut, error) {
			return &caOut{ContentType: "application/x-pem-file", CacheControl: "public, max-age=3600", Body: s.Seals.CACertificatePEM()}, nil
		}))
}
