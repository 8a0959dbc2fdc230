package geo

import (
	"context"
	"slices"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// shape is what a caller may see of a layer: every property for the
// providing department's staff, else what the grant names, masked as it
// says, and only the features its row filter keeps.
type shape struct {
	own     bool
	props   []string          // properties to return, in the layer's order
	masking map[string]string // property → masking rule
	filter  sharing.RowFilter
	masker  mask.Masker
}

// apply shapes a feature in place; it answers false for one the row filter drops.
func (sh shape) apply(f *Feature) bool {
	if sh.own {
		return true
	}
	if len(sh.filter) > 0 {
		row := make(map[string]any, len(f.Props))
		for k, v := range f.Props {
			row[k] = v
		}
		if !sh.filter.Match(row) {
			return false
		}
	}
	out := make(map[string]string, len(sh.props))
	for _, k := range sh.props {
		v, ok := f.Props[k]
		if !ok {
			continue
		}
		if rule := sh.masking[k]; rule != "" {
			v = mask.Text(sh.masker.Apply(rule, v))
		}
		out[k] = v
	}
	f.Props = out
	if !slices.Contains(sh.props, "name") {
		f.Name = ""
	}
	return true
}

// staff reports whether p may read business data at all: a member of a
// department holding a data role (consumer, cataloger or approver).
func staff(p org.Principal) bool {
	return p.DepartmentID != 0 && (p.Can(org.ConsumeData) || p.Can(org.EditCatalog) || p.Can(org.ReviewCatalog))
}

// access decides p's read of layer l by the sharing rules (see the package
// documentation); a refusal says why, and the sharing check audits it.
func (s *Service) access(ctx context.Context, p org.Principal, l Layer) (shape, error) {
	if !staff(p) {
		return shape{}, errs.New(errs.Forbidden, msgNoDepartment)
	}
	if p.DepartmentID == l.DepartmentID {
		return shape{own: true, props: l.Properties}, nil
	}
	if !p.Can(org.ConsumeData) || l.EntryCode == "" {
		s.deny(ctx, p, l)
		return shape{}, errs.New(errs.Forbidden, msgReadDenied, l.ID, l.EntryCode)
	}
	d, err := s.sharing.Check(ctx, sharing.Access{Path: sharing.PathPreview, Department: p.DepartmentID, Actor: p.Username,
		ClientAddr: p.ClientAddr, Code: l.EntryCode})
	if errs.Is(err, errs.NotFound) {
		s.deny(ctx, p, l)
		return shape{}, errs.WrapMsg(err, errs.Forbidden, msgReadDenied, l.ID, l.EntryCode)
	}
	if err != nil {
		return shape{}, err
	}
	sh := shape{masking: d.Masking, filter: d.Filter, masker: d.Masker()}
	for _, k := range l.Properties {
		if slices.Contains(d.Items, k) {
			sh.props = append(sh.props, k)
		}
	}
	return sh, nil
}

// deny audits a refusal the sharing check did not see.
func (s *Service) deny(ctx context.Context, p org.Principal, l Layer) {
	s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Action: "geo.read",
		Target: "geo:" + l.ID, Outcome: audit.Denied, ClientAddr: p.ClientAddr, Detail: audit.Keyed(msgReadDenied, l.ID, l.EntryCode)})
}

// seenKey is one caller's reads of one layer by one path (items, feature,
// tiles).
type seenKey struct {
	user       int64
	layer, how string
}

// tileAuditEvery bounds how often a caller's tile reads of a layer are
// audited: a map view fetches dozens of tiles a second, and one entry a
// minute per caller and layer records the reading without flooding the log.
const tileAuditEvery = time.Minute

// recordRead audits a read; tile reads at most once per tileAuditEvery per
// caller and layer.
func (s *Service) recordRead(ctx context.Context, p org.Principal, l Layer, how string, n int) error {
	if how == "tiles" {
		k := seenKey{p.UserID, l.ID, how}
		now := s.now()
		s.mu.Lock()
		last, ok := s.seen[k]
		if ok && now.Sub(last) < tileAuditEvery {
			s.mu.Unlock()
			return nil
		}
		s.seen[k] = now
		if len(s.seen) > 10000 {
			clear(s.seen)
		}
		s.mu.Unlock()
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Action: "geo.read",
		Target: "geo:" + l.ID, Outcome: audit.Success, ClientAddr: p.ClientAddr, Detail: audit.Keyed(auditRead, how, l.ID, n)})
}
