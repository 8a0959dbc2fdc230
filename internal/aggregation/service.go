package aggregation

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the schema of mandates; it needs org's.
var Migration = store.Migration{Domain: "aggregation", FS: migrations}

// Service keeps the mandates and creates and stops their channels.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	org      *org.Service
	cat      *catalog.Service
	lists    *lists.Service
	channels *exchange.Manager
	now      func() time.Time

	// HashKey gives a department's key for hash masking (sharing.Service.HashKey),
	// so that keys outside a mandate travel as the authority's keyed digests.
	HashKey func(ctx context.Context, department int64) ([]byte, error)
}

// NewService returns the service. It does no I/O. channels may be set
// later with SetChannels (the exchange manager takes Shape as an option).
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, cat *catalog.Service, l *lists.Service) *Service {
	return &Service{db: db, audit: log, org: orgs, cat: cat, lists: l, now: time.Now}
}

// SetChannels gives the service the exchange manager that runs the
// mandates' channels.
func (s *Service) SetChannels(m *exchange.Manager) { s.channels = m }

func target(id int64) string { return "mandate:" + strconv.FormatInt(id, 10) }

func (s *Service) record(ctx context.Context, tx *store.Tx, p org.Principal, action string, id int64, detail string) error {
	return s.audit.Append(ctx, tx, org.Entry(p, action, target(id), audit.Success, detail))
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, tgt string, err error) error {
	return org.Denied(ctx, s.audit, p, action, tgt, err)
}

// department answers p's department, or the zero one.
func (s *Service) department(ctx context.Context, p org.Principal) (org.Department, error) {
	if p.DepartmentID == 0 {
		return org.Department{}, nil
	}
	return s.org.Department(ctx, p.DepartmentID)
}

// isAuthorityApprover reports whether p approves for the data authority:
// who creates mandates. The authority's approver rather than its cataloger,
// because a mandate is a decision that makes another department's data
// travel, as approving an application is.
func (s *Service) isAuthorityApprover(ctx context.Context, p org.Principal) (bool, error) {
	return s.lists.IsAuthority(ctx, p)
}

// approves reports whether p is an approver of department dept.
func approves(p org.Principal, dept int64) bool {
	return p.DepartmentID != 0 && p.DepartmentID == dept && p.Can(org.ReviewCatalog)
}

// CanCreate reports whether p may create mandates (the console shows the
// form to them).
func (s *Service) CanCreate(ctx context.Context, p org.Principal) bool {
	ok, _ := s.isAuthorityApprover(ctx, p)
	return ok
}

// sees reports whether p reads mandate m: the staff of its authority and
// of its provider. The system admin moves and reads no business data.
func sees(p org.Principal, m Mandate) bool {
	return p.DepartmentID != 0 && (p.DepartmentID == m.AuthorityID || p.DepartmentID == m.ProviderID)
}

// CanDecide reports whether p confirms or refuses m now.
func CanDecide(p org.Principal, m Mandate) bool {
	return m.State == Pending && approves(p, m.ProviderID)
}

// CanRevoke reports whether p revokes m now.
func CanRevoke(p org.Principal, m Mandate) bool {
	return (m.State == Pending || m.State == Confirmed) && (approves(p, m.ProviderID) || approves(p, m.AuthorityID))
}

// refusals checks a mandate's entry and items against the negative list:
// listed items, or a listed entry, travel only if the listing allows
// aggregation. It answers a Forbidden error naming the first refused.
func (s *Service) refusals(ctx context.Context, code string, items []string) error {
	whole, listed, err := s.lists.AggregationRefusals(ctx, code)
	if err != nil {
		return err
	}
	if whole != "" {
		return errs.New(errs.Forbidden, msgNegativeEntry, code, whole)
	}
	for _, it := range items {
		if basis, ok := listed[it]; ok {
			return errs.New(errs.Forbidden, msgNegativeItem, it, basis)
		}
	}
	return nil
}

