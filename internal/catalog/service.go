package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the catalog schema; it needs org's.
var Migration = store.Migration{Domain: "catalog", FS: migrations}

// NegativeList tells whether an entry may not be shared (负面清单).
type NegativeList interface {
	// Blocked returns the legal basis when the entry (or one of its items) is on the list.
	Blocked(ctx context.Context, code string) (basis string, blocked bool, err error)
}

// Service manages the catalog.
type Service struct {
	db        *store.DB
	audit     *audit.Log
	org       *org.Service
	profile   Profile
	now       func() time.Time
	index     *memIndex
	importing chan struct{}
	// SQLiteRoot holds the departments' SQLite datasources, each in its
	// own folder SQLiteRoot/<credit code>/ (SQLiteFolder); empty allows no
	// SQLite datasource.
	SQLiteRoot string
	// Replicated refuses new SQLite datasources: the platform runs as
	// replicas, which do not share a file.
	Replicated bool
	// Hosts are the hosts that postgres and mysql datasources may name
	// (--datasource-hosts); the zero value allows none.
	Hosts connector.Hosts
	// APIHostOwners, when set, returns the credit codes of the departments
	// that --api-direct-hosts lets the platform call at u; an API mount of
	// any other department there is refused.
	APIHostOwners func(u *url.URL) []string
	// Log receives why a datasource did not answer; nil is slog.Default().
	Log *slog.Logger
	// Secrets seals datasource credentials at rest (SM4-GCM); the platform
	// sets it from its key file, NewService starts with a throwaway key.
	Secrets  *cryptosuite.Sealer
	Negative NegativeList // set by the lists service; nil means an empty list
}

// NewService returns a catalog service; profile renders resource codes.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, profile Profile) *Service {
	if profile == nil {
		profile = NationalProfile{}
	}
	return &Service{db: db, audit: log, org: orgs, profile: profile, now: time.Now, index: &memIndex{byID: map[int64]int{}},
		importing: make(chan struct{}, 1), Secrets: cryptosuite.RandomSealer()}
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) record(ctx context.Context, tx *store.Tx, p org.Principal, action, code, detail string) error {
	return s.audit.Append(ctx, tx, org.Entry(p, action, "catalog:"+code, audit.Success, detail))
}

// isAuthorityReviewer reports whether p reviews entries for the data authority.
func (s *Service) isAuthorityReviewer(ctx context.Context, p org.Principal) (bool, error) {
	if !p.Can(org.ReviewCatalog) || p.DepartmentID == 0 {
		return false, nil
	}
	d, err := s.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return false, err
	}
	return d.Kind == org.KindAuthority, nil
}

// canEdit reports whether p catalogues for the provider.
// CanCatalog reports whether p catalogues entries of their own department
// (编目员): the rule every write of an entry checks with the entry's provider.
func CanCatalog(p org.Principal) bool { return canEdit(p, p.DepartmentID) }

// CanEdit reports whether p edits, submits and mounts the entries of
// provider: a cataloger of that department.
func CanEdit(p org.Principal, provider int64) bool { return canEdit(p, provider) }

// SeesDrafts reports whether p sees the versions of provider's entries that
// are not in force: its own department, the authority's reviewers and
// auditors.
func (s *Service) SeesDrafts(ctx context.Context, p org.Principal, provider int64) bool {
	return s.seesDrafts(ctx, p, provider)
}

// IsReviewer reports whether p reviews the catalog: an approver of the data
// authority (数据主管部门).
func (s *Service) IsReviewer(ctx context.Context, p org.Principal) (bool, error) {
	return s.isAuthorityReviewer(ctx, p)
}

func canEdit(p org.Principal, provider int64) bool {
	return p.Can(org.EditCatalog) && p.DepartmentID != 0 && p.DepartmentID == provider
}

func bodyHash(e *Entry) (string, []byte, error) {
	c := *e
	c.Code, c.Version, c.Status, c.ProviderName, c.PublishedAt, c.UpdatedAt, c.Mounted = "", 0, "", "", time.Time{}, time.Time{}, false
	b, err := json.Marshal(c)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), b, nil
}

func searchText(e *Entry) string {
	parts := []string{e.Name, e.NameEN, e.Summary, strings.Join(e.Keywords, " ")}
	for _, it := range e.Items {
		parts = append(parts, it.Name)
	}
	return strings.Join(parts, " \n")
}

