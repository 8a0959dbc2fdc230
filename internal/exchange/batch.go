package exchange

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/govshare/govshare/internal/connector"
)

// A batch travels as a compact binary payload, format "gsb1":
//
//	"GSB1"
//	uvarint length, then the header as JSON: channel, seq, table (the
//	    schema, connector.Table), rows, deletes
//	rows × len(columns) values, then deletes × len(key) values
//
// and each value as a tag byte and its bytes: 'N' nil, 'F'/'T' false/true,
// 'I' zigzag varint int64, 'U' uvarint uint64, 'D' float64 (8 bytes, big
// endian), 'S' string and 'B' bytes (uvarint length, then the bytes), 'M' a
// time (varint Unix seconds, uvarint nanoseconds; UTC). JSON would turn an
// int64 into a float, bytes into base64 and a time into text that the
// target would have to guess the type of; this keeps the Go types Rows
// returns and is about half the size.
//
// Message headers carry what the applier checks before it decodes anything.
const (
	hdrChannel  = "Govshare-Channel"
	hdrSeq      = "Govshare-Seq"
	hdrRows     = "Govshare-Rows"
	hdrDeletes  = "Govshare-Deletes"
	hdrChecksum = "Govshare-Checksum" // "sha256:" and the payload's SHA-256 in hex
	hdrFormat   = "Govshare-Format"   // "gsb1"
	hdrState    = "Govshare-State"    // the extractor's state after this batch (JSON)
	hdrEncoding = "Govshare-Encoding" // "s2": the payload is gsb1 compressed as an S2 block; absent: plain gsb1

	format = "gsb1"
	magic  = "GSB1"

	encodingS2 = "s2"
	// maxDecoded is the most bytes a compressed payload may claim to hold.
	maxDecoded = 64 << 20
)

// compress returns a payload as an S2 block. S2 (Snappy's successor, as
// NATS uses it) compresses a batch of government records to about a half or
// a third at over 1 GB/s, so the bytes each hop stores, sends and caches
// shrink for little CPU.
func compress(payload []byte) []byte { return s2.Encode(nil, payload) }

// decompress undoes compress, refusing a block that claims more than
// maxDecoded bytes.
func decompress(p []byte) ([]byte, error) {
	n, err := s2.DecodedLen(p)
	if err != nil {
		return nil, fmt.Errorf("exchange: s2 payload: %w", err)
	}
	if n > maxDecoded {
		return nil, fmt.Errorf("exchange: s2 payload claims %d bytes, more than %d", n, maxDecoded)
	}
	out, err := s2.Decode(nil, p)
	if err != nil {
		return nil, fmt.Errorf("exchange: s2 payload: %w", err)
	}
	return out, nil
}

// Batch is one message of a channel.
type Batch struct {
	Channel string
	Seq     int64
	Table   connector.Table  // the source's schema: Rows hold its columns in order
	Rows    [][]any          // values as connector.Source.Rows returns them
	Deletes [][]any          // key values (schema.Key() order) of rows deleted at the source
	Range   *connector.Range // in a full pass of a Full channel: the keys the batch covers (see connector.Range)
	Full    bool             // read by a full pass: the target writes it through its bulk path
}

// Flags of a batch's range in its header.
const (
	rangeSet  = 1 << iota // the batch covers a range
	rangeFrom             // with a lower bound
	rangeTo               // with an upper bound
)

type batchHeader struct {
	Channel string          `json:"channel"`
	Seq     int64           `json:"seq"`
	Table   connector.Table `json:"table"`
	Rows    int             `json:"rows"`
	Deletes int             `json:"deletes"`
	Range   int             `json:"range,omitempty"` // rangeSet|rangeFrom|rangeTo; the bounds follow the deletes
	Keep    int             `json:"keep,omitempty"`  // keys to keep in the range, after the bounds
	Full    bool            `json:"full,omitempty"`
}

// rangeBytes is a batch's range as encodeBatch takes it.
type rangeBytes struct {
	flags, keep int
	data        []byte // From, To (those present) and the keys to keep, encoded by appendValue
}

// encodeRange encodes a range whose values are in key order.
func encodeRange(r *connector.Range) (*rangeBytes, error) {
	if r == nil {
		return nil, nil
	}
	out := &rangeBytes{flags: rangeSet, keep: len(r.Keep)}
	var err error
	add := func(vs []any) {
		for _, v := range vs {
			if err == nil {
				out.data, err = appendValue(out.data, v)
			}
		}
	}
	if r.From != nil {
		out.flags |= rangeFrom
		add(r.From)
	}
	if r.To != nil {
		out.flags |= rangeTo
		add(r.To)
	}
	for _, k := range r.Keep {
		add(k)
	}
	return out, err
}

