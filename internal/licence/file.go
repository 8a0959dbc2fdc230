package licence

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// File returns a licence's file to its issuing department: the master
// (rendered and signed on first request, then kept) with the evidence of
// its data in the ledger (the issued or changed event, the latest
// checkpoint and the event's inclusion proof) attached.
func (s *Service) File(ctx context.Context, p org.Principal, ref string) ([]byte, Licence, error) {
	l, err := s.Licence(ctx, p, ref)
	if err != nil {
		return nil, l, err
	}
	if s.Files == nil {
		return nil, l, errs.New(errs.Unavailable, msgFilesUnavailable)
	}
	t, err := s.TypeByCode(ctx, l.TypeCode)
	if err != nil {
		return nil, l, err
	}
	master, err := s.master(ctx, l, t)
	if err != nil {
		return nil, l, err
	}
	ev, err := s.Evidence(ctx, l)
	if err != nil {
		return nil, l, err
	}
	b, err := s.Files.Deliver(ctx, master, ev)
	return b, l, err
}

// Evidence is the ledger evidence of a licence's current version: its
// issued or changed event, the latest checkpoint, and the event's inclusion
// proof in it. Until a checkpoint covers the event it is Unavailable.
func (s *Service) Evidence(ctx context.Context, l Licence) (licfile.Evidence, error) {
	var e Event
	var idx int64
	var at string
	err := s.db.QueryRow(ctx, "SELECT leaf_index, name, identifier, version, data, use_id, reason, at FROM licence_events WHERE licence_id = ? AND identifier = ? AND name IN (?, ?) ORDER BY leaf_index DESC LIMIT 1",
		l.ID, l.Identifier, licfile.Issued, licfile.Changed).Scan(&idx, &e.Name, &e.Identifier, &e.Version, &e.Data, &e.Use, &e.Reason, &at)
	if err != nil {
		return licfile.Evidence{}, err
	}
	e.At, _ = store.ParseTime(at)
	rec, err := s.ledger.Leaf(ctx, uint64(idx))
	if err != nil {
		return licfile.Evidence{}, err
	}
	cp, err := s.ledger.Latest(ctx)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return licfile.Evidence{}, err
	}
	if err != nil || cp.Size <= uint64(idx) {
		return licfile.Evidence{}, errs.New(errs.Unavailable, msgNoCheckpointYet)
	}
	proof, err := s.ledger.InclusionProof(ctx, rec.LeafHash(), cp.Size)
	if err != nil {
		return licfile.Evidence{}, err
	}
	if proof.LeafHash == "" {
		proof.LeafHash = hex.EncodeToString(rec.LeafHash())
	}
	return licfile.Evidence{Event: e.Record(), Checkpoint: []byte(cp.Note), Proof: proof}, nil
}

// verifyURL is the public page a file's QR code opens.
func (s *Service) verifyURL(identifier string) string {
	if s.VerifyURL == "" {
		return "/v?id=" + url.QueryEscape(identifier)
	}
	return s.VerifyURL + url.QueryEscape(identifier)
}

// master returns the licence's master file, rendering it on first request.
func (s *Service) master(ctx context.Context, l Licence, t Type) ([]byte, error) {
	var b []byte
	err := s.db.QueryRow(ctx, "SELECT master FROM licence_files WHERE identifier = ?", l.Identifier).Scan(&b)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	b, err = s.Files.Master(ctx, l.Document(), t.Layout(), l.DepartmentID, s.verifyURL(l.Identifier))
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO licence_files (identifier, master, made_at) VALUES (?, ?, ?)", l.Identifier, b, store.FormatTime(s.now()))
		if store.IsUnique(err) {
			return nil // another request rendered it meanwhile
		}
		return err
	})
	return b, err
}

// annotated makes the annotated copy of a use, or says why there is none.
func (s *Service) annotated(ctx context.Context, l Licence, t Type, u Use) ([]byte, errs.Text) {
	if s.Files == nil {
		return nil, msgFilesUnavailable.With()
	}
	master, err := s.master(ctx, l, t)
	if err == nil {
		// With the ledger evidence, so the copy verifies offline as the
		// file does: a licence issued a moment ago waits for the next
		// checkpoint (a second by default), and goes without after 3 s.
		ev, everr := s.Evidence(ctx, l)
		for deadline := time.Now().Add(3 * time.Second); errs.Is(everr, errs.Unavailable) && time.Now().Before(deadline) && ctx.Err() == nil; {
			time.Sleep(100 * time.Millisecond)
			ev, everr = s.Evidence(ctx, l)
		}
		if everr == nil {
			if delivered, derr := s.Files.Deliver(ctx, master, ev); derr == nil {
				master = delivered
			}
		}
		var b []byte
		b, err = s.Files.Annotate(ctx, master, licfile.Annotation{UseID: u.ID, Department: u.Department, Purpose: u.Purpose, MadeAt: u.At, ValidUntil: u.ValidUntil})
		if err == nil {
			return b, errs.Text{}
		}
	}
	s.Log.Warn("annotated copy", "licence", strconv.FormatInt(l.ID, 10), "err", err)
	return nil, msgCopyFailed.With()
}
