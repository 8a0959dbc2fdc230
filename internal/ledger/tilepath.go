package ledger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TilePath is a tile's or entry bundle's place under tile/ (C2SP
// tlog-tiles): tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>].
type TilePath struct {
	Entries bool   // an entry bundle rather than a tile of hashes
	Level   int    // 0..63 (tiles only)
	Index   uint64 // the tile's index within its level
	Width   int    // 1..255 for a partial tile, 0 for a full one
}

var errTilePath = errors.New("not a tile path: want <L>/<N>[.p/<W>] or entries/<N>[.p/<W>], N in 3-digit elements with x before all but the last")

// ParseTilePath reads the part of a tile URL after "tile/".
func ParseTilePath(s string) (TilePath, error) {
	if len(s) > 120 {
		return TilePath{}, errTilePath
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 {
		return TilePath{}, errTilePath
	}
	var p TilePath
	if parts[0] == "entries" {
		p.Entries = true
	} else {
		l, ok := decimal(parts[0], 63)
		if !ok {
			return TilePath{}, errTilePath
		}
		p.Level = int(l)
	}
	rest := parts[1:]
	// A partial tile ends with ".p/<W>" on its last index element.
	if n := len(rest); n >= 2 && strings.HasSuffix(rest[n-2], ".p") {
		w, ok := decimal(rest[n-1], 255)
		if !ok || w == 0 {
			return TilePath{}, errTilePath
		}
		p.Width = int(w)
		rest = append(rest[:n-2:n-2], strings.TrimSuffix(rest[n-2], ".p"))
	}
	if len(rest) == 0 || len(rest) > 7 {
		return TilePath{}, errTilePath
	}
	var idx uint64
	for i, e := range rest {
		if i < len(rest)-1 {
			var ok bool
			if e, ok = strings.CutPrefix(e, "x"); !ok {
				return TilePath{}, errTilePath
			}
		}
		if len(e) != 3 || e[0] < '0' || e[0] > '9' || e[1] < '0' || e[1] > '9' || e[2] < '0' || e[2] > '9' {
			return TilePath{}, errTilePath
		}
		d := uint64(e[0]-'0')*100 + uint64(e[1]-'0')*10 + uint64(e[2]-'0')
		if idx > (1<<63)/1000 {
			return TilePath{}, errTilePath
		}
		idx = idx*1000 + d
	}
	p.Index = idx
	if p.String() != s {
		return TilePath{}, errTilePath // not the one canonical spelling (x000 leading elements)
	}
	return p, nil
}

// decimal parses a number without sign or leading zeros up to max.
func decimal(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil && v <= max
}

// String writes the path after "tile/".
func (p TilePath) String() string {
	var b strings.Builder
	if p.Entries {
		b.WriteString("entries/")
	} else {
		fmt.Fprintf(&b, "%d/", p.Level)
	}
	b.WriteString(indexPath(p.Index))
	if p.Width > 0 {
		fmt.Fprintf(&b, ".p/%d", p.Width)
	}
	return b.String()
}

// indexPath encodes N in zero-padded 3-digit elements, all but the last
// starting with x: 1234067 is x001/x234/067.
func indexPath(n uint64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

// ParseSize reads a tree size given in a URL: a decimal number without
// sign or leading zeros.
func ParseSize(field, s string) (uint64, error) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, sizeErr(field)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, sizeErr(field)
		}
	}
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, sizeErr(field)
	}
	return v, nil
}
