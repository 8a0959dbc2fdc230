package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"

	"github.com/govshare/govshare/internal/licence"
)

// licenceImportBytes bounds an import upload; licenceImportTime is how long
// one may take to arrive and be checked and written (850,000 rows take about
// two minutes once they are in).
const (
	licenceImportBytes = 256 << 20
	licenceImportTime  = 30 * time.Minute
)

// slowUpload gives an operation's requests d to arrive and be answered,
// beyond the server's read and write timeouts, which suit every other call.
func slowUpload(o *huma.Operation, d time.Duration) {
	o.Middlewares = append(o.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		_, w := humachi.Unwrap(ctx)
		rc := http.NewResponseController(w)
		at := time.Now().Add(d)
		rc.SetReadDeadline(at) // a writer that cannot (a test's recorder) keeps the server's
		rc.SetWriteDeadline(at)
		next(ctx)
	})
}

// registerLicences adds the licence library's routes (电子证照库).
func (s *Server) registerLicences() {
	a, L := s.api, s.Licences
	huma.Register(a, op(http.MethodGet, "/api/v1/licence-types", "list-licence-types", "licences", "The licence catalog (证照目录): every licence type", true),
		handle(s, func(ctx context.Context, in *struct {
			Department int64 `query:"department" doc:"Only the types this department issues"`
		}) (*struct{ Body []licence.Type }, error) {
			ts, err := L.Types(ctx, in.Department)
			if ts == nil {
				ts = []licence.Type{}
			}
			return &struct{ Body []licence.Type }{ts}, err
		}))
	o := op(http.MethodPost, "/api/v1/licence-types", "create-licence-type", "licences", "Define a licence type issued by the caller's department", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body licence.TypeInput }) (*struct{ Body licence.Type }, error) {
		t, err := L.CreateType(ctx, principal(ctx), in.Body)
		return &struct{ Body licence.Type }{t}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/licence-types/{code}/template", "licence-template", "licences", "The import template of a licence type (xlsx or csv)", true),
		handle(s, func(ctx context.Context, in *struct {
			Code   string `path:"code" maxLength:"21"`
			Format string `query:"format" enum:"xlsx,csv" default:"xlsx"`
		}) (*fileOut, error) {
			t, err := L.TypeByCode(ctx, in.Code)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			err = licence.WriteTemplate(&buf, t, in.Format)
			out := &fileOut{ContentType: mimeXLSX, ContentDisposition: `attachment; filename="licence-` + t.Code + `.xlsx"`, Body: buf.Bytes()}
			if in.Format == licence.FormatCSV {
				out.ContentType, out.ContentDisposition = "text/csv; charset=utf-8", `attachment; filename="licence-`+t.Code+`.csv"`
			}
			return out, err
		}))

	type licenceOut struct{ Body licence.Licence }
	o = op(http.MethodPost, "/api/v1/licences", "issue-licence", "licences", "Issue a licence (发证)", true)
	o.Description = "The issuing department's administrator or cataloger issues a licence of one of its types. A given identifier's check character (ISO 7064 MOD 37,36), type, issuer and version are checked; " +
		"without one the platform builds it. A refusal names the field and the rule and writes nothing. The issued event is anchored in the evidence ledger in the same transaction."
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body licence.IssueInput }) (*licenceOut, error) {
		l, err := L.Issue(ctx, principal(ctx), in.Body)
		return &licenceOut{l}, err
	}))
	o = op(http.MethodPost, "/api/v1/licences/import", "import-licences", "licences", "Import licences of one type from CSV or the type's Excel template; all rows or none, each problem named by row and column", true)
	o.MaxBodyBytes = licenceImportBytes
	o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge)
	slowUpload(&o, licenceImportTime)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Type        string `query:"type" maxLength:"21" required:"true"`
		Format      string `query:"format" enum:"csv,xlsx," doc:"Default: from the file name or content type"`
		ContentType string `header:"Content-Type"`
		RawBody     []byte `contentType:"multipart/form-data"`
	}) (*struct{ Body licence.ImportReport }, error) {
		kind, body, err := uploaded(in.ContentType, in.RawBody)
		if err != nil {
			return nil, err
		}
		if in.Format != "" {
			kind = in.Format
		} else if strings.HasPrefix(kind, "text/csv") {
			kind = licence.FormatCSV
		}
		rep, err := L.Import(ctx, principal(ctx), in.Type, kind, body)
		if errors.Is(err, licence.ErrImportProblems) {
			body := s.errorBody(ctx, err)
			body.Rows = rep.In(requestLang(ctx)).Problems
			return nil, body
		}
		return &struct{ Body licence.ImportReport }{rep}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/licences", "list-licences", "licences", "The licences the caller's department issued, by holder and type", true),
		handle(s, func(ctx context.Context, in *struct {
			Holder string `query:"holder" maxLength:"30" doc:"Holder's ID number or credit code"`
			Type   string `query:"type" maxLength:"21"`
			Status string `query:"status" enum:"valid,expired,revoked,suspended,"`
			PageParams
		}) (*Page[licence.Licence], error) {
			ls, n, err := L.Licences(ctx, principal(ctx), licence.Query{Holder: strings.ToUpper(strings.TrimSpace(in.Holder)), Type: in.Type, Status: in.Status, Page: in.Page, PageSize: in.PageSize})
			return page(ls, n, in.PageParams), err
		}))
	o = op(http.MethodPost, "/api/v1/licences/verify", "verify-licence", "licences", "Verify a licence (核验) by identifier, or by holder and type: valid or not, with the reason, nothing more", true)
	o.Errors = append(o.Errors, http.StatusTooManyRequests)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body licence.VerifyInput }) (*struct{ Body licence.Verdict }, error) {
		v, err := L.Verify(ctx, principal(ctx), in.Body)
		return &struct{ Body licence.Verdict }{v.In(requestLang(ctx))}, err
	}))

	type ref struct {
		ID string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
	}
	o = op(http.MethodGet, "/api/v1/licences/{id}", "get-licence", "licences", "A licence with its full surface data and its history, for its issuing department", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *ref) (*struct {
		Body struct {
			licence.Licence
			Events []licence.Event `json:"events"`
		}
	}, error) {
		out := &struct {
			Body struct {
				licence.Licence
				Events []licence.Event `json:"events"`
			}
		}{}
		l, err := L.Licence(ctx, principal(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		out.Body.Licence = l
		out.Body.Events, err = L.Events(ctx, principal(ctx), in.ID)
		return out, err
	}))
	o = op(http.MethodGet, "/api/v1/licences/{id}/file", "licence-file", "licences", "The licence file: the signed master with its ledger evidence (PDF)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *ref) (*fileOut, error) {
		b, l, err := L.File(ctx, principal(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &fileOut{ContentType: "application/pdf", ContentDisposition: `attachment; filename="licence-` + l.Number + `.pdf"`, Body: b}, nil
	}))
	for _, m := range []struct {
		path, id, summary string
	}{
		{"revoke", "revoke-licence", "Revoke a licence (注销), with a reason code: holder_request, annulled, lost, error, holder_gone, other"},
		{"suspend", "suspend-licence", "Suspend a valid licence, with a reason code: investigation, dispute, other"},
		{"restore", "restore-licence", "Restore a suspended licence, with a reason code: resolved, other"},
	} {
		m := m
		o = op(http.MethodPost, "/api/v1/licences/{id}/"+m.path, m.id, "licences", m.summary, true)
		o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
		huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
			Body licence.StatusInput
		}) (*licenceOut, error) {
			var l licence.Licence
			var err error
			switch m.path {
			case "revoke":
				l, err = L.Revoke(ctx, principal(ctx), in.ID, in.Body)
			case "suspend":
				l, err = L.Suspend(ctx, principal(ctx), in.ID, in.Body)
			default:
				l, err = L.Restore(ctx, principal(ctx), in.ID, in.Body)
			}
			return &licenceOut{l}, err
		}))
	}
	o = op(http.MethodPost, "/api/v1/licences/{id}/change", "change-licence", "licences", "Change a licence (变更): a new version with a new identifier version; the old one verifies as superseded", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		Body licence.ChangeInput
	}) (*licenceOut, error) {
		l, err := L.Change(ctx, principal(ctx), in.ID, in.Body)
		return &licenceOut{l}, err
	}))
	o = op(http.MethodPost, "/api/v1/licences/{id}/authorisations", "authorise-licence-use", "licences", "Issue the holder's authorisation code (授权码) for one use, at the holder's request", true)
	o.Description = "The issuing department (the holder's department of record) issues the code at its window or through its own service and hands it to the holder, " +
		"who gives it to the department that uses the licence. A code serves one use and expires (15 minutes by default); it may be bound to one department."
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		Body licence.AuthCodeInput
	}) (*struct{ Body licence.AuthCode }, error) {
		c, err := L.NewAuthCode(ctx, principal(ctx), in.ID, in.Body)
		return &struct{ Body licence.AuthCode }{c}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/licences/{id}/uses", "list-licence-uses", "licences", "The uses of a licence, with their purposes, for its issuing department", true),
		handle(s, func(ctx context.Context, in *ref) (*struct{ Body []licence.Use }, error) {
			us, err := L.Uses(ctx, principal(ctx), in.ID)
			if us == nil {
				us = []licence.Use{}
			}
			return &struct{ Body []licence.Use }{us}, err
		}))
	o = op(http.MethodPost, "/api/v1/licences/{id}/use", "use-licence", "licences", "Use a licence (用证) with a purpose (事由) and the holder's authorisation code or recorded consent", true)
	o.Description = "Refused and audited without a purpose or an authorisation. Every use is logged and anchored; the answer carries the surface data masked by the type's rules " +
		"and the annotated copy (加注件) once the platform makes licence files (copy_problem says why not)."
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		Body licence.UseInput
	}) (*struct {
		Body struct {
			licence.Used
			CopyProblem string `json:"copy_problem,omitempty"`
		}
	}, error) {
		u, err := L.Use(ctx, principal(ctx), in.ID, in.Body)
		out := &struct {
			Body struct {
				licence.Used
				CopyProblem string `json:"copy_problem,omitempty"`
			}
		}{}
		out.Body.Used = u
		if !u.CopyProblem.IsZero() {
			out.Body.CopyProblem = u.CopyProblem.In(requestLang(ctx))
		}
		return out, err
	}))
	s.registerLicenceFeeds()
	s.registerLicenceConsents()
}
