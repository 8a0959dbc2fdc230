package licence

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// MayIssue reports whether p may issue, change and revoke the licences of
// a type issued by department: its administrator or cataloger.
func MayIssue(p org.Principal, department int64) bool {
	return MayDefine(p) && p.DepartmentID == department
}

// Issue issues one licence (发证): checked against its type, written with
// its issued event, whose leaf the ledger appends in the same transaction.
// A refusal names the field and the rule and writes nothing.
func (s *Service) Issue(ctx context.Context, p org.Principal, in IssueInput) (Licence, error) {
	const action = "licence.issue"
	t, err := s.TypeByCode(ctx, in.Type)
	if errs.Is(err, errs.NotFound) {
		return Licence{}, s.refused(ctx, p, action, "licence_type", errs.FieldMsg("type", msgTypeNotFound, in.Type))
	}
	if err != nil {
		return Licence{}, err
	}
	if !MayIssue(p, t.DepartmentID) {
		return Licence{}, s.denied(ctx, p, action, "licence_type:"+t.Code, errs.New(errs.Forbidden, msgIssueRole, t.DepartmentName))
	}
	f := errs.Fields{}
	l := prepare(in, t, s.now(), f)
	if err := f.Err(); err != nil {
		return Licence{}, s.refused(ctx, p, action, "licence_type:"+t.Code, err)
	}
	if field, err := s.duplicate(ctx, l); err != nil {
		return Licence{}, err
	} else if field != "" {
		return Licence{}, s.refused(ctx, p, action, "licence_type:"+t.Code, errs.FieldMsg(field, msgDuplicate, fieldWord(field)))
	}
	if err := s.write(ctx, p, []Licence{l}, nil); err != nil {
		if errs.Is(err, errs.Conflict) {
			return Licence{}, s.refused(ctx, p, action, "licence_type:"+t.Code, err)
		}
		return Licence{}, err
	}
	return s.Licence(ctx, p, l.Identifier)
}

// duplicate names the field of l another licence already has: its
// identifier (any version) or its number within the type.
func (s *Service) duplicate(ctx context.Context, l Licence) (string, error) {
	var n int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM licences WHERE type_code = ? AND number = ?", l.TypeCode, l.Number).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "number", nil
	}
	id, _ := ParseIdentifier(l.Identifier)
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM licences WHERE base = ?", id.Base()).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "identifier", nil
	}
	return "", nil
}

func fieldWord(field string) errs.Text {
	if field == "number" {
		return wordNumber.With()
	}
	return wordIdentifier.With()
}

const (
	licenceValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	insertLicence = "INSERT INTO licences (id, identifier, base, type_code, number, holder_name, holder_id, department_id, issued_on, valid_from, valid_until, items, version, status, data_hash, updated_at) VALUES " + licenceValues
	eventValues   = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	insertEvent   = "INSERT INTO licence_events (leaf_index, licence_id, name, identifier, version, data, use_id, reason, note, actor, at) VALUES " + eventValues
	// insertChunk licences go in one statement: 16 × 60 placeholders stay
	// below SQLite's and PostgreSQL's limits.
	insertChunk = 60
)