// Checksum returns the checksum of a payload as the header carries it.
func Checksum(payload []byte) string {
	h := sha256.Sum256(payload)
	return "sha256:" + hex.EncodeToString(h[:])
}

// encodeBatch assembles a payload from values already encoded by appendValue.
func encodeBatch(channel string, seq int64, t connector.Table, full bool, rows, deletes int, rowBytes, delBytes []byte, rng *rangeBytes) ([]byte, error) {
	h := batchHeader{Channel: channel, Seq: seq, Table: t, Full: full, Rows: rows, Deletes: deletes}
	var rngData []byte
	if rng != nil {
		h.Range, h.Keep, rngData = rng.flags, rng.keep, rng.data
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(magic)+binary.MaxVarintLen64+len(head)+len(rowBytes)+len(delBytes)+len(rngData))
	out = append(out, magic...)
	out = binary.AppendUvarint(out, uint64(len(head)))
	out = append(out, head...)
	out = append(out, rowBytes...)
	out = append(out, delBytes...)
	return append(out, rngData...), nil
}

// EncodeBatch encodes a batch as format gsb1.
func EncodeBatch(b *Batch) ([]byte, error) {
	var rows, dels []byte
	var err error
	for _, r := range b.Rows {
		if len(r) != len(b.Table.Columns) {
			return nil, fmt.Errorf("exchange: row has %d values, want %d", len(r), len(b.Table.Columns))
		}
		for _, v := range r {
			if rows, err = appendValue(rows, v); err != nil {
				return nil, err
			}
		}
	}
	nkey := len(b.Table.Key())
	for _, d := range b.Deletes {
		if len(d) != nkey {
			return nil, fmt.Errorf("exchange: delete has %d values, want %d", len(d), nkey)
		}
		for _, v := range d {
			if dels, err = appendValue(dels, v); err != nil {
				return nil, err
			}
		}
	}
	if r := b.Range; r != nil {
		for _, k := range append([][]any{r.From, r.To}, r.Keep...) {
			if k != nil && len(k) != nkey {
				return nil, fmt.Errorf("exchange: range key has %d values, want %d", len(k), nkey)
			}
		}
	}
	rng, err := encodeRange(b.Range)
	if err != nil {
		return nil, err
	}
	return encodeBatch(b.Channel, b.Seq, b.Table, b.Full, len(b.Rows), len(b.Deletes), rows, dels, rng)
}

var errShort = errors.New("payload ends early")

