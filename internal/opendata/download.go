package opendata

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
)

// Download formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
	JSON = "json"
)

// Formats are the download formats, in the order pages offer them.
var Formats = []string{CSV, XLSX, JSON}

// MediaType returns the media type of a download format.
func MediaType(format string) string {
	switch format {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json; charset=utf-8"
}

// batchRows is how many rows a download reads at a time: the memory it
// holds, whatever the size of the table.
const batchRows = 5000

// maxXLSXRows is the most rows a worksheet holds (below the header).
const maxXLSXRows = 1048575

// SampleRows is how many rows a dataset page shows.
const SampleRows = 5

// Sample is a few rows of an open dataset's open items, masked as a download is.
type Sample struct {
	Columns []Item     `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// column is one open item read for the public.
type column struct {
	item Item
	name string // in the table
	rule string // masking
	typ  string // catalog data type
}

// plan is what a public read of an open dataset reads.
type plan struct {
	e     catalog.Entry
	cols  []column
	order []string // the key, read besides the columns
	r     catalog.Reader
}

func (s *Service) plan(ctx context.Context, code string) (plan, error) {
	e, l, err := s.entry(ctx, code)
	if err != nil {
		return plan{}, err
	}
	if l != Open {
		return plan{}, errs.New(errs.Forbidden, msgNotOpen, code)
	}
	p := plan{e: e}
	for _, it := range e.Items {
		if _, open := publicItem(l, it); open {
			p.cols = append(p.cols, column{item: Item{Name: it.Name, Identifier: it.Identifier, DataType: it.DataType, Description: it.Description, Open: true},
				rule: rule(it), typ: it.DataType})
		}
	}
	if len(p.cols) == 0 || !e.Mounted {
		return plan{}, errs.New(errs.NotFound, msgNoDownload, code)
	}
	p.r, err = s.catalog.Reader(ctx, code, catalog.MountTable)
	if errs.Is(err, errs.Unavailable) {
		return plan{}, errs.New(errs.NotFound, msgNoDownload, code)
	}
	if err != nil {
		return plan{}, err
	}
	for i := range p.cols {
		p.cols[i].name = p.r.Column(p.cols[i].item.Identifier)
	}
	for _, it := range e.Items {
		if it.Key {
			p.order = append(p.order, p.r.Column(it.Identifier))
		}
	}
	if len(p.order) == 0 {
		for _, c := range p.cols {
			p.order = append(p.order, c.name)
		}
	}
	return p, nil
}

// rule is how the public's copy masks an item: its default rule, or Full
// for a sensitive item whose default leaves it as it is (as samples do).
func rule(it catalog.Item) string {
	if !mask.Valid(it.Masking) {
		return mask.Full
	}
	if it.Masking == mask.None && (it.Sensitive || it.DataType == "binary") {
		return mask.Full
	}
	return it.Masking
}

// scan reads the open columns of the mounted table in key order, batch by
// batch, calling fn with each row's values (as text when text is set,
// else as encoding/json values), at most limit rows (0: all).
func (s *Service) scan(ctx context.Context, p plan, limit int, fn func(vals []any) error) (int, error) {
	src, err := connector.Open(ctx, p.r.Driver, p.r.DSN)
	if err != nil {
		return 0, s.unavailable(p.e.Code, err)
	}
	defer src.Close()
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = c.name
	}
	formats, err := src.Formats(ctx, p.r.Mount.Table, names)
	if err != nil {
		return 0, s.unavailable(p.e.Code, err)
	}
	table, err := src.Table(ctx, p.r.Mount.Table) // described once, not for each batch
	if err != nil {
		return 0, s.unavailable(p.e.Code, err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	m := mask.Masker{Key: key}
	var after []any
	n := 0
	vals := make([]any, len(p.cols))
	for {
		size := batchRows
		if limit > 0 && limit-n < size {
			size = limit - n
		}
		rows, pos, err := src.ReadAfterIn(ctx, table, names, p.order, after, false, size)
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			return n, s.unavailable(p.e.Code, err)
		}
		for _, row := range rows {
			for j, c := range p.cols {
				v := row[j]
				switch {
				case v == nil:
					vals[j] = nil
				case c.rule == mask.None:
					vals[j] = formats[j].Item(c.typ).JSON(v)
				default:
					vals[j] = mask.Text(m.Apply(c.rule, v))
				}
			}
			if err := fn(vals); err != nil {
				return n, err
			}
			n++
		}
		if len(rows) < size || (limit > 0 && n >= limit) {
			return n, nil
		}
		after = pos[len(pos)-1]
	}
}

func (s *Service) unavailable(code string, err error) error {
	s.logger().Warn("open data read", "code", code, "err", err)
	return errs.WrapMsg(err, errs.Unavailable, msgUnavailable, code)
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Sample reads the first rows of an open dataset, masked as downloads are.
// A listed (conditional) dataset has no sample: Forbidden.
// A sample is read again when the catalog changes, and at least every
// cacheTTL.
func (s *Service) Sample(ctx context.Context, code string) (Sample, error) {
	gen, now := s.generation(ctx), time.Now()
	if smp, ok := s.samples.get(code, gen, now); ok && gen >= 0 {
		return smp, nil
	}
	smp, err := s.sample(ctx, code)
	if err == nil && gen >= 0 {
		s.samples.put(code, gen, now, smp)
	}
	return smp, err
}

func (s *Service) sample(ctx context.Context, code string) (Sample, error) {
	p, err := s.plan(ctx, code)
	if err != nil {
		return Sample{}, err
	}
	out := Sample{Rows: [][]string{}}
	for _, c := range p.cols {
		out.Columns = append(out.Columns, c.item)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = s.scan(ctx, p, SampleRows, func(vals []any) error {
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = text(v)
		}
		out.Rows = append(out.Rows, row)
		return nil
	})
	return out, err
}

// Prepared is a download admitted and ready to stream.
type Prepared struct {
	s      *Service
	p      plan
	format string
	client string
	done   func()
}

// KeyOf is the throttle's subject for public user user's downloads.
func KeyOf(user int64) string { return fmt.Sprintf("public_user:%d", user) }

// Filename is the download's file name: the resource code and format.
func (d *Prepared) Filename() string {
	name := []rune(d.p.e.Code)
	for i, r := range name {
		if r == '/' {
			name[i] = '-'
		}
	}
	return string(name) + "." + d.format
}

// Close releases the download's place in the throttle; Write does too.
func (d *Prepared) Close() {
	if d.done != nil {
		d.done()
		d.done = nil
	}
}

// PrepareDownload checks a download of an open dataset in format by
// client (the caller's address) and admits it through the throttle, so
// that a transport can answer an error before it starts the response.
// keys are the key or public user the download is made with (KeyOf), each
// throttled as an address is, so that neither many addresses with one key
// nor one address gets more than its share.
func (s *Service) PrepareDownload(ctx context.Context, code, format, client string, keys ...string) (*Prepared, error) {
	switch format {
	case CSV, XLSX, JSON:
	default:
		return nil, errs.FieldMsg("format", msgFormat)
	}
	p, err := s.plan(ctx, code)
	if err != nil {
		return nil, err
	}
	done, err := s.Throttle.Start(append([]string{client}, keys...)...)
	if err != nil {
		return nil, err
	}
	return &Prepared{s: s, p: p, format: format, client: client, done: done}, nil
}

// Write streams the download to w, reading the table a batch at a time:
// its memory does not grow with the table. It records the download in the
// audit log, whole or broken off, and counts it when whole.
func (d *Prepared) Write(ctx context.Context, w io.Writer) (int, error) {
	defer d.Close()
	s, p := d.s, d.p
	var n int
	var err error
	switch d.format {
	case CSV:
		n, err = s.writeCSV(ctx, p, w)
	case XLSX:
		n, err = s.writeXLSX(ctx, p, w)
	default:
		n, err = s.writeJSON(ctx, p, w)
	}
	detail := audit.Keyed(auditDownload, d.format, n, len(p.cols))
	if err != nil {
		detail = audit.Keyed(auditDownloadCut, d.format, n, len(p.cols))
	}
	entry := audit.Entry{Actor: "public", Action: "opendata.download", Target: "catalog:" + p.e.Code, Outcome: audit.Success, ClientAddr: d.client, Detail: detail}
	if err != nil {
		entry.Outcome = audit.Failure
	}
	if rerr := s.audit.Record(context.WithoutCancel(ctx), entry); rerr != nil && err == nil {
		err = rerr
	}
	if err == nil {
		s.Count(p.e.Code, Download)
	}
	return n, err
}

func (s *Service) writeCSV(ctx context.Context, p plan, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF") // so that spreadsheet programs read UTF-8
	cw := csv.NewWriter(bw)
	head := make([]string, len(p.cols))
	for i, c := range p.cols {
		head[i] = c.item.Name
	}
	cw.Write(head)
	row := make([]string, len(p.cols))
	n, err := s.scan(ctx, p, 0, func(vals []any) error {
		for i, v := range vals {
			row[i] = text(v)
		}
		return cw.Write(row)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func (s *Service) writeJSON(ctx context.Context, p plan, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	keys := make([][]byte, len(p.cols))
	for i, c := range p.cols {
		keys[i], _ = json.Marshal(c.item.Identifier)
	}
	bw.WriteString("[")
	first := true
	n, err := s.scan(ctx, p, 0, func(vals []any) error {
		if !first {
			bw.WriteString(",")
		}
		first = false
		bw.WriteString("\n{")
		for i, v := range vals {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.Write(keys[i])
			bw.WriteString(":")
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			bw.Write(b)
		}
		_, err := bw.WriteString("}")
		return err
	})
	if err != nil {
		return n, err
	}
	bw.WriteString("\n]\n")
	return n, bw.Flush()
}

// writeXLSX streams the rows into a worksheet. excelize's stream writer
// keeps rows in a temporary file, not in memory; a table longer than a
// worksheet stops at maxXLSXRows.
func (s *Service) writeXLSX(ctx context.Context, p plan, w io.Writer) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	head := make([]any, len(p.cols))
	for i, c := range p.cols {
		head[i] = c.item.Name
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	row := make([]any, len(p.cols))
	line := 1
	n, err := s.scan(ctx, p, maxXLSXRows, func(vals []any) error {
		for i, v := range vals {
			switch x := v.(type) {
			case int64, float64, bool:
				row[i] = x
			default:
				row[i] = text(v)
			}
		}
		line++
		cell, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	_, err = f.WriteTo(w)
	return n, err
}