// entry answers a published entry with its table mount, or an Invalid
// error on entry_code. An entry read from a front-end node (onNode) needs
// no mount: the node's columns are named as the items.
func (s *Service) entry(ctx context.Context, code string, onNode bool) (catalog.Entry, catalog.Reader, error) {
	e, err := s.cat.Get(ctx, org.System, code, false)
	if errs.Is(err, errs.NotFound) || err == nil && e.Status != catalog.StatusPublished {
		return e, catalog.Reader{}, errs.FieldMsg("entry_code", msgNoEntry, code)
	}
	if err != nil || onNode {
		return e, catalog.Reader{}, err
	}
	r, err := s.cat.Reader(ctx, code, catalog.MountTable)
	if err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Unavailable) {
			return e, r, errs.FieldMsg("entry_code", msgNotMounted, code)
		}
		return e, r, err
	}
	return e, r, nil
}

// checkRef checks that ref is a datasource of dept, adding the problem to
// f on field; it answers other errors.
func (s *Service) checkRef(ctx context.Context, f errs.Fields, dept int64, ref exchange.TableRef, field string) error {
	err := s.channels.CheckRef(ctx, dept, ref, field)
	var ee *errs.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && !ee.Fields[field].IsZero():
		f.AddText(field, ee.Fields[field])
		return nil
	case errs.Is(err, errs.Conflict): // a node not active
		f.AddText(field, errs.TextOf(err))
		return nil
	}
	return err
}

// watermark answers the column of the entry's update-time item, if any.
func watermark(e catalog.Entry, r catalog.Reader) string {
	for _, it := range e.Items {
		if it.Timestamp {
			return r.Column(it.Identifier)
		}
	}
	return ""
}

