package licence

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Reason codes of status changes; the ledger's records carry the code, the
// library keeps a note beside it.
var (
	RevokeReasons  = []string{"holder_request", "annulled", "lost", "error", "holder_gone", "other"}
	SuspendReasons = []string{"investigation", "dispute", "other"}
	ChangeReasons  = []string{"correction", "alteration", "renewal", "other"}
	RestoreReasons = []string{"resolved", "other"}
)

// StatusInput is a status change with its reason.
type StatusInput struct {
	Reason string `json:"reason" maxLength:"20" doc:"Reason code"`
	Note   string `json:"note,omitempty" maxLength:"600" doc:"A note kept by the library (not in the ledger)"`
}

// ChangeInput is a change (变更): a new version with new surface data.
// Fields left empty keep their values; Items replace the given items.
type ChangeInput struct {
	StatusInput
	HolderName string            `json:"holder_name,omitempty" maxLength:"100"`
	ValidUntil string            `json:"valid_until,omitempty" maxLength:"10"`
	Items      map[string]string `json:"items,omitempty"`
}

func (in *StatusInput) check(reasons []string) error {
	f := errs.Fields{}
	if !contains(reasons, in.Reason) {
		f.AddMsg("reason", msgReason, joinCodes(reasons))
	}
	plainText(f, "note", &in.Note, 200, false)
	return f.Err()
}

