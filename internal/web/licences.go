package web

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licence"
)

// licencesPath is the licence library's page (电子证照库).
const licencesPath = "/licences"

// licencesRoutes adds the licence library's pages; they belong in the
// authenticated group.
func (s *server) licencesRoutes(r chi.Router) {
	if s.Licences == nil {
		return
	}
	r.Get(licencesPath, s.licencesPage)
	r.Post(licencesPath+"/verify", s.licencesVerify)
	r.Post(licencesPath+"/use", s.licencesUse)
	r.Get(licencesPath+"/issue", s.licenceIssuePage)
	r.Post(licencesPath+"/issue", s.licenceIssue)
	r.Post(licencesPath+"/import", s.licenceImport)
	r.Post(licencesPath+"/types", s.licenceCreateType)
	r.Get(licencesPath+"/types/{code}/template", s.licenceTemplate)
	r.Get(licencesPath+"/{id}", s.licencePage)
	r.Get(licencesPath+"/{id}/file", s.licenceFile)
	r.Post(licencesPath+"/{id}/status", s.licenceStatus)
	r.Post(licencesPath+"/{id}/authorise", s.licenceAuthorise)
	r.Post(licencesPath+"/{id}/consents", s.licenceConsent)
	r.Post(licencesPath+"/{id}/consents/{consent}/revoke", s.licenceConsentRevoke)
}

// licencePublicRoutes adds the public page a licence file's QR code opens:
// the licence's status, nothing more, without a login.
func (s *server) licencePublicRoutes(r chi.Router) {
	if s.Licences == nil {
		return
	}
	r.Get("/v", s.licencePublic)
}

// refusal says err in the reader's language: its field problems by field,
// or one message.
func refusal(r *http.Request, err error) (map[string]string, string) {
	code, msg, fields := errs.PublicIn(err, language(r))
	if code == errs.Invalid && len(fields) > 0 {
		return fields, ""
	}
	return nil, msg
}

func userError(err error) bool {
	return errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) || errs.Is(err, errs.Forbidden) || errs.Is(err, errs.RateLimited) ||
		errs.Is(err, errs.NotFound) || errs.Is(err, errs.Unavailable)
}

// licencesPage is the library: the licence catalog, the licences the
// reader's department issued by holder, verification, use and the latest
// uses of its licences.
func (s *server) licencesPage(w http.ResponseWriter, r *http.Request) {
	s.licencesShow(w, r, http.StatusOK, view{}, nil)
}

func (s *server) licencesShow(w http.ResponseWriter, r *http.Request, status int, v view, extra map[string]any) {
	ctx, p := r.Context(), s.principal(r)
	types, err := s.Licences.Types(ctx, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Types": types, "MyDept": p.DepartmentID, "CanIssue": licence.MayDefine(p), "CanUse": licence.MayUse(p),
		"CanVerify": licence.MayVerify(p), "Form": r.PostForm}
	q := r.URL.Query()
	if licence.MayVerify(p) {
		query := licence.Query{Holder: strings.ToUpper(strings.TrimSpace(q.Get("holder"))), Type: q.Get("type"), Page: pageParam(r), PageSize: 20}
		ls, n, err := s.Licences.Licences(ctx, p, query)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Licences"], data["Pager"] = ls, newPager(r, query.Page, 20, n)
		uses, err := s.Licences.DepartmentUses(ctx, p, 20)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Uses"] = uses
	}
	maps.Copy(data, extra)
	v.Title, v.Active, v.Data = "licences.title", licencesPath, data
	s.render(w, r, status, "licences", v)
}

func (s *server) licencesVerify(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	in := licence.VerifyInput{Identifier: r.PostForm.Get("identifier"), HolderID: r.PostForm.Get("holder_id"), Type: r.PostForm.Get("type")}
	v, err := s.Licences.Verify(r.Context(), s.principal(r), in)
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licencesShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, map[string]any{"Tab": "verify"})
		return
	}
	s.licencesShow(w, r, http.StatusOK, view{}, map[string]any{"Verdict": v.In(language(r)), "Tab": "verify"})
}