// Create records a pending mandate: an approver of the data authority asks
// the entry's provider to aggregate the items into one of the authority's
// datasources. Nothing travels before the provider confirms.
func (s *Service) Create(ctx context.Context, p org.Principal, in Input) (Mandate, error) {
	const action = "aggregation.mandate.create"
	tgt := "mandate:" + in.EntryCode
	if ok, err := s.isAuthorityApprover(ctx, p); err != nil {
		return Mandate{}, err
	} else if !ok {
		return Mandate{}, s.denied(ctx, p, action, tgt, errs.New(errs.Forbidden, msgCreateForbidden))
	}
	f := errs.Fields{}
	in.normalize(f)
	var e catalog.Entry
	if f["entry_code"].IsZero() {
		var r catalog.Reader
		var err error
		e, r, err = s.entry(ctx, in.EntryCode, in.Source != nil)
		switch {
		case errs.Is(err, errs.Invalid):
			var ee *errs.Error
			if errors.As(err, &ee) {
				f.AddText("entry_code", ee.Fields["entry_code"])
			}
		case err != nil:
			return Mandate{}, err
		case e.ProviderID == p.DepartmentID:
			f.AddMsg("entry_code", msgOwnEntry)
		default:
			for _, it := range in.Items {
				if !slices.ContainsFunc(e.Items, func(x catalog.Item) bool { return x.Identifier == it }) {
					f.AddMsg("items", msgUnknownItem, it, in.EntryCode)
				}
			}
			if in.Mode != exchange.Full && f["mode"].IsZero() && watermark(e, r) == "" {
				f.AddMsg("mode", msgNoWatermark, in.EntryCode)
			}
		}
	}
	if f["target.datasource"].IsZero() && f["target.table"].IsZero() && s.channels != nil {
		// A channel writes only into a datasource of its consumer: here, the authority.
		if err := s.checkRef(ctx, f, p.DepartmentID, in.Target, "target.datasource"); err != nil {
			return Mandate{}, err
		}
	}
	if in.Source != nil && f["source"].IsZero() && f["source.node_id"].IsZero() && f["entry_code"].IsZero() && s.channels != nil {
		// And reads only a datasource of its provider.
		if err := s.checkRef(ctx, f, e.ProviderID, *in.Source, "source"); err != nil {
			return Mandate{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Mandate{}, err
	}
	if err := s.refusals(ctx, in.EntryCode, in.Items); err != nil {
		return Mandate{}, s.denied(ctx, p, action, tgt, err)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var same int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM aggregation_mandates WHERE entry_code = ? AND target_node = ? AND target_datasource = ?
			AND target_table = ? AND state IN (?, ?)`, in.EntryCode, in.Target.NodeID, in.Target.Datasource, in.Target.Table, Pending, Confirmed).Scan(&same); err != nil {
			return err
		}
		if same > 0 {
			return errs.New(errs.Conflict, msgDuplicate, in.EntryCode, in.Target.Datasource, in.Target.Table)
		}
		if in.Name == "" {
			in.Name = "归集 " + e.Name
		}
		now := store.FormatTime(s.now())
		var src exchange.TableRef
		if in.Source != nil {
			src = *in.Source
		}
		if err := tx.QueryRow(ctx, `INSERT INTO aggregation_mandates (name, authority_id, provider_id, entry_code, items, source_node, source_datasource,
			source_table, target_node, target_datasource, target_table, mode, schedule, soft_delete, batch_size, basis, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, p.DepartmentID, e.ProviderID, in.EntryCode, strings.Join(in.Items, ","), src.NodeID, src.Datasource, src.Table, in.Target.NodeID, in.Target.Datasource, in.Target.Table,
			in.Mode, in.Schedule, in.SoftDelete, in.BatchSize, in.Basis, Pending, p.Username, now, now).Scan(&id); err != nil {
			return fmt.Errorf("insert mandate: %w", err)
		}
		return s.record(ctx, tx, p, action, id, audit.Keyed(auditMandate, in.EntryCode, strings.Join(in.Items, ","),
			in.Target.Datasource, in.Target.Table, in.Basis))
	})
	if err != nil {
		return Mandate{}, err
	}
	return s.get(ctx, id)
}

const selectMandate = `SELECT m.id, m.name, m.authority_id, a.name, m.provider_id, pd.name, m.entry_code, COALESCE(e.name, ''), m.items, m.source_node, m.source_datasource, m.source_table, m.target_node,
	m.target_datasource, m.target_table, m.mode, m.schedule, m.soft_delete, m.batch_size, m.basis, m.state, m.reason, m.channel_id, m.created_by, m.decided_by,
	m.created_at, m.decided_at, m.updated_at
	FROM aggregation_mandates m JOIN departments a ON a.id = m.authority_id JOIN departments pd ON pd.id = m.provider_id
	LEFT JOIN catalog_entries e ON e.code = m.entry_code`

func scan(sc interface{ Scan(...any) error }) (Mandate, error) {
	var m Mandate
	var items, created, decided, updated string
	if err := sc.Scan(&m.ID, &m.Name, &m.AuthorityID, &m.AuthorityName, &m.ProviderID, &m.ProviderName, &m.EntryCode, &m.EntryName, &items,
		&m.Source.NodeID, &m.Source.Datasource, &m.Source.Table, &m.Target.NodeID, &m.Target.Datasource, &m.Target.Table, &m.Mode, &m.Schedule, &m.SoftDelete, &m.BatchSize, &m.Basis, &m.State, &m.Reason, &m.ChannelID,
		&m.CreatedBy, &m.DecidedBy, &created, &decided, &updated); err != nil {
		return m, err
	}
	m.Items = strings.Split(items, ",")
	m.CreatedAt, _ = store.ParseTime(created)
	m.DecidedAt, _ = store.ParseTime(decided)
	m.UpdatedAt, _ = store.ParseTime(updated)
	return m, nil
}

func (s *Service) get(ctx context.Context, id int64) (Mandate, error) {
	m, err := scan(s.db.QueryRow(ctx, selectMandate+" WHERE m.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.New(errs.NotFound, msgNotFound, id)
	}
	return m, err
}

// Mandate returns a mandate the caller may see; another's is not found
// (and the attempt audited).
func (s *Service) Mandate(ctx context.Context, p org.Principal, id int64) (Mandate, error) {
	m, err := s.get(ctx, id)
	if err == nil && !sees(p, m) {
		err = errs.New(errs.NotFound, msgNotFound, id)
	}
	if errs.Is(err, errs.NotFound) {
		if rerr := s.audit.Record(ctx, org.Entry(p, "aggregation.mandate.read", target(id), audit.Denied, org.DenialDetail(err))); rerr != nil {
			return Mandate{}, errors.Join(err, rerr)
		}
	}
	return m, err
}

// Mandates lists the mandates of the caller's department, as authority or
// as provider, newest first, and the number matching.
func (s *Service) Mandates(ctx context.Context, p org.Principal, f Filter) ([]Mandate, int, error) {
	if p.DepartmentID == 0 {
		return []Mandate{}, 0, nil
	}
	where, args := []string{"(m.authority_id = ? OR m.provider_id = ?)"}, []any{p.DepartmentID, p.DepartmentID}
	if slices.Contains(States, f.State) {
		where, args = append(where, "m.state = ?"), append(args, f.State)
	}
	return store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM aggregation_mandates m", Select: selectMandate, Where: where, Args: args,
		Order: "m.id DESC", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (Mandate, error) { return scan(r) })
}

// decide loads a mandate for an action by p: not found if p cannot see it,
// forbidden unless allowed, conflict unless in one of the states from.
func (s *Service) decide(ctx context.Context, p org.Principal, action string, id int64, allowed func(Mandate) bool, forbidden *errs.Msg, from ...string) (Mandate, error) {
	m, err := s.get(ctx, id)
	if err == nil && !sees(p, m) {
		err = errs.New(errs.NotFound, msgNotFound, id)
	}
	if err == nil && !allowed(m) {
		err = errs.New(errs.Forbidden, forbidden)
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			if rerr := s.audit.Record(ctx, org.Entry(p, action, target(id), audit.Denied, org.DenialDetail(err))); rerr != nil {
				return Mandate{}, errors.Join(err, rerr)
			}
			return Mandate{}, err
		}
		return Mandate{}, s.denied(ctx, p, action, target(id), err)
	}
	if !slices.Contains(from, m.State) {
		return m, errs.New(errs.Conflict, msgState, id, m.State)
	}
	return m, nil
}

