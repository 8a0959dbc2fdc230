package connector

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Checksum returns the number of rows of a table and a checksum over the
// given columns of all of them (all columns, in ordinal order, when columns
// is empty). The checksum is the sum modulo 2²⁵⁶ of the SHA-256 of each row's
// canonical encoding, as 64 hex digits, so it does not depend on the order
// of the rows, and the same rows give the same checksum on every database:
//
//   - integers and decimals as the shortest exact decimal ("12.50" and "12.5"
//     and, in an integer, 12 and "12" are equal; "-0" is "0");
//   - floats as the shortest decimal that reads back as the same float64;
//   - dates and times as instants in UTC at microsecond precision;
//   - times of day without trailing zeros in the fraction;
//   - JSON re-encoded with sorted keys and no spaces, numbers as written;
//   - booleans as booleans, bytes as bytes, strings as they are, NULL as NULL.
//
// A target filled by a Sink from a source has the source's checksum over
// the same columns.
func (s *Source) Checksum(ctx context.Context, table string, columns []string) (rows int64, sum string, err error) {
	t, err := s.Table(ctx, table)
	if err != nil {
		return 0, "", err
	}
	cols := t.Columns
	if len(columns) > 0 {
		cols = make([]Column, len(columns))
		for i, name := range columns {
			c, ok := t.Column(name)
			if !ok {
				return 0, "", fmt.Errorf("connector: checksum %q: column %q: %w", table, name, ErrNoColumn)
			}
			cols[i] = c
		}
	}
	var (
		acc [4]uint64 // little-endian limbs
		buf []byte
	)
	n, err := s.Rows(ctx, table, columns, 5000, func(batch [][]any) error {
		for _, row := range batch {
			buf = buf[:0]
			for i, v := range row {
				buf = appendValue(buf, cols[i], v)
			}
			h := sha256.Sum256(buf)
			var carry uint64
			for i := range 4 {
				acc[i], carry = bits.Add64(acc[i], binary.BigEndian.Uint64(h[24-8*i:]), carry)
			}
		}
		return nil
	})
	if err != nil {
		return n, "", fmt.Errorf("connector: checksum %q: %w", table, err)
	}
	var out [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(out[24-8*i:], acc[i])
	}
	return n, hex.EncodeToString(out[:]), nil
}

// appendValue appends the canonical encoding of a value of column c: a tag
// byte, the length of the text as a uvarint, and the text.
func appendValue(buf []byte, c Column, v any) []byte {
	tag, text := canonical(c, v)
	buf = append(buf, tag)
	buf = binary.AppendUvarint(buf, uint64(len(text)))
	return append(buf, text...)
}

// canonical returns a value's tag and text as Checksum describes them.
func canonical(c Column, v any) (byte, string) {
	switch x := v.(type) {
	case nil:
		return 'N', ""
	case bool:
		if x {
			return 'B', "1"
		}
		return 'B', "0"
	case int64:
		return 'D', strconv.FormatInt(x, 10)
	case float64:
		return 'F', strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return 'T', x.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")
	case []byte:
		return 'X', string(x)
	case string:
		switch c.Type {
		case TypeDecimal, TypeInteger:
			if d, ok := normDecimal(x); ok {
				return 'D', d
			}
		case TypeTime:
			return 'S', normTime(x)
		case TypeJSON:
			return 'S', normJSON(x)
		}
		return 'S', x
	}
	return 'O', fmt.Sprint(v)
}

// normDecimal writes a decimal number as the shortest exact decimal: no
// leading or trailing zeros, no point without a fraction, no exponent, no
// sign on zero. It reports false for text that is not a decimal number.
func normDecimal(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", false
		}
		// A number written with an exponent has a power-of-ten denominator.
		digits := 0
		for d := new(big.Int).Set(r.Denom()); d.Cmp(big.NewInt(1)) > 0; d.Quo(d, big.NewInt(10)) {
			digits++
		}
		s = r.FloatString(digits)
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return "", false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

// normTime drops trailing zeros of the fraction of a time of day:
// "08:30:00.000000" is "08:30:00".
func normTime(s string) string {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s
	}
	j := i + 1
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	frac := strings.TrimRight(s[i+1:j], "0")
	if frac == "" {
		return s[:i] + s[j:]
	}
	return s[:i+1] + frac + s[j:]
}

// normJSON re-encodes a JSON document with sorted keys and no spaces,
// keeping numbers as written; text that is not JSON stays as it is.
func normJSON(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return s
	}
	return strings.TrimSuffix(b.String(), "\n")
}