func (s *server) licencesUse(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	u, err := s.Licences.Use(r.Context(), s.principal(r), strings.TrimSpace(f.Get("identifier")), licence.UseInput{Purpose: f.Get("purpose"), Authorisation: f.Get("authorisation"), Consent: f.Get("consent")})
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licencesShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, map[string]any{"Tab": "use"})
		return
	}
	extra := map[string]any{"Used": u, "Tab": "use"}
	if !u.CopyProblem.IsZero() {
		extra["CopyProblem"] = u.CopyProblem.In(language(r))
	}
	s.licencesShow(w, r, http.StatusOK, view{}, extra)
}

// licenceIssuePage is the issuing department's form for one licence of a
// type, and its import.
func (s *server) licenceIssuePage(w http.ResponseWriter, r *http.Request) {
	s.licenceIssueShow(w, r, http.StatusOK, view{}, nil)
}

func (s *server) licenceIssueShow(w http.ResponseWriter, r *http.Request, status int, v view, extra map[string]any) {
	ctx, p := r.Context(), s.principal(r)
	types, err := s.Licences.Types(ctx, p.DepartmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !licence.MayDefine(p) {
		types = nil
	}
	code := r.URL.Query().Get("type")
	if code == "" {
		code = r.FormValue("type")
	}
	var cur *licence.Type
	for i := range types {
		if types[i].Code == code || cur == nil && code == "" {
			cur = &types[i]
		}
	}
	data := map[string]any{"Types": types, "Type": cur, "Form": r.PostForm, "CanDefine": licence.MayDefine(p)}
	maps.Copy(data, s.licenceFeedsData(r))
	maps.Copy(data, extra)
	v.Title, v.Active, v.Data = "licences.issue.title", licencesPath, data
	s.render(w, r, status, "licence_issue", v)
}

func (s *server) licenceIssue(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	in := licence.IssueInput{Type: f.Get("type"), Identifier: f.Get("identifier"), Number: f.Get("number"), HolderName: f.Get("holder_name"),
		HolderID: f.Get("holder_id"), IssuedOn: f.Get("issued_on"), ValidFrom: f.Get("valid_from"), ValidUntil: f.Get("valid_until"), Items: map[string]string{}}
	for k, vs := range f {
		if code, ok := strings.CutPrefix(k, "item."); ok && strings.TrimSpace(vs[0]) != "" {
			in.Items[code] = vs[0]
		}
	}
	l, err := s.Licences.Issue(r.Context(), s.principal(r), in)
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licenceIssueShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	s.redirect(w, r, licencesPath+"/"+strconv.FormatInt(l.ID, 10), s.msgs.T(language(r), "licences.issued", l.Identifier))
}

func (s *server) licenceImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		s.licenceIssueShow(w, r, http.StatusBadRequest, view{Error: s.msgs.T(language(r), "licences.import.no_file")}, nil)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.licenceIssueShow(w, r, http.StatusBadRequest, view{Error: s.msgs.T(language(r), "licences.import.no_file")}, nil)
		return
	}
	defer file.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, file); err != nil {
		s.licenceIssueShow(w, r, http.StatusBadRequest, view{Error: s.msgs.T(language(r), "licences.import.no_file")}, nil)
		return
	}
	format := licence.FormatXLSX
	if strings.HasSuffix(strings.ToLower(hdr.Filename), ".csv") {
		format = licence.FormatCSV
	}
	rep, err := s.Licences.Import(r.Context(), s.principal(r), r.FormValue("type"), format, buf.Bytes())
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		_, msg := refusal(r, err)
		s.licenceIssueShow(w, r, errs.Status(errs.CodeOf(err)), view{Error: msg}, map[string]any{"Report": rep.In(language(r))})
		return
	}
	s.redirect(w, r, licencesPath+"/issue?type="+url.QueryEscape(rep.Type), s.msgs.T(language(r), "licences.imported", rep.Issued, rep.Already, rep.Batches))
}