// setState moves a mandate to state, if it is still in from, and records it.
func (s *Service) setState(ctx context.Context, p org.Principal, action string, m Mandate, from, state, reason string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		now := store.FormatTime(s.now())
		res, err := tx.Exec(ctx, `UPDATE aggregation_mandates SET state = ?, reason = ?, decided_by = ?, decided_at = ?, updated_at = ?
			WHERE id = ? AND state = ?`, state, reason, p.Username, now, now, m.ID, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.New(errs.Conflict, msgState, m.ID, "changed")
		}
		return s.record(ctx, tx, p, action, m.ID, audit.ReasonDetail(reason))
	})
}

// Confirm is the provider's consent: the mandate becomes confirmed and the
// platform creates its channel (as org.System, with the mandate's id), and
// runs a full one at once. If the channel cannot be created the mandate
// stays pending and the error says why.
func (s *Service) Confirm(ctx context.Context, p org.Principal, id int64) (Mandate, error) {
	const action = "aggregation.mandate.confirm"
	m, err := s.decide(ctx, p, action, id, func(m Mandate) bool { return approves(p, m.ProviderID) }, msgDecideForbidden, Pending)
	if err != nil {
		return m, err
	}
	e, r, err := s.entry(ctx, m.EntryCode, m.Source.NodeID != "")
	if err != nil {
		return m, err
	}
	if err := s.refusals(ctx, m.EntryCode, m.Items); err != nil {
		return m, s.denied(ctx, p, action, target(id), err)
	}
	in := exchange.ChannelInput{Name: m.Name, ProviderID: m.ProviderID, ConsumerID: m.AuthorityID,
		Source: exchange.TableRef{Datasource: r.Mount.DatasourceName, Table: r.Mount.Table}, Target: m.Target,
		Mode: m.Mode, Schedule: m.Schedule, BatchSize: m.BatchSize, MandateID: m.ID}
	if m.Source.NodeID != "" {
		in.Source = m.Source
	}
	if m.SoftDelete != "" {
		in.SoftDelete = r.Column(m.SoftDelete)
	}
	if m.Mode != exchange.Full {
		in.Watermark = watermark(e, r)
	}
	if err := s.setState(ctx, p, action, m, Pending, Confirmed, ""); err != nil {
		return m, err
	}
	c, err := s.channels.Create(ctx, org.System, in)
	if err != nil {
		// Back to pending: the provider sees why and may try again.
		if rerr := s.setState(ctx, org.System, "aggregation.mandate.unconfirm", m, Confirmed, Pending, "channel: "+errs.Message(err)); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return m, err
	}
	if err := s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE aggregation_mandates SET channel_id = ? WHERE id = ?", c.ID, m.ID)
		return err
	}); err != nil {
		return m, err
	}
	if m.Mode == exchange.Full { // the authority gets the data now, not at the first scheduled run
		if _, err := s.channels.Run(ctx, org.System, c.ID); err != nil {
			return m, err
		}
	}
	return s.get(ctx, id)
}

