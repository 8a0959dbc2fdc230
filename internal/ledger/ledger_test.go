package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

const testOrigin = "govshare.test/ledger"

func docHash(i int) string {
	s := sha256.Sum256([]byte(fmt.Sprintf("document %d", i)))
	return hex.EncodeToString(s[:])
}

// refRoot is the RFC 6962 Merkle tree hash computed the slow way.
func refRoot(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(refRoot(leaves[:k]), refRoot(leaves[k:]))
}

func openTestLog(t *testing.T, db *store.DB) (*Log, *Signer) {
	t.Helper()
	s, err := NewSigner(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	l := New(db, s, Options{})
	l.Start()
	t.Cleanup(l.Close)
	return l, s
}

func verifiers(t *testing.T, s *Signer) []note.Verifier {
	t.Helper()
	vs, err := ParseVerifierKeys(strings.Join(s.VerifierKeys(), "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestAppendProveVerify appends records concurrently in batches of
// different sizes, then checks the head against a slow reference root,
// every inclusion proof against a checkpoint verified with x/mod's own
// Ed25519 verifier and with the SM2 key, and consistency proofs between
// sizes across tile boundaries.
func TestAppendProveVerify(t *testing.T) {
	storetest.Each(t, []store.Migration{Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l, s := openTestLog(t, db)
		const n = 1300 // five level-0 tiles and a partial one; a partial level-1 tile
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Kind: KindDocument, Hash: docHash(i), At: time.Date(2026, 12, 7, 0, 0, i, 0, time.UTC)}
		}
		// Writers of 1, 7 and 50 records at a time, concurrently.
		var wg sync.WaitGroup
		errc := make(chan error, n)
		idx := make([]uint64, n)
		for start := 0; start < n; {
			size := []int{1, 7, 50}[start%3]
			end := min(start+size, n)
			wg.Add(1)
			go func(start, end int) {
				defer wg.Done()
				first, err := l.Append(ctx, recs[start:end], nil)
				for i := start; i < end; i++ {
					idx[i] = first + uint64(i-start)
				}
				errc <- err
			}(start, end)
			start = end
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		leaves := make([][]byte, n)
		for i := range recs {
			leaves[idx[i]] = recs[i].LeafHash()
		}
		cp, err := l.Publish(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cp.Size, uint64(n); got != want {
			t.Fatalf("checkpoint size = %d, want %d", got, want)
		}
		if !bytes.Equal(cp.Root, refRoot(leaves)) {
			t.Fatalf("checkpoint root %x, want the reference root %x", cp.Root, refRoot(leaves))
		}
		// x/mod's own verifier (Ed25519) opens the checkpoint alone.
		edv, err := note.NewVerifier(s.VerifierKeys()[0])
		if err != nil {
			t.Fatal(err)
		}
		nt, err := note.Open([]byte(cp.Note), note.VerifierList(edv))
		if err != nil {
			t.Fatalf("x/mod note.Open: %v\n%s", err, cp.Note)
		}
		if !strings.HasPrefix(nt.Text, testOrigin+"\n1300\n") || len(nt.UnverifiedSigs) != 1 {
			t.Errorf("checkpoint text %q, unverified sigs %d (want the SM2 one)", nt.Text, len(nt.UnverifiedSigs))
		}
		// The SM2 key alone opens it too.
		smv, err := NewVerifier(s.VerifierKeys()[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open([]byte(cp.Note), note.VerifierList(smv)); err != nil {
			t.Fatalf("SM2 verifier: %v", err)
		}
		pcp, err := OpenCheckpoint([]byte(cp.Note), verifiers(t, s))
		if err != nil {
			t.Fatal(err)
		}
		if len(pcp.Signed) != 2 {
			t.Errorf("signed by %v, want both keys", pcp.Signed)
		}
		for i := 0; i < n; i += 37 {
			p, err := l.InclusionProof(ctx, leaves[i], 0)
			if err != nil {
				t.Fatalf("inclusion proof of leaf %d: %v", i, err)
			}
			if p.Index != uint64(i) {
				t.Errorf("leaf %d found at %d", i, p.Index)
			}
			if err := VerifyInclusion(pcp, leaves[i], p); err != nil {
				t.Errorf("leaf %d: %v", i, err)
			}
		}
		// Proofs at older sizes, and consistency between them.
		for _, sizes := range [][2]uint64{{1, 2}, {255, 256}, {256, 257}, {100, 1300}, {513, 1024}, {1300, 1300}, {0, 7}} {
			p, err := l.ConsistencyProof(ctx, sizes[0], sizes[1])
			if err != nil {
				t.Fatalf("consistency %v: %v", sizes, err)
			}
			if !bytes.Equal(p.FromRoot, refRoot(leaves[:sizes[0]])) || !bytes.Equal(p.ToRoot, refRoot(leaves[:sizes[1]])) {
				t.Fatalf("consistency %v: roots differ from the reference", sizes)
			}
			older := ParsedCheckpoint{Size: sizes[0], Root: p.FromRoot}
			newer := ParsedCheckpoint{Size: sizes[1], Root: p.ToRoot}
			if err := VerifyConsistency(older, newer, p); err != nil {
				t.Errorf("consistency %v: %v", sizes, err)
			}
			if sizes[1] > 1 {
				ip, err := l.InclusionProof(ctx, leaves[sizes[1]-2], sizes[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := VerifyInclusion(newer, leaves[sizes[1]-2], ip); err != nil {
					t.Errorf("inclusion at size %d: %v", sizes[1], err)
				}
			}
		}
		if _, err := l.ConsistencyProof(ctx, 10, n+1); err == nil {
			t.Error("a consistency proof beyond the checkpoint was given")
		}
		// Tiles: level 0 holds the leaf hashes; level 1 the 256-leaf subtree roots.
		tile, err := l.Tile(ctx, 0, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tile, bytes.Join(leaves[256:512], nil)) {
			t.Error("full tile 0/001 is not leaves 256-511")
		}
		part, err := l.Tile(ctx, 0, 5, 20)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(part, bytes.Join(leaves[1280:1300], nil)) {
			t.Error("partial tile 0/005.p/20 is not leaves 1280-1299")
		}
		if _, err := l.Tile(ctx, 0, 5, 21); err == nil {
			t.Error("a partial tile wider than the tree was served")
		}
		up, err := l.Tile(ctx, 1, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(up[3*HashSize:4*HashSize], refRoot(leaves[768:1024])) {
			t.Error("tile 1/000 does not hold the root of leaves 768-1023 at position 3")
		}
		bundle, err := l.Bundle(ctx, 5, 20)
		if err != nil {
			t.Fatal(err)
		}
		first := recs[0].Entry() // any entry: check the first of the bundle hashes to leaf 1280
		_ = first
		ln := int(bundle[0])<<8 | int(bundle[1])
		if !bytes.Equal(rfc6962.DefaultHasher.HashLeaf(bundle[2:2+ln]), leaves[1280]) {
			t.Error("the bundle's first entry does not hash to leaf 1280")
		}
	})
}

// TestVerifyNamesTheFault shows the offline verifier naming a tampered
// checkpoint, a checkpoint of another log, a proof for another tree and a
// wrong leaf.
func TestVerifyNamesTheFault(t *testing.T) {
	db := storetest.Open(t, t.TempDir()+"/l.db", []store.Migration{Migration})
	ctx := context.Background()
	l, s := openTestLog(t, db)
	var leaves [][]byte
	for i := range 10 {
		r := Record{Kind: KindDocument, Hash: docHash(i), At: time.Unix(int64(i), 0)}
		if _, err := l.Append(ctx, []Record{r}, nil); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, r.LeafHash())
		if i == 5 {
			if _, err := l.Publish(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	cp, err := l.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := verifiers(t, s)
	pcp, err := OpenCheckpoint([]byte(cp.Note), keys)
	if err != nil {
		t.Fatal(err)
	}
	good, err := l.InclusionProof(ctx, leaves[3], 10)
	if err != nil {
		t.Fatal(err)
	}
	old, err := l.InclusionProof(ctx, leaves[3], 6)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner("another.example/log")
	otherNote, _ := other.Sign(cp.Size, cp.Root)
	tampered := strings.Replace(cp.Note, "\n10\n", "\n11\n", 1)
	wrongRoot := good
	wrongRoot.Root = bytes.Repeat([]byte{1}, 32)
	for _, tc := range []struct {
		name     string
		note     string
		leaf     []byte
		proof    InclusionProof
		wantWhat string
	}{
		{"good", cp.Note, leaves[3], good, ""},
		{"tampered checkpoint", tampered, leaves[3], good, "signature"},
		{"another log's checkpoint", otherNote, leaves[3], good, "signature"},
		{"proof for an older tree", cp.Note, leaves[3], old, "tree"},
		{"proof for another tree of the same size", cp.Note, leaves[3], wrongRoot, "tree"},
		{"wrong leaf", cp.Note, leaves[4], InclusionProof{Index: good.Index, TreeSize: good.TreeSize, Hashes: good.Hashes}, "leaf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenCheckpoint([]byte(tc.note), keys)
			if err == nil {
				err = VerifyInclusion(c, tc.leaf, tc.proof)
			}
			var ve *VerifyError
			switch {
			case tc.wantWhat == "" && err != nil:
				t.Fatalf("verify: %v", err)
			case tc.wantWhat != "" && !errors.As(err, &ve):
				t.Fatalf("verify = %v, want a %s fault", err, tc.wantWhat)
			case tc.wantWhat != "" && ve.What != tc.wantWhat:
				t.Errorf("fault %q (%v), want %q", ve.What, ve, tc.wantWhat)
			}
		})
	}
	_ = pcp
}

// TestReloadAfterReopen shows a second Log on the same database (a
// replica, or a restart) carrying on the tree another one grew.
func TestReloadAfterReopen(t *testing.T) {
	storetest.Each(t, []store.Migration{Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _ := openTestLog(t, db)
		b, _ := openTestLog(t, db)
		var leaves [][]byte
		for i := range 600 {
			l := a
			if i%3 == 0 {
				l = b
			}
			r := Record{Kind: "permit", Hash: docHash(i), At: time.Unix(int64(i), 0)}
			if _, err := l.Append(ctx, []Record{r}, nil); err != nil {
				t.Fatal(err)
			}
			leaves = append(leaves, r.LeafHash())
		}
		h, err := readHead(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if h.Size != 600 || !bytes.Equal(h.Root, refRoot(leaves)) {
			t.Fatalf("head %d %x, want 600 and the reference root", h.Size, h.Root)
		}
	})
}

func TestParseHash(t *testing.T) {
	h := docHash(1)
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{h, h, true},
		{strings.ToUpper(h), h, true},
		{"sha256:" + h, h, true},
		{"SM3:" + h, h, true},
		{h[:63], "", false},
		{h + "0", "", false},
		{"md5:" + h, "", false},
		{strings.Replace(h, h[:1], "g", 1), "", false},
		{"", "", false},
	} {
		got, err := ParseHash(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseHash(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestTilePath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want TilePath
		ok   bool
	}{
		{"0/000", TilePath{}, true},
		{"0/x001/x234/067", TilePath{Index: 1234067}, true},
		{"2/000.p/1", TilePath{Level: 2, Width: 1}, true},
		{"0/x001/000.p/255", TilePath{Index: 1000, Width: 255}, true},
		{"entries/005.p/20", TilePath{Entries: true, Index: 5, Width: 20}, true},
		{"63/001", TilePath{Level: 63, Index: 1}, true},
		{"64/001", TilePath{}, false},
		{"01/001", TilePath{}, false},
		{"0/1", TilePath{}, false},
		{"0/x000/001", TilePath{}, false},
		{"0/001.p/0", TilePath{}, false},
		{"0/001.p/256", TilePath{}, false},
		{"0/001.p/07", TilePath{}, false},
		{"0/001/002", TilePath{}, false},
		{"0/x001", TilePath{}, false},
		{"0/../001", TilePath{}, false},
		{"-1/001", TilePath{}, false},
	} {
		got, err := ParseTilePath(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseTilePath(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{"0/000", "0/x001/x234/067", "entries/005.p/20", "1/x000/000", "0/001.p/255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseTilePath(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("ParseTilePath(%q) = %+v, which writes %q", s, p, p.String())
		}
		if p.Level > 63 || p.Width > 255 || p.Width < 0 {
			t.Fatalf("ParseTilePath(%q) = %+v out of range", s, p)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	f.Add(docHash(0))
	f.Add("sm3:" + docHash(1))
	f.Add("xyz")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if len(h) != 64 || strings.ToLower(h) != h {
			t.Fatalf("ParseHash(%q) = %q", s, h)
		}
		if again, err := ParseHash(h); err != nil || again != h {
			t.Fatalf("ParseHash(%q) again = %q, %v", h, again, err)
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "1", "256", "007", "-1", "18446744073709551616", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSize("size", s)
		if err != nil {
			return
		}
		if fmt.Sprint(v) != s {
			t.Fatalf("ParseSize(%q) = %d", s, v)
		}
	})
}

func FuzzParseEntry(f *testing.F) {
	f.Add(string(Record{Kind: "document", Hash: docHash(0), At: time.Unix(1, 0)}.Entry()))
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseEntry([]byte(s))
		if err != nil {
			return
		}
		if string(r.Entry()) != s {
			t.Fatalf("ParseEntry(%q) writes back %q", s, r.Entry())
		}
	})
}

// FuzzOpenCheckpoint feeds checkpoint files (outside input to the verifier
// and to the witness endpoints) through OpenCheckpoint and ReportSplitView's
// parsing: no panic, and whatever opens was signed by the log.
func FuzzOpenCheckpoint(f *testing.F) {
	s, err := NewSigner(testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.Sign(5, make([]byte, 32))
	f.Add(good)
	f.Add(strings.Replace(good, "\n5\n", "\n6\n", 1))
	f.Add("x\n\n— y z\n")
	keys, err := ParseVerifierKeys(strings.Join(s.VerifierKeys(), "\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cp, err := OpenCheckpoint([]byte(in), keys)
		if err != nil {
			return
		}
		if cp.Origin != testOrigin || len(cp.Root) != HashSize || len(cp.Signed) == 0 {
			t.Fatalf("opened %+v from %q", cp, in)
		}
	})
}

// FuzzCosignature feeds cosignature lines and witness keys (outside input
// from witnesses and operators) to their parsers.
func FuzzCosignature(f *testing.F) {
	c, err := LoadCosigner(filepath.Join(f.TempDir(), "w.key"), "witness.test/w")
	if err != nil {
		f.Fatal(err)
	}
	text := testOrigin + "\n5\n" + strings.Repeat("A", 43) + "=\n"
	f.Add(c.Cosign(text), c.VerifierKey())
	f.Add("— witness.test/w AAAA", "witness.test/w+00000000+BA==")
	k, _ := ParseWitnessKey(c.VerifierKey())
	f.Fuzz(func(t *testing.T, line, vkey string) {
		if wk, err := ParseWitnessKey(vkey); err == nil && len(wk.Pub) != 32 {
			t.Fatalf("ParseWitnessKey(%q) = %+v", vkey, wk)
		}
		if _, err := NewVerifier(vkey); err != nil {
			_ = err
		}
		if w, _, err := VerifyCosignature(text, line, []WitnessKey{k}); err == nil && w.Name != k.Name {
			t.Fatalf("cosignature %q verified for %q", line, w.Name)
		}
	})
}