// write issues ls: their issued events are appended to the ledger and the
// licences, the events and one audit entry written in the same
// transaction. extra, when set, runs in it too.
func (s *Service) write(ctx context.Context, p org.Principal, ls []Licence, extra func(ctx context.Context, tx *store.Tx) error) error {
	at := s.now().UTC().Truncate(time.Second)
	recs := make([]ledger.Record, len(ls))
	for i, l := range ls {
		ev := licfile.Event{Name: licfile.Issued, Identifier: l.Identifier, Version: l.Version, Data: l.DataHash, At: at}
		recs[i] = ledger.Record{Kind: licfile.LedgerKind(ev.Name), Hash: ev.Hash(), At: at, DepartmentID: l.DepartmentID}
	}
	atText := store.FormatTime(at)
	_, err := s.ledger.Append(ctx, recs, func(ctx context.Context, tx *store.Tx, first uint64) error {
		var last int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM licences").Scan(&last); err != nil {
			return err
		}
		for i := range ls {
			ls[i].ID = last + int64(i) + 1
		}
		// Multi-row inserts: one statement for up to insertChunk licences.
		for from := 0; from < len(ls); from += insertChunk {
			part := ls[from:min(from+insertChunk, len(ls))]
			largs := make([]any, 0, 16*len(part))
			eargs := make([]any, 0, 11*len(part))
			for i := range part {
				l := &part[i]
				items, _ := json.Marshal(l.Items)
				largs = append(largs, l.ID, l.Identifier, baseOf(l.Identifier), l.TypeCode, l.Number, l.HolderName, l.HolderID, l.DepartmentID,
					l.IssuedOn, l.ValidFrom, l.ValidUntil, string(items), l.Version, l.Status, l.DataHash, atText)
				eargs = append(eargs, int64(first)+int64(from+i), l.ID, licfile.Issued, l.Identifier, l.Version, l.DataHash, "", "", "", p.Username, atText)
			}
			if _, err := tx.Exec(ctx, insertLicence+strings.Repeat(", "+licenceValues, len(part)-1), largs...); err != nil {
				if store.IsUnique(err) {
					return errs.New(errs.Conflict, msgDuplicateAny, part[0].Number)
				}
				return fmt.Errorf("insert licences: %w", err)
			}
			if _, err := tx.Exec(ctx, insertEvent+strings.Repeat(", "+eventValues, len(part)-1), eargs...); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
		}
		target, detail := "licence:"+strconv.FormatInt(ls[0].ID, 10), audit.Keyed(auditIssued, ls[0].TypeName, ls[0].Number, ls[0].Identifier)
		if len(ls) > 1 {
			target, detail = "licence_type:"+ls[0].TypeCode, audit.Keyed(auditIssuedMany, len(ls), ls[0].TypeName, ls[0].ID, ls[len(ls)-1].ID)
		}
		if err := s.audit.Append(ctx, tx, org.Entry(p, "licence.issue", target, audit.Success, detail)); err != nil {
			return err
		}
		if extra != nil {
			return extra(ctx, tx)
		}
		return nil
	})
	return err
}

const licenceColumns = "l.id, l.identifier, l.number, l.type_code, t.name, t.holder_kind, l.holder_name, l.holder_id, l.department_id, d.name, d.credit_code, " +
	"l.issued_on, l.valid_from, l.valid_until, l.items, l.version, l.status, l.reason, l.data_hash, l.updated_at"

const licenceFrom = " FROM licences l JOIN licence_types t ON t.code = l.type_code JOIN departments d ON d.id = l.department_id"

func (s *Service) scanLicence(sc interface{ Scan(...any) error }) (Licence, error) {
	var l Licence
	var items, at string
	if err := sc.Scan(&l.ID, &l.Identifier, &l.Number, &l.TypeCode, &l.TypeName, &l.HolderKind, &l.HolderName, &l.HolderID, &l.DepartmentID, &l.Issuer, &l.IssuerCode,
		&l.IssuedOn, &l.ValidFrom, &l.ValidUntil, &items, &l.Version, &l.Status, &l.Reason, &l.DataHash, &at); err != nil {
		return l, err
	}
	if err := json.Unmarshal([]byte(items), &l.Items); err != nil {
		return l, fmt.Errorf("licence %d: items: %w", l.ID, err)
	}
	l.HolderIDType = HolderIDType(l.HolderKind)
	l.UpdatedAt, _ = store.ParseTime(at)
	l.Status = effective(l.Status, l.ValidUntil, s.now())
	return l, nil
}

