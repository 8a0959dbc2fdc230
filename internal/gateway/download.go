package gateway

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// downloadPage is how many rows a download reads at a time.
const downloadPage = 1000

// Download is a file grant's table on its way to the consumer (文件下载):
// the granted items, masked, the rows the grant's filter allows.
type Download struct {
	s      *Service
	c      *call
	access sharing.Access
	d      sharing.Decision
	reader catalog.Reader
	src    *connector.Source
}

// Download asks the policy whether p's department may download the entry
// under grant, and prepares the file.
func (s *Service) Download(ctx context.Context, p org.Principal, grant int64) (*Download, error) {
	g, err := s.sharing.Grant(ctx, p, grant)
	if err != nil {
		return nil, err
	}
	c := &call{start: time.Now(), code: g.EntryCode, addr: p.ClientAddr, actor: p.Username, action: "service.download",
		app: App{DepartmentID: p.DepartmentID, DepartmentName: p.DepartmentName}}
	dl, err := s.download(ctx, p, g, c)
	if err != nil {
		c.err = err
		code, _, _ := errs.Public(err)
		c.status = errs.Status(code)
		s.meter(ctx, c)
	}
	return dl, err
}

func (s *Service) download(ctx context.Context, p org.Principal, g sharing.Grant, c *call) (*Download, error) {
	if p.Has(org.SystemAdmin) {
		return nil, s.denied(ctx, p, "service.download", "catalog:"+g.EntryCode, errs.New(errs.Forbidden, msgSystemAdminNoData))
	}
	if !p.Can(org.ConsumeData) {
		return nil, s.denied(ctx, p, "service.download", "catalog:"+g.EntryCode, errs.New(errs.Forbidden, msgDownloadConsumer))
	}
	access := sharing.Access{Path: sharing.PathDownload, Department: p.DepartmentID, Actor: p.Username,
		ClientAddr: p.ClientAddr, Code: g.EntryCode, GrantID: g.ID}
	d, err := s.sharing.Check(ctx, access)
	if err != nil {
		return nil, err
	}
	c.items = d.Items
	reader, err := s.reader(ctx, g.EntryCode, catalog.MountTable)
	if err != nil {
		return nil, err
	}
	src, err := s.sources.get(ctx, reader.Driver, reader.DSN)
	if err != nil {
		return nil, err
	}
	return &Download{s: s, c: c, access: access, d: d, reader: reader, src: src}, nil
}

// Name is the file's name.
func (dl *Download) Name() string { return strings.ReplaceAll(dl.d.Entry.Code, "/", "-") + ".csv" }

// WriteCSV writes the file as UTF-8 CSV with a byte-order mark (so that
// spreadsheet programs read the Chinese right): a header row of item names,
// then the rows. The download is metered and audited when it ends.
func (dl *Download) WriteCSV(ctx context.Context, w io.Writer) (err error) {
	defer func() {
		dl.c.err, dl.c.status = err, http.StatusOK
		if err != nil {
			dl.c.status = http.StatusInternalServerError
		}
		dl.s.meter(ctx, dl.c)
	}()
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	var header, items, columns, order []string // items: the granted items in the entry's order, as columns
	for _, it := range dl.d.Entry.Items {
		if it.Key {
			order = append(order, dl.reader.Column(it.Identifier))
		}
		for _, id := range dl.d.Items {
			if id == it.Identifier {
				header, items, columns = append(header, it.Name), append(items, id), append(columns, dl.reader.Column(id))
			}
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	var filters []connector.Filter
	for _, f := range dl.d.Filter {
		filters = append(filters, connector.Filter{Column: dl.reader.Column(f.Item), Op: f.Op, Values: anys(f.Values)})
	}
	record := make([]string, len(columns))
	masker := dl.d.Masker()
	var formats []connector.Format
	for offset := 0; ; offset += downloadPage {
		if offset > 0 { // a grant revoked or expired mid-download stops it
			if _, err := dl.s.sharing.Check(ctx, dl.access); err != nil {
				return err
			}
		}
		rows, _, err := dl.src.Query(ctx, dl.reader.Mount.Table, columns, filters, order, downloadPage, offset)
		if err != nil {
			return err
		}
		if formats == nil {
			if formats, err = dl.src.Formats(ctx, dl.reader.Mount.Table, columns); err != nil {
				return err
			}
			formats = itemFormats(formats, dl.d.Entry, items)
		}
		for _, row := range rows {
			for j, id := range items {
				record[j] = textValue(formats[j], masker, dl.d.Masking[id], row[j])
			}
			if err := cw.Write(record); err != nil {
				return err
			}
		}
		dl.c.rows += len(rows)
		if len(rows) < downloadPage {
			break
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