func (s *server) licenceTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.Licences.TypeByCode(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := licence.FormatXLSX
	ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if r.URL.Query().Get("format") == licence.FormatCSV {
		format, ctype = licence.FormatCSV, "text/csv; charset=utf-8"
	}
	var buf bytes.Buffer
	if err := licence.WriteTemplate(&buf, t, format); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="licence-`+t.Code+`.`+format+`"`)
	w.Write(buf.Bytes())
}

// licencePage shows one licence to its issuing department: its data,
// status and history, its uses with their purposes, and its actions.
func (s *server) licencePage(w http.ResponseWriter, r *http.Request) {
	s.licenceShow(w, r, http.StatusOK, view{}, nil)
}

func (s *server) licenceShow(w http.ResponseWriter, r *http.Request, status int, v view, extra map[string]any) {
	ctx, p, id := r.Context(), s.principal(r), chi.URLParam(r, "id")
	l, err := s.Licences.Licence(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.Licences.Events(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uses, err := s.Licences.Uses(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Licence": l, "Events": evs, "Uses": uses, "CanIssue": licence.MayIssue(p, l.DepartmentID),
		"Reasons": map[string][]string{"revoke": licence.RevokeReasons, "suspend": licence.SuspendReasons, "restore": licence.RestoreReasons}}
	maps.Copy(data, s.licenceConsentsData(r, l))
	maps.Copy(data, extra)
	v.Title, v.Active, v.Data = "licences.licence.title", licencesPath, data
	s.render(w, r, status, "licence", v)
}

func (s *server) licenceStatus(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	ctx, p, id := r.Context(), s.principal(r), chi.URLParam(r, "id")
	in := licence.StatusInput{Reason: r.PostForm.Get("reason"), Note: r.PostForm.Get("note")}
	var err error
	switch r.PostForm.Get("action") {
	case "revoke":
		_, err = s.Licences.Revoke(ctx, p, id, in)
	case "suspend":
		_, err = s.Licences.Suspend(ctx, p, id, in)
	default:
		_, err = s.Licences.Restore(ctx, p, id, in)
	}
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licenceShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	s.redirect(w, r, licencesPath+"/"+url.PathEscape(id), s.msgs.T(language(r), "licences.status_changed"))
}

func (s *server) licenceAuthorise(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	dept, _ := strconv.ParseInt(r.PostForm.Get("department_id"), 10, 64)
	c, err := s.Licences.NewAuthCode(r.Context(), s.principal(r), chi.URLParam(r, "id"), licence.AuthCodeInput{Department: dept})
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licenceShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	// The code is shown once, on this page, never in a cookie or a URL.
	s.licenceShow(w, r, http.StatusOK, view{}, map[string]any{"Code": c})
}

func (s *server) licenceFile(w http.ResponseWriter, r *http.Request) {
	b, l, err := s.Licences.File(r.Context(), s.principal(r), chi.URLParam(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="licence-`+strconv.FormatInt(l.ID, 10)+`.pdf"`)
	w.Write(b)
}

// licencePublic is the page a licence file's QR code opens: whether the
// licence is valid, and why not. No login; rate limited by address.
func (s *server) licencePublic(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	v := view{Title: "licences.public.title", Data: map[string]any{}}
	if strings.TrimSpace(id) != "" {
		verdict, err := s.Licences.PublicStatus(r.Context(), clientAddr(r), id)
		if err != nil && !userError(err) {
			s.fail(w, r, err)
			return
		}
		if err != nil {
			_, msg, fields := errs.PublicIn(err, language(r))
			if f, ok := fields["identifier"]; ok {
				msg = f
			}
			v.Error = msg
		} else {
			v.Data = map[string]any{"Verdict": verdict.In(language(r))}
		}
	}
	s.render(w, r, http.StatusOK, "licence_public", v)
}

// licenceCreateType defines a licence type for the reader's department: the
// surface items one a line, "code, label, type, required, mask".
func (s *server) licenceCreateType(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	years, _ := strconv.Atoi(strings.TrimSpace(f.Get("validity_years")))
	in := licence.TypeInput{Name: f.Get("name"), HolderKind: f.Get("holder_kind"), Title: f.Get("title"), ValidityYears: years}
	for _, line := range strings.Split(f.Get("items"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' })
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		req := strings.TrimSpace(parts[3])
		in.Items = append(in.Items, licence.ItemDef{Code: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1]), Type: strings.TrimSpace(parts[2]),
			Required: req == "required" || req == "是" || req == "必填", Mask: strings.TrimSpace(parts[4])})
	}
	t, err := s.Licences.CreateType(r.Context(), s.principal(r), in)
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		if msg == "" {
			for k, v := range fields {
				msg += k + ": " + v + "; "
			}
		}
		s.licenceIssueShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	s.redirect(w, r, licencesPath+"/issue?type="+url.QueryEscape(t.Code), s.msgs.T(language(r), "licences.type_created", t.Code))
}
