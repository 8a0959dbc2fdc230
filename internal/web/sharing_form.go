package web

import (
	"net/http"
	"strconv"

	"github.com/govshare/govshare/internal/sharing"
)

// sharingForm sends the printable application and approval form
// (数据共享申请表) of an application as a PDF, for whoever may read it.
func (s *server) sharingForm(w http.ResponseWriter, r *http.Request) {
	id := sharingID(r)
	b, err := s.Sharing.FormPDF(r.Context(), s.principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+sharing.FormName(id)+`"`)
	w.Header().Set("Cache-Control", "no-store") // it names people
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if _, err := w.Write(b); err != nil {
		s.Logger.DebugContext(r.Context(), "application form", "id", id, "err", err)
	}
}