func joinCodes(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// transition is a status change: from which statuses, to which.
type transition struct {
	action, event string
	from          []string
	to            string
	reasons       []string
}

var (
	toRevoked   = transition{"licence.revoke", licfile.Revoked, []string{Valid, Suspended, Expired}, Revoked, RevokeReasons}
	toSuspended = transition{"licence.suspend", licfile.Suspended, []string{Valid}, Suspended, SuspendReasons}
	toRestored  = transition{"licence.restore", licfile.Restored, []string{Suspended}, Valid, RestoreReasons}
)

// Revoke revokes a licence (注销). From the commit on, verification
// answers revoked: it reads the database, never a cache.
func (s *Service) Revoke(ctx context.Context, p org.Principal, ref string, in StatusInput) (Licence, error) {
	return s.move(ctx, p, ref, in, toRevoked)
}

// Suspend suspends a valid licence.
func (s *Service) Suspend(ctx context.Context, p org.Principal, ref string, in StatusInput) (Licence, error) {
	return s.move(ctx, p, ref, in, toSuspended)
}

// Restore makes a suspended licence valid again.
func (s *Service) Restore(ctx context.Context, p org.Principal, ref string, in StatusInput) (Licence, error) {
	return s.move(ctx, p, ref, in, toRestored)
}

func (s *Service) move(ctx context.Context, p org.Principal, ref string, in StatusInput, tr transition) (Licence, error) {
	l, err := s.find(ctx, ref)
	if err != nil {
		return Licence{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if !MayIssue(p, l.DepartmentID) {
		return Licence{}, s.denied(ctx, p, tr.action, target, errs.New(errs.Forbidden, msgIssueRole, l.Issuer))
	}
	if err := in.check(tr.reasons); err != nil {
		return Licence{}, s.refused(ctx, p, tr.action, target, err)
	}
	if !contains(tr.from, l.Status) {
		return Licence{}, s.refused(ctx, p, tr.action, target, errs.New(errs.Conflict, msgStatusMove, statusWords.Text(l.Status), statusWords.Text(tr.to)))
	}
	ev := Event{Name: tr.event, Identifier: l.Identifier, Version: l.Version, Reason: in.Reason, Note: in.Note}
	err = s.anchor(ctx, p, l, &ev, tr.action, audit.Keyed(auditStatus, l.Identifier, statusWords.Text(l.Status), statusWords.Text(tr.to), in.Reason),
		func(ctx context.Context, tx *store.Tx, at string) error {
			return updateStatus(ctx, tx, l, tr.to, in.Reason, at)
		})
	if err != nil {
		return Licence{}, err
	}
	return s.find(ctx, strconv.FormatInt(l.ID, 10))
}

// updateStatus moves l's row from the status read to another, refusing when
// someone moved it meanwhile.
func updateStatus(ctx context.Context, tx *store.Tx, l Licence, to, reason, at string) error {
	res, err := tx.Exec(ctx, "UPDATE licences SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND version = ? AND status IN (?, ?)",
		to, reason, at, l.ID, l.Version, l.Status, stored(l.Status))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, msgMovedMeanwhile)
	}
	return nil
}

// stored is the status a row may hold for an effective status: an expired
// licence's row may still say valid until the expiry run.
func stored(status string) string {
	if status == Expired {
		return Valid
	}
	return status
}

// anchor appends ev for l to the ledger and, in the same transaction, runs
// apply, stores the event and audits action.
func (s *Service) anchor(ctx context.Context, p org.Principal, l Licence, ev *Event, action, detail string, apply func(ctx context.Context, tx *store.Tx, at string) error) error {
	ev.At = s.now().UTC().Truncate(time.Second)
	ev.Actor = p.Username
	rec := ev.Record()
	at := store.FormatTime(ev.At)
	first, err := s.ledger.Append(ctx, []ledger.Record{{Kind: licfile.LedgerKind(ev.Name), Hash: rec.Hash(), At: ev.At, DepartmentID: l.DepartmentID}},
		func(ctx context.Context, tx *store.Tx, first uint64) error {
			if apply != nil {
				if err := apply(ctx, tx, at); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, insertEvent, int64(first), l.ID, ev.Name, ev.Identifier, ev.Version, ev.Data, ev.Use, ev.Reason, ev.Note, ev.Actor, at); err != nil {
				return fmt.Errorf("insert event: %w", err)
			}
			return s.audit.Append(ctx, tx, org.Entry(p, action, "licence:"+strconv.FormatInt(l.ID, 10), audit.Success, detail))
		})
	ev.LeafIndex = first
	return err
}

// Change makes a new version of a licence (变更): its identifier's version
// goes up by one, the old version is kept (and verifies as superseded), and
// the changed event names the new data's hash.
func (s *Service) Change(ctx context.Context, p org.Principal, ref string, in ChangeInput) (Licence, error) {
	const action = "licence.change"
	l, err := s.find(ctx, ref)
	if err != nil {
		return Licence{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if !MayIssue(p, l.DepartmentID) {
		return Licence{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgIssueRole, l.Issuer))
	}
	if err := in.check(ChangeReasons); err != nil {
		return Licence{}, s.refused(ctx, p, action, target, err)
	}
	if l.Status != Valid && l.Status != Expired {
		return Licence{}, s.refused(ctx, p, action, target, errs.New(errs.Conflict, msgChangeStatus, statusWords.Text(l.Status)))
	}
	t, err := s.TypeByCode(ctx, l.TypeCode)
	if err != nil {
		return Licence{}, err
	}
	items := map[string]string{}
	for _, it := range l.Items {
		items[it.Code] = it.Value
	}
	for k, v := range in.Items {
		items[k] = v
	}
	old, _ := ParseIdentifier(l.Identifier)
	next, ok := NextVersion(old.Version)
	if !ok {
		return Licence{}, s.refused(ctx, p, action, target, errs.New(errs.Conflict, msgVersions))
	}
	nid, _ := old.WithVersion(next)
	issue := IssueInput{Type: l.TypeCode, Identifier: "", Serial: old.Serial, Number: l.Number, HolderName: l.HolderName, HolderID: l.HolderID,
		IssuedOn: l.IssuedOn, ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil, Items: items}
	if in.HolderName != "" {
		issue.HolderName = in.HolderName
	}
	if in.ValidUntil != "" {
		issue.ValidUntil = in.ValidUntil
	}
	f := errs.Fields{}
	nl := prepare(issue, t, s.now(), f)
	if err := f.Err(); err != nil {
		return Licence{}, s.refused(ctx, p, action, target, err)
	}
	nl.ID, nl.Identifier, nl.Version = l.ID, nid.String(), next
	nl.DataHash = nl.Document().DataHash()
	nl.Status = effective(Valid, nl.ValidUntil, s.now())
	ev := Event{Name: licfile.Changed, Identifier: nl.Identifier, Version: next, Data: nl.DataHash, Reason: in.Reason, Note: in.Note}
	err = s.anchor(ctx, p, l, &ev, action, audit.Keyed(auditChanged, l.Identifier, nl.Identifier, in.Reason), func(ctx context.Context, tx *store.Tx, at string) error {
		oldItems, _ := json.Marshal(l.Items)
		if _, err := tx.Exec(ctx, "INSERT INTO licence_versions (identifier, licence_id, version, number, holder_name, valid_from, valid_until, items, data_hash, superseded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			l.Identifier, l.ID, l.Version, l.Number, l.HolderName, l.ValidFrom, l.ValidUntil, string(oldItems), l.DataHash, at); err != nil {
			return err
		}
		newItems, _ := json.Marshal(nl.Items)
		res, err := tx.Exec(ctx, "UPDATE licences SET identifier = ?, holder_name = ?, valid_until = ?, items = ?, version = ?, status = ?, reason = ?, data_hash = ?, updated_at = ? WHERE id = ? AND version = ?",
			nl.Identifier, nl.HolderName, nl.ValidUntil, string(newItems), next, Valid, in.Reason, nl.DataHash, at, l.ID, l.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, msgMovedMeanwhile)
		}
		return nil
	})
	if err != nil {
		return Licence{}, err
	}
	return s.find(ctx, strconv.FormatInt(l.ID, 10))
}

// ExpireDue marks the valid licences whose end date has passed as expired,
// one anchored event each, and returns how many it marked.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	today := s.now().In(Beijing).Format(time.DateOnly)
	rows, err := s.db.Query(ctx, "SELECT id FROM licences WHERE status = ? AND valid_until <> '' AND valid_until < ? ORDER BY id LIMIT 1000", Valid, today)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		l, err := s.find(ctx, strconv.FormatInt(id, 10))
		if err != nil {
			return n, err
		}
		ev := Event{Name: licfile.Expired, Identifier: l.Identifier, Version: l.Version, Reason: "end_date"}
		err = s.anchor(ctx, org.System, l, &ev, "licence.expire", audit.Keyed(auditExpired, l.Identifier, l.ValidUntil), func(ctx context.Context, tx *store.Tx, at string) error {
			l.Status = Valid
			return updateStatus(ctx, tx, l, Expired, "end_date", at)
		})
		if errs.Is(err, errs.Conflict) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunExpiry marks expired licences every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("licence expiry", "err", err)
		} else if n > 0 {
			s.Log.Info("licences expired", "n", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
