package api

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
)

// registerLedger adds the evidence ledger's routes: the proofs and anchors
// under /api/v1/ledger, and its checkpoint, keys and tiles under /ledger in
// the C2SP tlog-tiles layout, public and read-only, for mirrors and
// witnesses.
func (s *Server) registerLedger(r chi.Router) {
	a := s.api
	type infoOut struct {
		Body struct {
			Origin     string             `json:"origin"`
			Size       uint64             `json:"size" doc:"Leaves in the tree, including those no checkpoint covers yet"`
			Checkpoint *ledger.Checkpoint `json:"checkpoint,omitempty" doc:"The latest signed checkpoint, with the witnesses' cosignatures of it"`
			Cosigned   *ledger.Checkpoint `json:"cosigned,omitempty" doc:"The latest checkpoint a witness cosigned, with its cosignatures"`
			Witnesses  []string           `json:"witnesses" doc:"Witnesses that cosigned the latest cosigned checkpoint"`
			Keys       []string           `json:"keys" doc:"The checkpoints' verifier keys (signed-note form): Ed25519, then SM2"`
			SplitViews []ledger.SplitView `json:"split_views" doc:"Split views witnesses raised: two checkpoints signed by this log that cannot both be true"`
		}
	}
	huma.Register(a, op(http.MethodGet, "/api/v1/ledger", "get-ledger", "ledger", "The evidence ledger (存证账本): origin, size, latest checkpoint and public keys", false),
		handle(s, func(ctx context.Context, _ *struct{}) (*infoOut, error) {
			out := &infoOut{}
			size, err := s.Ledger.Size(ctx)
			if err != nil {
				return nil, err
			}
			out.Body.Origin, out.Body.Size, out.Body.Keys = s.Ledger.Origin(), size, s.Ledger.VerifierKeys()
			if cp, _, err := s.Ledger.Cosigned(ctx); err == nil {
				out.Body.Checkpoint = &cp
			} else if !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			out.Body.Witnesses = []string{}
			if cp, cs, err := s.Ledger.LatestCosigned(ctx); err == nil {
				out.Body.Cosigned = &cp
				for _, c := range cs {
					out.Body.Witnesses = append(out.Body.Witnesses, c.Witness)
				}
			} else if !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			if out.Body.SplitViews, err = s.Ledger.SplitViews(ctx); err != nil {
				return nil, err
			}
			if out.Body.SplitViews == nil {
				out.Body.SplitViews = []ledger.SplitView{}
			}
			return out, nil
		}))

	o := op(http.MethodGet, "/api/v1/ledger/proof/inclusion", "ledger-inclusion-proof", "ledger", "Inclusion proof of a leaf in the tree of a checkpoint's size", false)
	o.Description = "hash is the leaf's RFC 6962 hash in hex (the leaf_hash an anchor returns); size a tree size no larger than the latest checkpoint's (default that size). " +
		"Check the answer offline with `govshare ledger verify --checkpoint F --leaf HASH --proof F`."
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Hash string `query:"hash" maxLength:"80" required:"true"`
		Size string `query:"size" maxLength:"20"`
	}) (*struct{ Body ledger.InclusionProof }, error) {
		leaf, err := parseLeafHash(in.Hash)
		if err != nil {
			return nil, err
		}
		size, err := optionalSize("size", in.Size)
		if err != nil {
			return nil, err
		}
		p, err := s.Ledger.InclusionProof(ctx, leaf, size)
		return &struct{ Body ledger.InclusionProof }{p}, err
	}))

	o = op(http.MethodGet, "/api/v1/ledger/proof/consistency", "ledger-consistency-proof", "ledger", "Consistency proof between two tree sizes", false)
	o.Description = "Proves the tree of `from` leaves is a prefix of the tree of `to` (default the latest checkpoint's size)."
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		From string `query:"from" maxLength:"20" required:"true"`
		To   string `query:"to" maxLength:"20"`
	}) (*struct{ Body ledger.ConsistencyProof }, error) {
		from, err := ledger.ParseSize("from", in.From)
		if err != nil {
			return nil, err
		}
		to, err := optionalSize("to", in.To)
		if err != nil {
			return nil, err
		}
		p, err := s.Ledger.ConsistencyProof(ctx, from, to)
		return &struct{ Body ledger.ConsistencyProof }{p}, err
	}))

	o = op(http.MethodPost, "/api/v1/ledger/anchors", "create-ledger-anchor", "ledger", "Anchor a document's hash in the ledger (上链存证)", true)
	o.Description = "A department's administrator or cataloger anchors the SHA-256 or SM3 hash of one of its documents. The answer comes once the leaf is durable; " +
		"its inclusion proof is available once the next checkpoint (within the checkpoint interval) covers its index."
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body ledger.AnchorInput }) (*struct{ Body ledger.Anchored }, error) {
		out, err := s.Anchors.Anchor(ctx, principal(ctx), in.Body)
		return &struct{ Body ledger.Anchored }{out}, err
	}))

	o = op(http.MethodPost, "/api/v1/ledger/cosignatures", "add-ledger-cosignature", "ledger", "A witness hands in its cosignature of a checkpoint", false)
	o.Description = "No session: the cosignature (C2SP tlog-cosignature, timestamped Ed25519) must be by a witness the platform knows (--ledger-witnesses) " +
		"and of a checkpoint this log published. /ledger/checkpoint then carries it."
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Body struct {
			Checkpoint  string `json:"checkpoint" maxLength:"8000"`
			Cosignature string `json:"cosignature" maxLength:"400"`
		}
	}) (*struct{ Body ledger.Cosignature }, error) {
		c, err := s.Ledger.AddCosignature(ctx, in.Body.Checkpoint, in.Body.Cosignature)
		return &struct{ Body ledger.Cosignature }{c}, err
	}))
	o = op(http.MethodPost, "/api/v1/ledger/split-views", "report-ledger-split-view", "ledger", "A witness raises a split view: two checkpoints of this log that cannot both be true", false)
	o.Description = "No session: the evidence speaks for itself. Both checkpoints must carry this log's signatures, and either have the same size with different roots " +
		"or one's root must not be the log's tree at its size. The platform records it in the audit log and lists it on GET /api/v1/ledger."
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Body struct {
			Witness string `json:"witness" maxLength:"200"`
			Older   string `json:"older" maxLength:"8000"`
			Newer   string `json:"newer" maxLength:"8000"`
		}
	}) (*struct{ Body ledger.SplitView }, error) {
		sv, err := s.Ledger.ReportSplitView(ctx, in.Body.Witness, in.Body.Older, in.Body.Newer)
		return &struct{ Body ledger.SplitView }{sv}, err
	}))

	r.Get("/ledger/checkpoint", func(w http.ResponseWriter, req *http.Request) {
		cp, _, err := s.Ledger.Cosigned(req.Context())
		if err != nil {
			s.plainError(w, req, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache, max-age=1")
		w.Write([]byte(cp.Note))
	})
	r.Get("/ledger/keys", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(strings.Join(s.Ledger.VerifierKeys(), "\n") + "\n"))
	})
	r.Get("/ledger/tile/*", func(w http.ResponseWriter, req *http.Request) {
		p, err := ledger.ParseTilePath(chi.URLParam(req, "*"))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var b []byte
		if p.Entries {
			b, err = s.Ledger.Bundle(req.Context(), p.Index, p.Width)
		} else {
			b, err = s.Ledger.Tile(req.Context(), p.Level, p.Index, p.Width)
		}
		if err != nil {
			s.plainError(w, req, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		// A tile of a given width never changes (C2SP tlog-tiles).
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(b)
	})
}

// parseLeafHash reads a leaf hash given in hex.
func parseLeafHash(s string) ([]byte, error) {
	h, err := ledger.ParseHash(s)
	if err != nil {
		return nil, errs.FieldMsg("hash", errs.TextOf(err).Msg)
	}
	return hex.DecodeString(h)
}

// plainError answers a ledger file request with a status and a short text.
func (s *Server) plainError(w http.ResponseWriter, req *http.Request, err error) {
	code, msg, _ := errs.PublicIn(err, errs.Lang(req.Header.Get("Accept-Language"), "en"))
	if code == errs.Internal {
		s.Logger.ErrorContext(req.Context(), "ledger request failed", "err", err)
	}
	http.Error(w, msg, errs.Status(code))
}

// optionalSize parses a tree size given in field, 0 (the latest
// checkpoint's) when it is empty.
func optionalSize(field, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return ledger.ParseSize(field, s)
}