// find reads a licence by its id (digits) or its current identifier.
func (s *Service) find(ctx context.Context, ref string) (Licence, error) {
	// By identifier through its base, the indexed column: the row holds the
	// current version's identifier.
	q, args := "l.base = ? AND l.identifier = ?", []any{baseOf(strings.TrimSpace(ref)), withRoot(strings.TrimSpace(ref))}
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && allDigits(ref) {
		q, args = "l.id = ?", []any{n}
	}
	l, err := s.scanLicence(s.db.QueryRow(ctx, "SELECT "+licenceColumns+licenceFrom+" WHERE "+q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Licence{}, errs.New(errs.NotFound, msgLicenceNotFound)
	}
	return l, err
}

// withRoot is an identifier with the root, as the library stores it.
func withRoot(s string) string {
	if strings.HasPrefix(s, Root+".") {
		return s
	}
	return Root + "." + s
}

// MayRead reports whether p may read the full data of licences issued by
// department: the issuing department's own staff (not the three officers).
func MayRead(p org.Principal, department int64) bool {
	return p.DepartmentID != 0 && p.DepartmentID == department && !officer(p)
}

// Licence returns a licence by id or identifier, with its full surface data,
// to the issuing department's staff.
func (s *Service) Licence(ctx context.Context, p org.Principal, ref string) (Licence, error) {
	l, err := s.find(ctx, ref)
	if err != nil {
		return Licence{}, err
	}
	if !MayRead(p, l.DepartmentID) {
		return Licence{}, s.denied(ctx, p, "licence.read", "licence:"+strconv.FormatInt(l.ID, 10), errs.New(errs.Forbidden, msgReadRole, l.Issuer))
	}
	return l, nil
}

// Query narrows a list of licences.
type Query struct {
	Holder   string // the holder's ID number or credit code
	Type     string
	Status   string
	Page     int
	PageSize int
}

// Licences lists the licences the caller's department issued, by holder and
// type.
func (s *Service) Licences(ctx context.Context, p org.Principal, q Query) ([]Licence, int, error) {
	if p.DepartmentID == 0 || officer(p) {
		return nil, 0, s.denied(ctx, p, "licence.read", "licence", errs.New(errs.Forbidden, msgListRole))
	}
	where, args := " WHERE l.department_id = ?", []any{p.DepartmentID}
	if q.Holder != "" {
		where += " AND l.holder_id = ?"
		args = append(args, q.Holder)
	}
	if q.Type != "" {
		where += " AND l.type_code = ?"
		args = append(args, q.Type)
	}
	if q.Status != "" {
		where += " AND l.status = ?"
		args = append(args, q.Status)
	}
	page, size := store.Page(q.Page, q.PageSize)
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM licences l"+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+licenceColumns+licenceFrom+where+" ORDER BY l.id DESC LIMIT ? OFFSET ?", append(args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Licence
	for rows.Next() {
		l, err := s.scanLicence(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// Event is a licence event as the library keeps it: the canonical record
// (Record) with its leaf in the ledger, who caused it and a note.
type Event struct {
	LeafIndex  uint64    `json:"leaf_index" doc:"Its leaf in the evidence ledger"`
	Name       string    `json:"name" enum:"issued,changed,revoked,suspended,restored,expired,used"`
	Identifier string    `json:"identifier"`
	Version    string    `json:"version"`
	Data       string    `json:"data,omitempty" doc:"SM3 of the version's canonical data (issued, changed)"`
	Use        string    `json:"use,omitempty" doc:"The use record (used)"`
	Reason     string    `json:"reason,omitempty" doc:"Reason code"`
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	Actor      string    `json:"actor"`
}

// Record is the event's canonical record, whose SM3 hash the ledger holds.
func (e Event) Record() licfile.Event {
	return licfile.Event{Name: e.Name, Identifier: e.Identifier, Version: e.Version, Data: e.Data, Use: e.Use, Reason: e.Reason, At: e.At}
}

// Events lists a licence's history, oldest first.
func (s *Service) Events(ctx context.Context, p org.Principal, ref string) ([]Event, error) {
	l, err := s.Licence(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	return s.events(ctx, l.ID)
}

func (s *Service) events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, "SELECT leaf_index, name, identifier, version, data, use_id, reason, note, actor, at FROM licence_events WHERE licence_id = ? ORDER BY leaf_index", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at string
		var idx int64
		if err := rows.Scan(&idx, &e.Name, &e.Identifier, &e.Version, &e.Data, &e.Use, &e.Reason, &e.Note, &e.Actor, &at); err != nil {
			return nil, err
		}
		e.LeafIndex = uint64(idx)
		e.At, _ = store.ParseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
