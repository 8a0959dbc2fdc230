package catalog

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Workflow actions.
const (
	ActionSubmit   = "submit"
	ActionApprove  = "approve"
	ActionReturn   = "return"
	ActionPublish  = "publish"
	ActionWithdraw = "withdraw"
)

// transitions maps an action to the statuses it starts from and the one it
// leads to: draft → submitted → approved or returned → published → withdrawn.
var transitions = map[string]struct {
	from []string
	to   string
}{
	ActionSubmit:   {[]string{StatusDraft, StatusReturned}, StatusSubmitted},
	ActionApprove:  {[]string{StatusSubmitted}, StatusApproved},
	ActionReturn:   {[]string{StatusSubmitted, StatusApproved}, StatusReturned},
	ActionPublish:  {[]string{StatusApproved}, StatusPublished},
	ActionWithdraw: {[]string{StatusPublished}, StatusWithdrawn},
}

// CanTransition reports whether action applies to a version in status
// (the workflow's rule; who may take it is Transition's to check).
func CanTransition(action, status string) bool {
	t, ok := transitions[action]
	if !ok {
		return false
	}
	for _, f := range t.from {
		if f == status {
			return true
		}
	}
	return false
}

// Editable reports whether an entry whose latest version is in status can
// be changed now: not while it is under review (submitted or approved).
func Editable(status string) bool {
	switch status {
	case StatusDraft, StatusReturned, StatusPublished, StatusWithdrawn:
		return true
	}
	return false
}

// Transition applies a workflow action to an entry's latest version (or, to
// withdraw, to the version in force). Submitting is the provider's cataloger's;
// the rest belong to the data authority's approvers. Returning needs a reason.
func (s *Service) Transition(ctx context.Context, p org.Principal, code, action, reason string) (Entry, error) {
	var out Entry
	err := s.write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.transition(ctx, tx, p, code, action, reason)
		return err
	})
	if err == nil && action == ActionPublish {
		// The version now in force may differ from the one the mounts were checked against.
		if rerr := s.recheckTables(ctx, code); rerr != nil {
			return out, fmt.Errorf("published, but rechecking its tables failed: %w", rerr)
		}
	}
	return out, s.denied(ctx, p, "catalog."+action, code, err)
}

func (s *Service) transition(ctx context.Context, tx *store.Tx, p org.Principal, code, action, reason string) (Entry, error) {
	t, ok := transitions[action]
	if !ok {
		return Entry{}, errs.New(errs.NotFound, msgNoAction, action)
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 1000 {
		return Entry{}, errs.FieldMsg("reason", msgMaxChars, 1000)
	}
	h, err := s.head(ctx, tx, code)
	if err != nil {
		return Entry{}, err
	}
	if !h.current.Valid && !s.seesDrafts(ctx, p, h.provider) {
		// An entry the caller cannot read does not exist for them (as in Get).
		return Entry{}, errs.New(errs.NotFound, msgEntryNotFound, code)
	}
	if action == ActionSubmit {
		if !canEdit(p, h.provider) {
			return Entry{}, errs.New(errs.Forbidden, msgForbiddenSubmit)
		}
	} else if ok, err := s.isAuthorityReviewer(ctx, p); err != nil {
		return Entry{}, err
	} else if !ok {
		return Entry{}, errs.New(errs.Forbidden, msgOnlyApprover, Actions.Arg(action))
	}
	if action == ActionReturn && reason == "" {
		return Entry{}, errs.FieldMsg("reason", msgNeedReason)
	}
	version, status := h.latest, h.status
	if action == ActionWithdraw {
		if !h.current.Valid {
			return Entry{}, errs.New(errs.Conflict, msgNothingWithdraw, code)
		}
		version, status = int(h.current.Int64), StatusPublished
	}
	if !CanTransition(action, status) {
		return Entry{}, errs.New(errs.Conflict, msgCannotTransition, Actions.Arg(action), version, code, Statuses.Arg(status))
	}
	e, err := s.version(ctx, tx, code, version)
	if err != nil {
		return Entry{}, err
	}
	if action == ActionPublish && e.ShareType != ShareNone {
		if basis, blocked, err := s.blocked(ctx, code); err != nil {
			return Entry{}, err
		} else if blocked {
			return Entry{}, errs.New(errs.Conflict, msgNegativeList, code, basis)
		}
	}
	now := s.nowText()
	if _, err := tx.Exec(ctx, "UPDATE catalog_versions SET status = ?, reason = ?, updated_at = ? WHERE code = ? AND version = ?",
		t.to, reason, now, code, version); err != nil {
		return Entry{}, err
	}
	switch action {
	case ActionPublish:
		if h.current.Valid {
			if _, err := tx.Exec(ctx, "UPDATE catalog_versions SET status = ?, updated_at = ? WHERE code = ? AND version = ?",
				StatusSuperseded, now, code, h.current.Int64); err != nil {
				return Entry{}, err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE catalog_entries SET current_version = ?, status = ?, published = ?, published_at = ?, updated_at = ? WHERE id = ?",
			version, t.to, true, now, now, h.id); err != nil {
			return Entry{}, err
		}
		if err := s.reindex(ctx, tx, h.id, &e); err != nil {
			return Entry{}, err
		}
	case ActionWithdraw:
		st := StatusWithdrawn
		if h.latest != version {
			st = h.status // a pending change keeps its own status
		}
		if _, err := tx.Exec(ctx, "UPDATE catalog_entries SET current_version = NULL, status = ?, published = ?, updated_at = ? WHERE id = ?",
			st, false, now, h.id); err != nil {
			return Entry{}, err
		}
	default:
		if _, err := tx.Exec(ctx, "UPDATE catalog_entries SET status = ?, updated_at = ? WHERE id = ?", t.to, now, h.id); err != nil {
			return Entry{}, err
		}
	}
	if err := s.touch(ctx, tx, code); err != nil {
		return Entry{}, err
	}
	if err := s.history(ctx, tx, p, code, version, action, status, t.to, reason); err != nil {
		return Entry{}, err
	}
	if err := s.record(ctx, tx, p, "catalog."+action, code, versionDetail(version, reason)); err != nil {
		return Entry{}, err
	}
	e.Status = t.to
	return e, nil
}

func (s *Service) blocked(ctx context.Context, code string) (string, bool, error) {
	if s.Negative == nil {
		return "", false, nil
	}
	return s.Negative.Blocked(ctx, code)
}

// TransitionMany applies one workflow action to many entries in one
// transaction: all or none, each checked and recorded (history and audit)
// as Transition does it. It is for bulk work such as publishing an
// imported catalog or generating a benchmark's entries; a transaction per
// entry would cost a commit each.
func (s *Service) TransitionMany(ctx context.Context, p org.Principal, codes []string, action, reason string) error {
	err := s.write(ctx, func(tx *store.Tx) error {
		for _, code := range codes {
			if _, err := s.transition(ctx, tx, p, code, action, reason); err != nil {
				return fmt.Errorf("%s: %w", code, err)
			}
		}
		return nil
	})
	if err != nil {
		return s.denied(ctx, p, "catalog."+action, strings.Join(codes[:min(len(codes), 3)], ","), err)
	}
	if action == ActionPublish {
		for _, code := range codes {
			if err := s.recheckTables(ctx, code); err != nil {
				return fmt.Errorf("published, but rechecking the tables of %s failed: %w", code, err)
			}
		}
	}
	return nil
}