// Refuse is the provider declining a pending mandate, with the reason.
func (s *Service) Refuse(ctx context.Context, p org.Principal, id int64, reason string) (Mandate, error) {
	const action = "aggregation.mandate.refuse"
	m, err := s.decide(ctx, p, action, id, func(m Mandate) bool { return approves(p, m.ProviderID) }, msgDecideForbidden, Pending)
	if err != nil {
		return m, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return m, errs.FieldMsg("reason", msgReason)
	}
	if err := s.setState(ctx, p, action, m, Pending, Refused, reason); err != nil {
		return m, err
	}
	return s.get(ctx, id)
}

// Revoke ends a pending or confirmed mandate, by an approver of either
// side, with the reason; its channels stop within a second.
func (s *Service) Revoke(ctx context.Context, p org.Principal, id int64, reason string) (Mandate, error) {
	const action = "aggregation.mandate.revoke"
	m, err := s.decide(ctx, p, action, id, func(m Mandate) bool { return approves(p, m.ProviderID) || approves(p, m.AuthorityID) },
		msgRevokeForbidden, Pending, Confirmed)
	if err != nil {
		return m, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return m, errs.FieldMsg("reason", msgReason)
	}
	if err := s.setState(ctx, p, action, m, m.State, Revoked, reason); err != nil {
		return m, err
	}
	if s.channels != nil {
		ids, err := s.channels.ChannelsOfMandate(ctx, id)
		if err != nil {
			return m, err
		}
		for _, c := range ids {
			if err := s.channels.Stop(ctx, org.System, c, "归集任务已撤销: "+reason); err != nil {
				return m, err
			}
		}
	}
	return s.get(ctx, id)
}

// Shape answers what a mandate's channel may deliver now: the exchange
// manager asks it before each pass and each batch (ManagerOptions.Mandate).
// It fails unless the mandate is confirmed, consumer is its authority and
// the entry is still published; items listed on the negative list since
// (without allowing aggregation) are left out.
func (s *Service) Shape(ctx context.Context, mandate, consumer int64) (*exchange.Shape, error) {
	m, err := s.get(ctx, mandate)
	if err != nil {
		return nil, err
	}
	if m.State != Confirmed {
		return nil, errs.New(errs.Forbidden, msgNotConfirmed, m.ID, m.State)
	}
	if m.AuthorityID != consumer {
		return nil, errs.New(errs.Forbidden, msgWrongConsumer, m.ID)
	}
	e, r, err := s.entry(ctx, m.EntryCode, m.Source.NodeID != "")
	if err != nil {
		return nil, err
	}
	whole, listed, err := s.lists.AggregationRefusals(ctx, m.EntryCode)
	if err != nil {
		return nil, err
	}
	if whole != "" {
		return nil, errs.New(errs.Forbidden, msgNegativeEntry, m.EntryCode, whole)
	}
	delivered := map[string]string{}
	for _, it := range m.Items {
		if _, neg := listed[it]; !neg && slices.ContainsFunc(e.Items, func(x catalog.Item) bool { return x.Identifier == it }) {
			delivered[it] = mask.None
		}
	}
	if len(delivered) == 0 {
		return nil, errs.New(errs.Forbidden, msgNothingLeft, m.ID)
	}
	sh := sharing.ItemsShape(r, e.Items, delivered)
	if s.HashKey != nil {
		if sh.HashKey, err = s.HashKey(ctx, m.AuthorityID); err != nil {
			return nil, err
		}
	}
	return sh, nil
}
