package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
)

const (
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeJSON = "application/json"
)

type fileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Server) registerTransfer() {
	a := s.api
	o := op(http.MethodPost, "/api/v1/catalog/import", "import-entries", "catalog",
		"Import entries from the Excel template (multipart field \"file\", or the raw .xlsx) or JSON; all or nothing, answering every problem with sheet, row and column", true)
	o.MaxBodyBytes = catalog.DefaultLimits.MaxBytes + 1<<20
	o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ContentType string `header:"Content-Type"`
		RawBody     []byte `contentType:"multipart/form-data"`
	}) (*struct{ Body catalog.ImportReport }, error) {
		kind, body, err := uploaded(in.ContentType, in.RawBody)
		if err != nil {
			return nil, err
		}
		rep, err := s.Catalog.ImportFile(ctx, principal(ctx), kind, body)
		if errors.Is(err, catalog.ErrImportProblems) {
			return nil, &ErrorBody{status: http.StatusBadRequest, Code: errs.Invalid, Message: err.Error(), Problems: rep.Problems}
		}
		return &struct{ Body catalog.ImportReport }{rep}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/export", "export-entries", "catalog", "Export catalog entries: xlsx (the template), json, or dcat (JSON-LD of open entries). xlsx and json hold the caller's department's entries unless scope=all asks for every entry the caller sees; dcat holds every open entry", true),
		handle(s, func(ctx context.Context, in *struct {
			Format string `query:"format" enum:"xlsx,json,dcat" default:"json"`
			Q      string `query:"q" maxLength:"100"`
			Scope  string `query:"scope" enum:"own,all" default:"own" doc:"own: the caller's department's entries (a file that imports back unchanged); all: every entry the caller sees"`
			Host   string `header:"Host"`
			Proto  string `header:"X-Forwarded-Proto" doc:"Set by a proxy that terminates TLS; DCAT landing pages use it"`
		}) (*fileOut, error) {
			entries, err := s.Catalog.Export(ctx, principal(ctx), catalog.Query{Q: in.Q}, in.Format == "dcat", exportScope(in.Format, in.Scope))
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			out := &fileOut{}
			switch in.Format {
			case "xlsx":
				err = catalog.WriteXLSX(&buf, entries)
				out.ContentType, out.ContentDisposition = mimeXLSX, `attachment; filename="catalog.xlsx"`
			case "dcat":
				scheme := "http"
				if in.Proto == "https" {
					scheme = "https"
				}
				err = catalog.WriteDCAT(&buf, entries, scheme+"://"+in.Host)
				out.ContentType, out.ContentDisposition = "application/ld+json", `attachment; filename="catalog.jsonld"`
			default:
				err = catalog.WriteJSON(&buf, entries)
				out.ContentType, out.ContentDisposition = mimeJSON, `attachment; filename="catalog.json"`
			}
			out.Body = buf.Bytes()
			return out, err
		}))
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/template", "catalog-template", "catalog", "The Excel template cataloguers fill in", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*fileOut, error) {
			var buf bytes.Buffer
			err := catalog.WriteTemplate(&buf)
			return &fileOut{ContentType: mimeXLSX, ContentDisposition: `attachment; filename="catalog-template.xlsx"`, Body: buf.Bytes()}, err
		}))
}

// uploaded finds the file in an upload: a multipart form's "file" part, or
// the whole body; the kind comes from the file name or the content type.
func uploaded(contentType string, raw []byte) (string, []byte, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, errs.FieldMsg("file", msgNoFilePart)
			}
			if err != nil {
				return "", nil, errs.FieldMsg("file", msgMultipart, err.Error())
			}
			if part.FormName() != "file" {
				continue
			}
			body, err := io.ReadAll(part)
			if err != nil {
				return "", nil, errs.FieldMsg("file", msgUploadRead, err.Error())
			}
			kind := strings.TrimPrefix(strings.ToLower(path.Ext(part.FileName())), ".")
			if kind == "" {
				kind = kindOf(part.Header.Get("Content-Type"))
			}
			return kind, body, nil
		}
	}
	return kindOf(mt), raw, nil
}

func kindOf(mediaType string) string {
	switch {
	case mediaType == mimeXLSX:
		return "xlsx"
	case mediaType == mimeJSON || strings.HasSuffix(mediaType, "+json"):
		return "json"
	}
	return mediaType
}

// exportScope is the scope of an export: an open-data feed (dcat) holds
// every open entry.
func exportScope(format, scope string) string {
	if format == "dcat" || scope == catalog.ExportAll {
		return catalog.ExportAll
	}
	return catalog.ExportOwn
}
