package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// checkpointAt returns the stored checkpoint of size.
func (l *Log) checkpointAt(ctx context.Context, size uint64) (string, error) {
	var n string
	err := l.db.QueryRow(ctx, "SELECT note FROM ledger_checkpoints WHERE size = ?", int64(size)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.FieldMsg("checkpoint", msgNotOurCheckpoint)
	}
	return n, err
}

// AddCosignature stores a known witness's cosignature of one of the log's
// checkpoints (the checkpoint as served, with any signatures).
func (l *Log) AddCosignature(ctx context.Context, checkpoint, line string) (Cosignature, error) {
	text, ok := noteText(checkpoint)
	lines := strings.Split(text, "\n")
	if !ok || len(lines) < 4 {
		return Cosignature{}, errs.FieldMsg("checkpoint", msgNotOurCheckpoint)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || lines[0] != l.Origin() {
		return Cosignature{}, errs.FieldMsg("checkpoint", msgNotOurCheckpoint)
	}
	ours, err := l.checkpointAt(ctx, size)
	if err != nil {
		return Cosignature{}, err
	}
	if t, _ := noteText(ours); t != text {
		return Cosignature{}, errs.FieldMsg("checkpoint", msgNotOurCheckpoint)
	}
	k, at, err := VerifyCosignature(text, line, l.opts.Witnesses)
	if err != nil {
		return Cosignature{}, errs.FieldMsg("cosignature", msgCosignature)
	}
	c := Cosignature{Witness: k.Name, Line: strings.TrimSuffix(line, "\n") + "\n", At: at}
	err = l.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO ledger_cosignatures (size, witness, line, at) VALUES (?, ?, ?, ?) ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, at = excluded.at",
			int64(size), c.Witness, c.Line, store.FormatTime(at))
		return err
	})
	return c, err
}

// Cosigned returns the latest checkpoint with every witness cosignature of
// it appended: what /ledger/checkpoint serves.
func (l *Log) Cosigned(ctx context.Context) (Checkpoint, []Cosignature, error) {
	cp, err := l.Latest(ctx)
	if err != nil {
		return cp, nil, err
	}
	cs, err := l.cosignatures(ctx, cp.Size)
	if err != nil {
		return cp, nil, err
	}
	for _, c := range cs {
		cp.Note += c.Line
	}
	return cp, cs, nil
}

// LatestCosigned returns the latest checkpoint some witness cosigned, with
// its cosignatures; NotFound when none is.
func (l *Log) LatestCosigned(ctx context.Context) (Checkpoint, []Cosignature, error) {
	var size int64
	err := l.db.QueryRow(ctx, "SELECT size FROM ledger_cosignatures ORDER BY size DESC LIMIT 1").Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, nil, errs.New(errs.NotFound, msgNoCheckpoint)
	}
	if err != nil {
		return Checkpoint{}, nil, err
	}
	n, err := l.checkpointAt(ctx, uint64(size))
	if err != nil {
		return Checkpoint{}, nil, err
	}
	cs, err := l.cosignatures(ctx, uint64(size))
	if err != nil {
		return Checkpoint{}, nil, err
	}
	cp := Checkpoint{Size: uint64(size), Note: n}
	for _, c := range cs {
		cp.Note += c.Line
	}
	if pc, err := OpenCheckpoint([]byte(n), l.ownVerifiers()); err == nil {
		cp.Root = pc.Root
	}
	return cp, cs, nil
}

func (l *Log) cosignatures(ctx context.Context, size uint64) ([]Cosignature, error) {
	rows, err := l.db.Query(ctx, "SELECT witness, line, at FROM ledger_cosignatures WHERE size = ? ORDER BY witness", int64(size))
	if err != nil {
		return nil, fmt.Errorf("ledger: read cosignatures: %w", err)
	}
	defer rows.Close()
	var out []Cosignature
	for rows.Next() {
		var c Cosignature
		var at string
		if err := rows.Scan(&c.Witness, &c.Line, &at); err != nil {
			return nil, err
		}
		c.At, _ = store.ParseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (l *Log) ownVerifiers() []note.Verifier {
	vs, _ := ParseVerifierKeys(strings.Join(l.VerifierKeys(), "\n"))
	return vs
}

// SplitView is a split view a witness raised.
type SplitView struct {
	ID      int64  `json:"id"`
	Witness string `json:"witness"`
	Reason  string `json:"reason"`
}

// ReportSplitView records two checkpoints signed by this log that cannot
// both be true, as a witness saw them: the same size with different roots,
// or one whose root is not the root of the log's tree at its size. Evidence
// that does not show one is refused.
func (l *Log) ReportSplitView(ctx context.Context, witness, older, newer string) (SplitView, error) {
	keys := l.ownVerifiers()
	a, err := OpenCheckpoint([]byte(older), keys)
	if err != nil || a.Origin != l.Origin() {
		return SplitView{}, errs.FieldMsg("older", msgNotOurCheckpoint)
	}
	b, err := OpenCheckpoint([]byte(newer), keys)
	if err != nil || b.Origin != l.Origin() {
		return SplitView{}, errs.FieldMsg("newer", msgNotOurCheckpoint)
	}
	if len(witness) > 200 {
		witness = witness[:200]
	}
	var reason string
	var detail string
	switch {
	case a.Size == b.Size && !bytes.Equal(a.Root, b.Root):
		reason = fmt.Sprintf("two checkpoints of size %d with different roots", a.Size)
		detail = audit.Keyed(msgSplitSameSize, witness, a.Size)
	default:
		for _, c := range []ParsedCheckpoint{a, b} {
			root, err := l.reader().rootAt(ctx, c.Size)
			if err != nil || !bytes.Equal(root, c.Root) {
				reason = fmt.Sprintf("a checkpoint of size %d whose root is not the log's tree at that size", c.Size)
				detail = audit.Keyed(msgSplitNotInTree, witness, c.Size)
				break
			}
		}
	}
	if reason == "" {
		return SplitView{}, errs.FieldMsg("newer", msgNoSplitView)
	}
	sv := SplitView{Witness: witness, Reason: reason}
	err = l.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO ledger_split_views (witness, reason, older, newer, at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			witness, reason, older, newer, store.FormatTime(l.now())).Scan(&sv.ID); err != nil {
			return err
		}
		if l.opts.Audit == nil {
			return nil
		}
		return l.opts.Audit.Append(ctx, tx, audit.Entry{Actor: "system", Action: "ledger.split_view", Target: "ledger", Outcome: audit.Failure,
			Detail: detail})
	})
	if err != nil {
		return SplitView{}, err
	}
	l.opts.Logger.Error("ledger split view raised by a witness", "witness", witness, "reason", reason)
	return sv, nil
}

// SplitViews returns the split views raised, newest first.
func (l *Log) SplitViews(ctx context.Context) ([]SplitView, error) {
	rows, err := l.db.Query(ctx, "SELECT id, witness, reason FROM ledger_split_views ORDER BY id DESC LIMIT 100")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SplitView
	for rows.Next() {
		var s SplitView
		if err := rows.Scan(&s.ID, &s.Witness, &s.Reason); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