// DecodeBatch decodes a payload of format gsb1.
func DecodeBatch(p []byte) (*Batch, error) {
	if len(p) < len(magic) || string(p[:len(magic)]) != magic {
		return nil, errors.New("exchange: not a gsb1 payload")
	}
	p = p[len(magic):]
	n, w := binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)-w) {
		return nil, fmt.Errorf("exchange: batch header: %w", errShort)
	}
	var h batchHeader
	if err := json.Unmarshal(p[w:w+int(n)], &h); err != nil {
		return nil, fmt.Errorf("exchange: batch header: %w", err)
	}
	p = p[w+int(n):]
	ncol, nkey := len(h.Table.Columns), len(h.Table.Key())
	// Each value takes at least one byte: refuse counts the payload cannot hold
	// before allocating for them.
	nbounds := 0
	if h.Range&rangeFrom != 0 {
		nbounds++
	}
	if h.Range&rangeTo != 0 {
		nbounds++
	}
	if h.Range < 0 || h.Range > rangeSet|rangeFrom|rangeTo || (h.Range != 0 && h.Range&rangeSet == 0) || h.Keep < 0 || (h.Range == 0 && h.Keep > 0) {
		return nil, fmt.Errorf("exchange: batch range %d with %d keys to keep: not a range", h.Range, h.Keep)
	}
	if h.Rows < 0 || h.Deletes < 0 || (ncol == 0 && h.Rows > 0) || (nkey == 0 && (h.Deletes > 0 || h.Range != 0)) ||
		int64(h.Rows)*int64(ncol)+(int64(h.Deletes)+int64(nbounds)+int64(h.Keep))*int64(nkey) > int64(len(p)) {
		return nil, fmt.Errorf("exchange: batch of %d rows and %d deletes: %w", h.Rows, h.Deletes, errShort)
	}
	b := &Batch{Channel: h.Channel, Seq: h.Seq, Table: h.Table, Full: h.Full}
	var err error
	read := func(count, width int) ([][]any, error) {
		out := make([][]any, count)
		for i := range out {
			out[i] = make([]any, width)
			for j := range out[i] {
				if out[i][j], p, err = readValue(p); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	if b.Rows, err = read(h.Rows, ncol); err != nil {
		return nil, fmt.Errorf("exchange: rows: %w", err)
	}
	if b.Deletes, err = read(h.Deletes, nkey); err != nil {
		return nil, fmt.Errorf("exchange: deletes: %w", err)
	}
	if h.Range != 0 {
		b.Range = &connector.Range{}
		bounds, err := read(nbounds, nkey)
		if err != nil {
			return nil, fmt.Errorf("exchange: range: %w", err)
		}
		if h.Range&rangeFrom != 0 {
			b.Range.From, bounds = bounds[0], bounds[1:]
		}
		if h.Range&rangeTo != 0 {
			b.Range.To = bounds[0]
		}
		if b.Range.Keep, err = read(h.Keep, nkey); err != nil {
			return nil, fmt.Errorf("exchange: range: %w", err)
		}
		if len(b.Range.Keep) == 0 {
			b.Range.Keep = nil
		}
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("exchange: %d bytes after the last value", len(p))
	}
	return b, nil
}

// appendValue appends one value in the gsb1 encoding.
func appendValue(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, 'N'), nil
	case bool:
		if x {
			return append(buf, 'T'), nil
		}
		return append(buf, 'F'), nil
	case int64:
		return binary.AppendVarint(append(buf, 'I'), x), nil
	case int:
		return binary.AppendVarint(append(buf, 'I'), int64(x)), nil
	case uint64:
		return binary.AppendUvarint(append(buf, 'U'), x), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(buf, 'D'), math.Float64bits(x)), nil
	case float32:
		return binary.BigEndian.AppendUint64(append(buf, 'D'), math.Float64bits(float64(x))), nil
	case string:
		buf = binary.AppendUvarint(append(buf, 'S'), uint64(len(x)))
		return append(buf, x...), nil
	case []byte:
		buf = binary.AppendUvarint(append(buf, 'B'), uint64(len(x)))
		return append(buf, x...), nil
	case time.Time:
		buf = binary.AppendVarint(append(buf, 'M'), x.Unix())
		return binary.AppendUvarint(buf, uint64(x.Nanosecond())), nil
	}
	return buf, fmt.Errorf("exchange: cannot encode a value of type %T", v)
}

// readValue reads one value and returns the rest of p.
func readValue(p []byte) (any, []byte, error) {
	if len(p) == 0 {
		return nil, nil, errShort
	}
	tag, p := p[0], p[1:]
	switch tag {
	case 'N':
		return nil, p, nil
	case 'T':
		return true, p, nil
	case 'F':
		return false, p, nil
	case 'I':
		x, w := binary.Varint(p)
		if w <= 0 {
			return nil, nil, errShort
		}
		return x, p[w:], nil
	case 'U':
		x, w := binary.Uvarint(p)
		if w <= 0 {
			return nil, nil, errShort
		}
		return x, p[w:], nil
	case 'D':
		if len(p) < 8 {
			return nil, nil, errShort
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), p[8:], nil
	case 'S', 'B':
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return nil, nil, errShort
		}
		data := p[w : w+int(n)]
		if tag == 'S' {
			return string(data), p[w+int(n):], nil
		}
		return append([]byte{}, data...), p[w+int(n):], nil
	case 'M':
		sec, w := binary.Varint(p)
		if w <= 0 {
			return nil, nil, errShort
		}
		p = p[w:]
		ns, w := binary.Uvarint(p)
		if w <= 0 || ns >= 1e9 {
			return nil, nil, errShort
		}
		return time.Unix(sec, int64(ns)).UTC(), p[w:], nil
	}
	return nil, nil, fmt.Errorf("unknown value tag %q", tag)
}

// encodeValues encodes values (a position in the source) for the state.
func encodeValues(vs []any) ([]byte, error) {
	if vs == nil {
		return nil, nil
	}
	out := binary.AppendUvarint(nil, uint64(len(vs)))
	var err error
	for _, v := range vs {
		if out, err = appendValue(out, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeValues(p []byte) ([]any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	n, w := binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)) {
		return nil, errShort
	}
	p = p[w:]
	out := make([]any, n)
	var err error
	for i := range out {
		if out[i], p, err = readValue(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}
