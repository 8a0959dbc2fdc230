package notice

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/sharing"
)

// Sharing reminds those concerned of applications (共享申请): the
// applicant when the application moves, the approvers of the next step that
// work awaits them, and (Check) the approvers of a step that nears or
// passes its time limit. Set it among the sharing service's Watchers.
type Sharing struct {
	Notices *Service
	Sharing *sharing.Service
	Log     *slog.Logger
}

var _ sharing.Watcher = (*Sharing)(nil)

func applicationLink(id int64) string   { return fmt.Sprintf("/sharing/applications/%d", id) }
func applicationRecord(id int64) string { return fmt.Sprintf("application:%d", id) }

func (w *Sharing) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// Moved notifies the applicant and the next approvers of a move; its
// failures are logged, the move stands.
func (w *Sharing) Moved(ctx context.Context, m sharing.Move) {
	if err := w.moved(ctx, m); err != nil {
		w.log().WarnContext(ctx, "notify an application's move", "application", m.Application.ID, "err", err)
	}
}

func (w *Sharing) moved(ctx context.Context, m sharing.Move) error {
	a := m.Application
	notify := func(text errs.Text, to []int64) error {
		to = without(to, m.Actor.UserID) // nobody is told of their own step
		if len(to) == 0 {
			return nil
		}
		_, err := w.Notices.Notify(ctx, Message{Text: text, Record: applicationRecord(a.ID), Link: applicationLink(a.ID), At: m.At}, to)
		return err
	}
	reason := func() any {
		if r := strings.TrimSpace(m.Reason); r != "" {
			return r
		}
		return msgNoReason.With()
	}
	applicant := []int64{m.ApplicantID}
	if sharing.Pending(m.To) && m.To != m.From { // a step begins: its approvers have work
		approvers, err := w.Sharing.Approvers(ctx, a)
		if err != nil {
			return err
		}
		if err := notify(msgAwaits.With(a.ID, a.ConsumerName, a.EntryName, a.StageDue), approvers); err != nil {
			return err
		}
	}
	switch {
	case m.Action == "approve" && m.To == sharing.StateAuthority:
		return notify(msgToAuthority.With(a.ID, a.EntryName, m.Actor.DepartmentName), applicant)
	case m.Action == "approve" && m.To == sharing.StateApproved:
		return notify(msgApproved.With(a.ID, a.EntryName), applicant)
	case m.Action == "return":
		return notify(msgReturned.With(a.ID, a.EntryName, m.Actor.DepartmentName, reason()), applicant)
	case m.Action == "withdraw":
		if err := notify(msgWithdrawnBy.With(a.ID, a.EntryName, m.Actor.DisplayName, reason()), applicant); err != nil {
			return err
		}
		// The approvers who had it in their queue need not look for it.
		waiting := a
		waiting.State = m.From
		approvers, err := w.Sharing.Approvers(ctx, waiting)
		if err != nil {
			return err
		}
		return notify(msgWithdrawn.With(a.ID, a.ConsumerName, a.EntryName, reason()), approvers)
	}
	return nil
}

func without(ids []int64, id int64) []int64 {
	var out []int64
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// Check reminds the approvers of each pending step that nears its time
// limit (from the working day before its due day) and once more when it
// is overdue, each once only: what was sent is recorded, so a second check,
// a restart or another replica sends nothing again. It returns the number
// of notices it made.
func (w *Sharing) Check(ctx context.Context) (int, error) {
	apps, err := w.Sharing.NearingDue(ctx)
	if err != nil {
		return 0, err
	}
	made := 0
	for _, a := range apps {
		msg, kind := msgNearing, "nearing"
		if a.Overdue {
			msg, kind = msgOverdue, "overdue"
		}
		approvers, err := w.Sharing.Approvers(ctx, a)
		if err != nil {
			return made, err
		}
		ns, err := w.Notices.Notify(ctx, Message{Text: msg.With(a.ID, a.ConsumerName, a.EntryName, a.StageDue), Record: applicationRecord(a.ID),
			Link: applicationLink(a.ID), Once: fmt.Sprintf("application:%d:%s:%s:%s", a.ID, a.State, a.StageDue, kind)}, approvers)
		if err != nil {
			return made, err
		}
		made += len(ns)
	}
	return made, nil
}