// Create registers a new entry as a draft (version 1). The code is generated
// unless e.Code is set (an existing catalog being imported), in which case it
// must parse and match the entry's category parts.
func (s *Service) Create(ctx context.Context, p org.Principal, e Entry) (Entry, error) {
	var out Entry
	err := s.write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.create(ctx, tx, p, e)
		return err
	})
	return out, s.denied(ctx, p, "catalog.create", e.Code, err)
}

// denied audits a refusal that happened inside a rolled-back transaction.
func (s *Service) denied(ctx context.Context, p org.Principal, action, code string, err error) error {
	return org.Denied(ctx, s.audit, p, action, "catalog:"+code, err)
}

func (s *Service) create(ctx context.Context, tx *store.Tx, p org.Principal, e Entry) (Entry, error) {
	if e.ProviderID == 0 {
		e.ProviderID = p.DepartmentID
	}
	if !canEdit(p, e.ProviderID) {
		return Entry{}, errs.New(errs.Forbidden, msgForbiddenRegister)
	}
	e.Normalize()
	f := errs.Fields{}
	if err := e.Validate(); err != nil {
		var ce *errs.Error
		if errors.As(err, &ce) {
			f = ce.Fields
		}
	}
	var code Code
	if e.Code != "" {
		c, err := s.profile.Parse(e.Code)
		switch {
		case err != nil:
			f.AddText("code", errs.TextOf(err))
		case e.CheckCode(c) != nil && len(f) == 0:
			f.AddText("code", errs.TextOf(e.CheckCode(c)))
		}
		code = c
	}
	if err := s.checkRelated(ctx, tx, e.Related); err != nil {
		if !errs.Is(err, errs.Invalid) {
			return Entry{}, err
		}
		f.AddText("related", errs.TextOf(err))
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	var same int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM catalog_entries WHERE provider_id = ? AND name = ?", e.ProviderID, e.Name).Scan(&same); err != nil {
		return Entry{}, err
	}
	if same > 0 {
		return Entry{}, errs.New(errs.Conflict, msgDuplicateName, e.Name)
	}
	if e.Code == "" {
		c, err := s.nextCode(ctx, tx, e.CodeParts())
		if err != nil {
			return Entry{}, err
		}
		code = c
	} else if err := s.reserveCode(ctx, tx, code); err != nil {
		return Entry{}, err
	}
	e.Code = s.profile.Format(code)
	now := s.now().UTC().Truncate(time.Microsecond)
	e.Version, e.Status, e.UpdatedAt = 1, StatusDraft, now
	hash, body, err := bodyHash(&e)
	if err != nil {
		return Entry{}, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO catalog_entries (code, provider_id, latest_version, status, name, name_key, category, format, share_type, open_type,
		update_cycle, grade, search_text, created_at, updated_at, name_en) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Code, e.ProviderID, StatusDraft, e.Name, org.SortKey(e.Name), e.Category, e.Format, e.ShareType, e.OpenType, e.UpdateCycle, e.Grade,
		searchText(&e), store.FormatTime(now), store.FormatTime(now), e.NameEN)
	if err != nil {
		if store.IsUnique(err) {
			return Entry{}, errs.New(errs.Conflict, msgCodeTaken, e.Code)
		}
		if store.IsForeignKey(err) {
			return Entry{}, errs.FieldMsg("provider_id", msgNoDepartment)
		}
		return Entry{}, fmt.Errorf("insert entry: %w", err)
	}
	if err := s.touch(ctx, tx, e.Code); err != nil {
		return Entry{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (code, version, status, body, body_hash, created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?)`,
		e.Code, StatusDraft, string(body), hash, p.Username, store.FormatTime(now), store.FormatTime(now)); err != nil {
		return Entry{}, fmt.Errorf("insert version: %w", err)
	}
	if err := s.history(ctx, tx, p, e.Code, 1, "create", "", StatusDraft, ""); err != nil {
		return Entry{}, err
	}
	return e, s.record(ctx, tx, p, "catalog.create", e.Code, audit.Keyed(auditEntry, e.Name))
}

func (s *Service) checkRelated(ctx context.Context, tx *store.Tx, related []string) error {
	for _, r := range related {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM catalog_entries WHERE code = ?", r).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.Invalid, msgNotEntry, r)
		}
	}
	return nil
}

// nextCode allocates the next sequence under the entry's classification;
// sequences are never reused.
func (s *Service) nextCode(ctx context.Context, tx *store.Tx, c Code) (Code, error) {
	err := tx.QueryRow(ctx, `INSERT INTO catalog_code_seq (prefix, last) VALUES (?, 1)
		ON CONFLICT (prefix) DO UPDATE SET last = catalog_code_seq.last + 1 RETURNING last`, c.Prefix()).Scan(&c.Seq)
	if err != nil {
		return c, fmt.Errorf("allocate code: %w", err)
	}
	if c.Seq > 999999999 {
		return c, errs.New(errs.Conflict, msgSeqUsedUp, c.Prefix())
	}
	return c, nil
}

// reserveCode records an imported code so that generated ones never take it.
func (s *Service) reserveCode(ctx context.Context, tx *store.Tx, c Code) error {
	_, err := tx.Exec(ctx, `INSERT INTO catalog_code_seq (prefix, last) VALUES (?, ?)
		ON CONFLICT (prefix) DO UPDATE SET last = CASE WHEN catalog_code_seq.last < excluded.last THEN excluded.last ELSE catalog_code_seq.last END`,
		c.Prefix(), c.Seq)
	return err
}

// write runs fn in a transaction that first takes the next catalog
// generation. Its row stays locked until commit, so catalog writes take
// one lock first (no deadlocks), see each other's committed state in order
// (no lost workflow transitions), and become visible to every replica's
// search index in generation order (see search.go).
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE catalog_generation SET gen = gen + 1 WHERE id = 1"); err != nil {
			return fmt.Errorf("catalog generation: %w", err)
		}
		return fn(tx)
	})
}

// touch stamps an entry with the generation of the write transaction, so
// that search indexes reload it.
func (s *Service) touch(ctx context.Context, tx *store.Tx, code string) error {
	_, err := tx.Exec(ctx, "UPDATE catalog_entries SET change_seq = (SELECT gen FROM catalog_generation WHERE id = 1) WHERE code = ?", code)
	return err
}

func (s *Service) history(ctx context.Context, tx *store.Tx, p org.Principal, code string, version int, action, from, to, reason string) error {
	_, err := tx.Exec(ctx, `INSERT INTO catalog_history (code, version, action, from_status, to_status, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		code, version, action, from, to, p.Username, reason, s.nowText())
	return err
}

func (s *Service) nowText() string { return store.FormatTime(s.now()) }

// head is an entry's row in catalog_entries.
type head struct {
	id        int64
	provider  int64
	current   sql.NullInt64
	latest    int
	status    string
	published bool
	mounted   bool
	pubAt     string
}

// mountVersion is the version a mount is checked against: the one in force,
// else the latest.
func (h head) mountVersion() int {
	if h.current.Valid {
		return int(h.current.Int64)
	}
	return h.latest
}

func (s *Service) head(ctx context.Context, q querier, code string) (head, error) {
	var h head
	err := q.QueryRow(ctx, "SELECT id, provider_id, current_version, latest_version, status, published, mounted, published_at FROM catalog_entries WHERE code = ?", code).
		Scan(&h.id, &h.provider, &h.current, &h.latest, &h.status, &h.published, &h.mounted, &h.pubAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, errs.New(errs.NotFound, msgEntryNotFound, code)
	}
	if err != nil {
		return h, fmt.Errorf("read entry %s: %w", code, err)
	}
	return h, nil
}

type querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) version(ctx context.Context, q querier, code string, version int) (Entry, error) {
	var e Entry
	var body, status, updated string
	err := q.QueryRow(ctx, "SELECT body, status, updated_at FROM catalog_versions WHERE code = ? AND version = ?", code, version).Scan(&body, &status, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return e, errs.New(errs.NotFound, msgVersionNotFound, version, code)
	}
	if err != nil {
		return e, fmt.Errorf("read version: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return e, fmt.Errorf("decode version %d of %s: %w", version, code, err)
	}
	e.Code, e.Version, e.Status = code, version, status
	e.UpdatedAt, _ = store.ParseTime(updated)
	return e, nil
}

// visible reports whether p may see drafts of an entry of provider.
func (s *Service) seesDrafts(ctx context.Context, p org.Principal, provider int64) bool {
	if p.DepartmentID != 0 && p.DepartmentID == provider {
		return true
	}
	ok, _ := s.isAuthorityReviewer(ctx, p)
	return ok || p.Can(org.ReadAudit)
}

// Get returns an entry: the version in force, or the latest version for
// those who may see drafts (latest=true asks for it explicitly).
func (s *Service) Get(ctx context.Context, p org.Principal, code string, latest bool) (Entry, error) {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return Entry{}, err
	}
	drafts := s.seesDrafts(ctx, p, h.provider)
	v := h.latest
	switch {
	case h.current.Valid && (!latest || !drafts):
		v = int(h.current.Int64)
	case !drafts:
		return Entry{}, errs.New(errs.NotFound, msgEntryNotFound, code)
	}
	e, err := s.version(ctx, s.db, code, v)
	if err != nil {
		return e, err
	}
	return s.decorate(ctx, e, h)
}

// Version returns one version of an entry.
func (s *Service) Version(ctx context.Context, p org.Principal, code string, version int) (Entry, error) {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.version(ctx, s.db, code, version)
	if err != nil {
		return e, err
	}
	if e.Status != StatusPublished && e.Status != StatusSuperseded && !s.seesDrafts(ctx, p, h.provider) {
		return Entry{}, errs.New(errs.NotFound, msgVersionNotFound, version, code)
	}
	return s.decorate(ctx, e, h)
}

func (s *Service) decorate(ctx context.Context, e Entry, h head) (Entry, error) {
	d, err := s.org.Department(ctx, h.provider)
	if err != nil {
		return e, err
	}
	e.ProviderID, e.ProviderName, e.Mounted = h.provider, d.Name, h.mounted
	if h.current.Valid {
		e.PublishedAt, _ = store.ParseTime(h.pubAt)
	}
	return e, nil
}

// VersionInfo summarises one version for the history view.
type VersionInfo struct {
	Version   int       `json:"version"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HistoryEvent is one workflow transition.
type HistoryEvent struct {
	Version int       `json:"version"`
	Action  string    `json:"action"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

// Versions lists an entry's versions, newest first, and its workflow history.
func (s *Service) Versions(ctx context.Context, p org.Principal, code string) ([]VersionInfo, []HistoryEvent, error) {
	h, err := s.head(ctx, s.db, code)
	if err != nil {
		return nil, nil, err
	}
	drafts := s.seesDrafts(ctx, p, h.provider)
	rows, err := s.db.Query(ctx, "SELECT version, status, reason, created_by, created_at, updated_at FROM catalog_versions WHERE code = ? ORDER BY version DESC", code)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var vs []VersionInfo
	for rows.Next() {
		var v VersionInfo
		var c, u string
		if err := rows.Scan(&v.Version, &v.Status, &v.Reason, &v.CreatedBy, &c, &u); err != nil {
			return nil, nil, err
		}
		v.CreatedAt, _ = store.ParseTime(c)
		v.UpdatedAt, _ = store.ParseTime(u)
		if drafts || v.Status == StatusPublished || v.Status == StatusSuperseded {
			vs = append(vs, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if !drafts {
		return vs, nil, nil
	}
	hr, err := s.db.Query(ctx, "SELECT version, action, from_status, to_status, actor, reason, at FROM catalog_history WHERE code = ? ORDER BY id DESC", code)
	if err != nil {
		return nil, nil, err
	}
	defer hr.Close()
	var hs []HistoryEvent
	for hr.Next() {
		var e HistoryEvent
		var at string
		if err := hr.Scan(&e.Version, &e.Action, &e.From, &e.To, &e.Actor, &e.Reason, &at); err != nil {
			return nil, nil, err
		}
		e.At, _ = store.ParseTime(at)
		hs = append(hs, e)
	}
	return vs, hs, hr.Err()
}

// Update changes an entry. A draft or returned version is edited in place;
// a published or withdrawn entry gets a new draft version, while the
// published version stays in force until the new one is published.
func (s *Service) Update(ctx context.Context, p org.Principal, code string, e Entry) (Entry, error) {
	var out Entry
	err := s.write(ctx, func(tx *store.Tx) error {
		var err error
		out, _, err = s.update(ctx, tx, p, code, e)
		return err
	})
	return out, s.denied(ctx, p, "catalog.update", code, err)
}

// update returns the stored entry and whether anything changed.
func (s *Service) update(ctx context.Context, tx *store.Tx, p org.Principal, code string, e Entry) (Entry, bool, error) {
	h, err := s.head(ctx, tx, code)
	if err != nil {
		return Entry{}, false, err
	}
	if !canEdit(p, h.provider) {
		return Entry{}, false, errs.New(errs.Forbidden, msgForbiddenEdit)
	}
	if e.ProviderID != 0 && e.ProviderID != h.provider {
		return Entry{}, false, errs.FieldMsg("provider_id", msgProviderFixed)
	}
	e.ProviderID = h.provider
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Entry{}, false, err
	}
	c, err := s.profile.Parse(code)
	if err != nil {
		return Entry{}, false, err
	}
	if err := e.CheckCode(c); err != nil {
		return Entry{}, false, errs.FieldMsg("category", msgCategoryFixed, errs.TextOf(err))
	}
	if err := s.checkRelated(ctx, tx, e.Related); err != nil {
		if !errs.Is(err, errs.Invalid) {
			return Entry{}, false, err
		}
		return Entry{}, false, &errs.Error{Code: errs.Invalid, Message: "related: " + errs.Message(err), Text: errs.TextOf(err), Fields: errs.Fields{"related": errs.TextOf(err)}}
	}
	latest, err := s.version(ctx, tx, code, h.latest)
	if err != nil {
		return Entry{}, false, err
	}
	hash, body, err := bodyHash(&e)
	if err != nil {
		return Entry{}, false, err
	}
	oldHash, _, _ := bodyHash(&latest)
	if h.current.Valid && int(h.current.Int64) != h.latest && hash != oldHash {
		// Sending the version in force again leaves a pending change alone.
		if inForce, err := s.version(ctx, tx, code, int(h.current.Int64)); err == nil {
			if forceHash, _, _ := bodyHash(&inForce); forceHash == hash {
				return inForce, false, nil
			}
		}
	}
	if hash == oldHash {
		return latest, false, nil
	}
	if e.Name != latest.Name {
		var same int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM catalog_entries WHERE provider_id = ? AND name = ? AND code <> ?", h.provider, e.Name, code).Scan(&same); err != nil {
			return Entry{}, false, err
		}
		if same > 0 {
			return Entry{}, false, errs.New(errs.Conflict, msgDuplicateName, e.Name)
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	version := h.latest
	if !Editable(h.status) {
		return Entry{}, false, errs.New(errs.Conflict, msgUnderReview, h.latest, Statuses.Arg(h.status))
	}
	switch h.status {
	case StatusDraft, StatusReturned:
		if _, err := tx.Exec(ctx, "UPDATE catalog_versions SET body = ?, body_hash = ?, status = ?, updated_at = ? WHERE code = ? AND version = ?",
			string(body), hash, StatusDraft, store.FormatTime(now), code, version); err != nil {
			return Entry{}, false, err
		}
	case StatusPublished, StatusWithdrawn:
		version++
		if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (code, version, status, body, body_hash, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			code, version, StatusDraft, string(body), hash, p.Username, store.FormatTime(now), store.FormatTime(now)); err != nil {
			return Entry{}, false, err
		}
	default:
		return Entry{}, false, errs.New(errs.Conflict, msgUnderReview, h.latest, Statuses.Arg(h.status))
	}
	if _, err := tx.Exec(ctx, "UPDATE catalog_entries SET latest_version = ?, status = ?, updated_at = ? WHERE id = ?",
		version, StatusDraft, store.FormatTime(now), h.id); err != nil {
		return Entry{}, false, err
	}
	if !h.current.Valid {
		if err := s.reindex(ctx, tx, h.id, &e); err != nil {
			return Entry{}, false, err
		}
	}
	if err := s.touch(ctx, tx, code); err != nil {
		return Entry{}, false, err
	}
	if err := s.history(ctx, tx, p, code, version, "update", h.status, StatusDraft, ""); err != nil {
		return Entry{}, false, err
	}
	e.Code, e.Version, e.Status, e.UpdatedAt = code, version, StatusDraft, now
	return e, true, s.record(ctx, tx, p, "catalog.update", code, audit.Keyed(auditVersion, version))
}

// reindex updates the listed attributes and search text from e, the
// version users see.
func (s *Service) reindex(ctx context.Context, tx *store.Tx, id int64, e *Entry) error {
	if _, err := tx.Exec(ctx, `UPDATE catalog_entries SET name = ?, name_key = ?, category = ?, format = ?, share_type = ?, open_type = ?,
		update_cycle = ?, grade = ?, search_text = ?, name_en = ? WHERE id = ?`,
		e.Name, org.SortKey(e.Name), e.Category, e.Format, e.ShareType, e.OpenType, e.UpdateCycle, e.Grade, searchText(e), e.NameEN, id); err != nil {
		return err
	}
	return nil
}

// CreateMany registers entries in one transaction: all or none.
func (s *Service) CreateMany(ctx context.Context, p org.Principal, entries []Entry) error {
	return s.write(ctx, func(tx *store.Tx) error {
		for i := range entries {
			created, err := s.create(ctx, tx, p, entries[i])
			if err != nil {
				return fmt.Errorf("entry %d (%s): %w", i+1, entries[i].Name, err)
			}
			entries[i] = created
		}
		return nil
	})
}
