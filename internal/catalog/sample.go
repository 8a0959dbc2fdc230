package catalog

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
)

// SampleSize is how many rows a sample holds.
const SampleSize = 5

// sampleTimeout bounds the reading of a sample: the page waits for it.
const sampleTimeout = 10 * time.Second

// States of a sample.
const (
	SampleRows      = "rows"       // rows with the values the reader may see
	SampleColumns   = "columns"    // the columns and their masking only: values come with a grant
	SampleNotShared = "not_shared" // 不予共享: nothing to apply for, no sample
	SampleNoTable   = "no_table"   // the entry has no table mount
)

// SampleColumn is one column of a sample: a published item and the masking
// its values carry.
type SampleColumn struct {
	Identifier string `json:"identifier"`
	Name       string `json:"name"`
	DataType   string `json:"data_type"`
	Masking    string `json:"masking" doc:"The rule applied: the item's default, full for a sensitive item without one"`
	Withheld   bool   `json:"withheld,omitempty" doc:"Shared on conditions: its values come with a grant"`
}

// Sample is a few rows of an entry's mounted table as a consumer would
// receive them (样例数据): only the items the entry publishes, each masked
// by the catalog's default for it.
type Sample struct {
	State   string         `json:"state" enum:"rows,columns,not_shared,no_table"`
	Columns []SampleColumn `json:"columns,omitempty"`
	Rows    [][]string     `json:"rows,omitempty" doc:"One text per column; a withheld column's is empty"`
}

// Sample reads up to SampleSize rows of the entry's mounted table for p.
// An item not shared (不予共享) is never read. What p sees of the rest
// follows the sharing attribute, the catalog's own statement of who may
// have the data: values of unconditionally shared items go to anyone of a
// department who may see the entry, since every department may have them;
// values of items shared on conditions only to the provider's catalogers,
// others see those columns and their masking, as their values need a
// grant; an entry not shared has no sample. Values are masked by the
// items' default rules (a sensitive item without one is covered), a hash
// under a key thrown away after the call so that sampled hashes cannot be
// matched against a dictionary. The officers, of no department, see no
// values. Errors of the source are Unavailable with a keyed message.
func (s *Service) Sample(ctx context.Context, p org.Principal, code string) (Sample, error) {
	e, err := s.Get(ctx, p, code, false)
	if err != nil {
		return Sample{}, err
	}
	if e.ShareType == ShareNone {
		return Sample{State: SampleNotShared}, nil
	}
	provider := CanEdit(p, e.ProviderID)
	out := Sample{State: SampleColumns}
	var read []int // the columns whose values are read
	for _, it := range e.Items {
		if it.ShareType == ShareNone {
			continue
		}
		c := SampleColumn{Identifier: it.Identifier, Name: it.Name, DataType: it.DataType, Masking: sampleRule(it)}
		c.Withheld = !provider && (p.DepartmentID == 0 || it.ShareType != ShareUnconditional)
		if !c.Withheld {
			read = append(read, len(out.Columns))
		}
		out.Columns = append(out.Columns, c)
	}
	ms, err := s.loadMounts(ctx, code)
	if err != nil {
		return Sample{}, err
	}
	hasTable := false
	for _, m := range ms {
		hasTable = hasTable || m.Kind == MountTable
	}
	if !hasTable {
		return Sample{State: SampleNoTable, Columns: out.Columns}, nil
	}
	if len(read) == 0 {
		return out, nil
	}
	r, err := s.Reader(ctx, code, MountTable)
	if err != nil {
		return Sample{}, err
	}
	rows, err := s.sampleRows(ctx, r, e, out.Columns, read)
	if err != nil {
		s.logger().Warn("sample rows", "code", code, "err", err)
		return Sample{}, errs.WrapMsg(err, errs.Unavailable, msgSampleUnavailable, code)
	}
	out.State, out.Rows = SampleRows, rows
	// Values left the source: the reading is on record, as every pass is.
	entry := org.Entry(p, "catalog.sample", "catalog:"+code, audit.Success, audit.Keyed(auditSample, len(rows), len(read)))
	if err := s.audit.Record(ctx, entry); err != nil {
		return Sample{}, err
	}
	return out, nil
}

// sampleRule is how a sample masks an item: its default rule, or Full for
// a sensitive item whose default leaves it as it is.
func sampleRule(it Item) string {
	rule := it.Masking
	if !mask.Valid(rule) {
		return mask.Full
	}
	if rule == mask.None && (it.Sensitive || it.DataType == "binary") {
		return mask.Full
	}
	return rule
}

// sampleRows reads the columns read of the mounted table, in key order.
func (s *Service) sampleRows(ctx context.Context, r Reader, e Entry, cols []SampleColumn, read []int) ([][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, sampleTimeout)
	defer cancel()
	src, err := connector.Open(ctx, r.Driver, r.DSN)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	names := make([]string, len(read))
	types := map[string]string{}
	for _, it := range e.Items {
		types[it.Identifier] = it.DataType
	}
	for j, i := range read {
		names[j] = r.Column(cols[i].Identifier)
	}
	var order []string
	for _, it := range e.Items {
		if it.Key && it.ShareType != ShareNone {
			order = append(order, r.Column(it.Identifier))
		}
	}
	if len(order) == 0 {
		order = names[:1]
	}
	rows, _, err := src.Query(ctx, r.Mount.Table, names, nil, order, SampleSize, 0)
	if err != nil {
		return nil, err
	}
	formats, err := src.Formats(ctx, r.Mount.Table, names)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	m := mask.Masker{Key: key}
	out := make([][]string, len(rows))
	for k, row := range rows {
		vals := make([]string, len(cols))
		for j, i := range read {
			v, rule := row[j], cols[i].Masking
			switch {
			case v == nil:
			case rule == mask.None:
				vals[i] = formats[j].Item(types[cols[i].Identifier]).Text(v)
			default:
				vals[i] = mask.Text(m.Apply(rule, v))
			}
		}
		out[k] = vals
	}
	return out, nil
}
