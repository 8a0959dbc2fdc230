package web

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
)

// ledgerPath is the evidence ledger's page (存证账本); the public files of
// the log (checkpoint, keys, tiles) lie under /ledger/.
const ledgerPath = "/ledger"

func (s *server) ledgerRoutes(r chi.Router) {
	if s.Ledger == nil {
		return
	}
	r.Get(ledgerPath, s.ledgerPage)
}

// ledgerLeaf is a record as the page lists it.
type ledgerLeaf struct {
	ledger.Leaf
	LeafHash, At string
}

// ledgerProof is the proof viewer's answer for one leaf.
type ledgerProof struct {
	Leaf     string
	Proof    ledger.InclusionProof
	Hashes   []string
	Root     string
	Verified bool
	Problem  string
}

// ledgerPage shows the latest checkpoint with its cosignatures, the
// witnesses and split views, the newest records, and a proof viewer: a
// leaf hash in, its inclusion proof checked against the latest checkpoint
// with the log's public keys.
func (s *server) ledgerPage(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	size, err := s.Ledger.Size(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Origin": s.Ledger.Origin(), "Size": size, "Keys": s.Ledger.VerifierKeys()}
	cp, cosigs, err := s.Ledger.Cosigned(ctx)
	if err != nil && !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	if err == nil {
		data["Checkpoint"], data["Root"], data["Cosignatures"] = cp, hex.EncodeToString(cp.Root), cosigs
	}
	svs, err := s.Ledger.SplitViews(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["SplitViews"] = svs
	recent, err := s.Ledger.Recent(ctx, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	leaves := make([]ledgerLeaf, 0, len(recent))
	for _, x := range recent {
		leaves = append(leaves, ledgerLeaf{Leaf: x, LeafHash: hex.EncodeToString(x.LeafHash()), At: dateTime(x.At)})
	}
	data["Leaves"] = leaves
	v := view{Title: "ledger.title", Active: ledgerPath, Data: data}
	if q := strings.TrimSpace(r.URL.Query().Get("leaf")); q != "" {
		data["Query"] = q
		h, err := ledger.ParseHash(q)
		if err != nil {
			v.Errors = map[string]string{"leaf": errs.TextOf(err).In(lang)}
		} else {
			data["Proof"] = s.proveLeaf(r, h, cp)
		}
	}
	s.render(w, r, http.StatusOK, "ledger", v)
}

func (s *server) proveLeaf(r *http.Request, h string, cp ledger.Checkpoint) ledgerProof {
	lang := language(r)
	leaf, _ := hex.DecodeString(h)
	out := ledgerProof{Leaf: h}
	p, err := s.Ledger.InclusionProof(r.Context(), leaf, cp.Size)
	if err != nil {
		_, msg, fields := errs.PublicIn(err, lang)
		if f, ok := fields["hash"]; ok {
			msg = f
		}
		out.Problem = msg
		return out
	}
	out.Proof, out.Root = p, hex.EncodeToString(p.Root)
	for _, x := range p.Hashes {
		out.Hashes = append(out.Hashes, hex.EncodeToString(x))
	}
	keys, err := ledger.ParseVerifierKeys(strings.Join(s.Ledger.VerifierKeys(), "\n"))
	if err == nil {
		var pc ledger.ParsedCheckpoint
		if pc, err = ledger.OpenCheckpoint([]byte(cp.Note), keys); err == nil {
			err = ledger.VerifyInclusion(pc, leaf, p)
		}
	}
	out.Verified = err == nil
	if err != nil {
		out.Problem = s.msgs.T(lang, "ledger.proof.failed")
	}
	return out
}
