package licfile

// A small PDF reader and incremental-update writer: enough to read the
// documents internal/pdfdoc writes (classic cross-reference tables, no
// object streams), append revisions to them, and read any file offline
// without trusting it. The reader parses outside input: every length is
// bounded, every offset checked, nesting limited and every chain of
// references or revisions followed a bounded number of times.

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// PDF values.
type (
	pName   string
	pString []byte
	pNum    string // a number as written
	pRef    struct{ Num, Gen int }
	pArray  []any
	pDict   map[pName]any
	pStream struct {
		Dict pDict
		Data []byte // as stored (possibly compressed)
	}
	pBool bool
	pRaw  []byte // written verbatim
)

func pInt(n int) pNum { return pNum(strconv.Itoa(n)) }

var errPDF = errors.New("malformed PDF")

const (
	maxDepth    = 32
	maxObjects  = 1 << 20
	maxSections = 64
	maxResolve  = 16
)

// lexer reads PDF tokens from b.
type lexer struct {
	b   []byte
	pos int
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' || c == '%'
}

func (l *lexer) skip() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// word reads a run of regular characters.
func (l *lexer) word() string {
	start := l.pos
	for l.pos < len(l.b) && !isWhite(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

func (l *lexer) peekWord() string {
	save := l.pos
	l.skip()
	w := l.word()
	l.pos = save
	return w
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	digits := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c == '+' || c == '-') && i == 0, c == '.':
		default:
			return false
		}
	}
	return digits > 0
}

func isUint(w string) bool {
	if w == "" || len(w) > 10 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// value reads one value (not a stream's data).
func (l *lexer) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errPDF
	}
	l.skip()
	if l.pos >= len(l.b) {
		return nil, errPDF
	}
	switch c := l.b[l.pos]; c {
	case '/':
		l.pos++
		return pName(unescapeName(l.word())), nil
	case '(':
		return l.literal()
	case '[':
		l.pos++
		var a pArray
		for {
			l.skip()
			if l.pos >= len(l.b) {
				return nil, errPDF
			}
			if l.b[l.pos] == ']' {
				l.pos++
				return a, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			d := pDict{}
			for {
				l.skip()
				if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
					l.pos += 2
					return d, nil
				}
				k, err := l.value(depth + 1)
				if err != nil {
					return nil, err
				}
				name, ok := k.(pName)
				if !ok {
					return nil, errPDF
				}
				v, err := l.value(depth + 1)
				if err != nil {
					return nil, err
				}
				d[name] = v
			}
		}
		return l.hex()
	default:
		if isDelim(c) {
			return nil, errPDF
		}
		w := l.word()
		switch {
		case w == "true":
			return pBool(true), nil
		case w == "false":
			return pBool(false), nil
		case w == "null":
			return nil, nil
		case isNumber(w):
			// an indirect reference is "num gen R"
			if isUint(w) {
				save := l.pos
				l.skip()
				g := l.word()
				if isUint(g) {
					l.skip()
					if l.word() == "R" {
						n, _ := strconv.Atoi(w)
						gen, _ := strconv.Atoi(g)
						return pRef{n, gen}, nil
					}
				}
				l.pos = save
			}
			return pNum(w), nil
		}
		return nil, errPDF
	}
}

func (l *lexer) literal() (any, error) {
	l.pos++ // (
	var out []byte
	nest := 0
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
			out = append(out, c)
		case ')':
			if nest == 0 {
				return pString(out), nil
			}
			nest--
			out = append(out, c)
		case '\\':
			if l.pos >= len(l.b) {
				return nil, errPDF
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
	}
	return nil, errPDF
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *lexer) hex() (any, error) {
	l.pos++ // <
	var out []byte
	half, odd := byte(0), false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			if odd {
				out = append(out, half<<4)
			}
			return pString(out), nil
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, errPDF
		}
		if odd {
			out = append(out, half<<4|v)
		} else {
			half = v
		}
		odd = !odd
	}
	return nil, errPDF
}

func unescapeName(s string) string {
	if !bytes.ContainsRune([]byte(s), '#') {
		return s
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i+2 < len(s) {
			a, ok1 := unhex(s[i+1])
			b, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, a<<4|b)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

// pdfFile is a parsed file: its objects' offsets (the newest revision's)
// and trailer.
type pdfFile struct {
	b       []byte
	offsets map[int]int
	trailer pDict
	xref    int // the offset of the last cross-reference section
}

// parsePDF reads the cross-reference sections of b, newest first.
func parsePDF(b []byte) (*pdfFile, error) {
	tail := b
	if len(tail) > 2048 {
		tail = tail[len(tail)-2048:]
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil, errPDF
	}
	l := &lexer{b: tail, pos: i + len("startxref")}
	l.skip()
	w := l.word()
	if !isUint(w) {
		return nil, errPDF
	}
	off, _ := strconv.Atoi(w)
	f := &pdfFile{b: b, offsets: map[int]int{}, xref: off}
	seen := map[int]bool{}
	for n := 0; ; n++ {
		if n >= maxSections || seen[off] || off < 0 || off >= len(b) {
			return nil, errPDF
		}
		seen[off] = true
		trailer, err := f.section(off)
		if err != nil {
			return nil, err
		}
		if f.trailer == nil {
			f.trailer = trailer
		}
		prev, ok := trailer["Prev"]
		if !ok {
			break
		}
		p, ok := intOf(prev)
		if !ok {
			return nil, errPDF
		}
		off = p
	}
	if _, ok := f.trailer["Root"].(pRef); !ok {
		return nil, errPDF
	}
	return f, nil
}

// section reads one classic cross-reference section and its trailer,
// keeping the offsets of objects a newer section has not given.
func (f *pdfFile) section(off int) (pDict, error) {
	l := &lexer{b: f.b, pos: off}
	l.skip()
	if l.word() != "xref" {
		return nil, errPDF
	}
	for {
		l.skip()
		w := l.word()
		if w == "trailer" {
			v, err := l.value(0)
			if err != nil {
				return nil, err
			}
			d, ok := v.(pDict)
			if !ok {
				return nil, errPDF
			}
			return d, nil
		}
		if !isUint(w) {
			return nil, errPDF
		}
		l.skip()
		c := l.word()
		if !isUint(c) {
			return nil, errPDF
		}
		start, _ := strconv.Atoi(w)
		count, _ := strconv.Atoi(c)
		if count > maxObjects || start > maxObjects {
			return nil, errPDF
		}
		for k := 0; k < count; k++ {
			l.skip()
			o := l.word()
			l.skip()
			g := l.word()
			l.skip()
			t := l.word()
			if !isUint(o) || !isUint(g) || (t != "n" && t != "f") {
				return nil, errPDF
			}
			if len(f.offsets) > maxObjects {
				return nil, errPDF
			}
			if _, newer := f.offsets[start+k]; !newer && t == "n" {
				v, _ := strconv.Atoi(o)
				f.offsets[start+k] = v
			} else if !newer {
				f.offsets[start+k] = -1
			}
		}
	}
}

func intOf(v any) (int, bool) {
	n, ok := v.(pNum)
	if !ok || !isUint(string(n)) {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil
}

// object reads object num.
func (f *pdfFile) object(num int) (any, error) { return f.read(num, true) }

// read reads object num, with a stream's data when streams is true (a
// stream's length is read with streams false, so lengths never chain).
func (f *pdfFile) read(num int, streams bool) (any, error) {
	off, ok := f.offsets[num]
	if !ok || off < 0 || off >= len(f.b) {
		return nil, fmt.Errorf("%w: no object %d", errPDF, num)
	}
	l := &lexer{b: f.b, pos: off}
	l.skip()
	if w := l.word(); w != strconv.Itoa(num) {
		return nil, errPDF
	}
	l.skip()
	if !isUint(l.word()) {
		return nil, errPDF
	}
	l.skip()
	if l.word() != "obj" {
		return nil, errPDF
	}
	v, err := l.value(0)
	if err != nil {
		return nil, err
	}
	d, isDict := v.(pDict)
	if !isDict || l.peekWord() != "stream" {
		return v, nil
	}
	if !streams {
		return nil, errPDF
	}
	l.skip()
	l.word() // stream
	if l.pos < len(f.b) && f.b[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(f.b) && f.b[l.pos] == '\n' {
		l.pos++
	}
	lv := d["Length"]
	if r, ok := lv.(pRef); ok {
		if lv, err = f.read(r.Num, false); err != nil {
			return nil, err
		}
	}
	n, ok := intOf(lv)
	if !ok || n > len(f.b)-l.pos {
		return nil, errPDF
	}
	return pStream{Dict: d, Data: f.b[l.pos : l.pos+n]}, nil
}

// resolve follows references to a value.
func (f *pdfFile) resolve(v any) (any, error) {
	for i := 0; i < maxResolve; i++ {
		r, ok := v.(pRef)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = f.object(r.Num); err != nil {
			return nil, err
		}
	}
	return nil, errPDF
}

func (f *pdfFile) dict(v any) (pDict, error) {
	v, err := f.resolve(v)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(pStream); ok {
		return s.Dict, nil
	}
	d, ok := v.(pDict)
	if !ok {
		return nil, errPDF
	}
	return d, nil
}

func (f *pdfFile) catalog() (pDict, error) { return f.dict(f.trailer["Root"]) }

// size is the trailer's /Size: one past the highest object number.
func (f *pdfFile) size() int {
	n, _ := intOf(f.trailer["Size"])
	for k := range f.offsets {
		n = max(n, k+1)
	}
	return n
}

// pages lists the page objects' references in order.
func (f *pdfFile) pages() ([]pRef, error) {
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	var out []pRef
	visits := 0
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		visits++
		if depth > maxDepth || visits > 10000 {
			return errPDF
		}
		r, ok := v.(pRef)
		if !ok {
			return errPDF
		}
		d, err := f.dict(r)
		if err != nil {
			return err
		}
		if d["Type"] == pName("Page") {
			out = append(out, r)
			return nil
		}
		kids, ok := d["Kids"].(pArray)
		if !ok {
			return errPDF
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(cat["Pages"], 0); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errPDF
	}
	return out, nil
}

// embedded returns the catalog's embedded files by name (the newest
// revision's name tree, a flat /Names array as this package writes it).
func (f *pdfFile) embedded() (map[string][]byte, error) {
	out := map[string][]byte{}
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	names, ok := cat["Names"]
	if !ok {
		return out, nil
	}
	nd, err := f.dict(names)
	if err != nil {
		return nil, err
	}
	ef, ok := nd["EmbeddedFiles"]
	if !ok {
		return out, nil
	}
	efd, err := f.dict(ef)
	if err != nil {
		return nil, err
	}
	arr, err := f.resolve(efd["Names"])
	if err != nil {
		return nil, err
	}
	list, _ := arr.(pArray)
	for i := 0; i+1 < len(list); i += 2 {
		name, ok := list[i].(pString)
		if !ok {
			continue
		}
		spec, err := f.dict(list[i+1])
		if err != nil {
			return nil, err
		}
		efs, err := f.dict(spec["EF"])
		if err != nil {
			return nil, err
		}
		sv, err := f.resolve(efs["F"])
		if err != nil {
			return nil, err
		}
		s, ok := sv.(pStream)
		if !ok {
			return nil, errPDF
		}
		data, err := streamData(s)
		if err != nil {
			return nil, err
		}
		out[string(name)] = data
	}
	return out, nil
}

// maxInflate bounds a decompressed stream.
const maxInflate = 16 << 20

// streamData returns a stream's decoded data (no filter or FlateDecode).
func streamData(s pStream) ([]byte, error) {
	switch flt := s.Dict["Filter"]; flt {
	case nil:
		return s.Data, nil
	case pName("FlateDecode"):
		r, err := zlib.NewReader(bytes.NewReader(s.Data))
		if err != nil {
			return nil, errPDF
		}
		b, err := io.ReadAll(io.LimitReader(r, maxInflate+1))
		if err != nil || len(b) > maxInflate {
			return nil, errPDF
		}
		return b, nil
	}
	return nil, errPDF
}

// writeValue serialises v.
func writeValue(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		w.WriteString("null")
	case pName:
		w.WriteByte('/')
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c <= ' ' || c >= 0x7f || isDelim(c) || c == '#' {
				fmt.Fprintf(w, "#%02X", c)
			} else {
				w.WriteByte(c)
			}
		}
	case pString:
		w.WriteByte('<')
		fmt.Fprintf(w, "%X", []byte(v))
		w.WriteByte('>')
	case pNum:
		w.WriteString(string(v))
	case pBool:
		w.WriteString(strconv.FormatBool(bool(v)))
	case pRef:
		fmt.Fprintf(w, "%d %d R", v.Num, v.Gen)
	case pRaw:
		w.Write(v)
	case pArray:
		w.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				w.WriteByte(' ')
			}
			writeValue(w, x)
		}
		w.WriteByte(']')
	case pDict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		w.WriteString("<<")
		for _, k := range keys {
			writeValue(w, pName(k))
			w.WriteByte(' ')
			writeValue(w, v[pName(k)])
			w.WriteByte('\n')
		}
		w.WriteString(">>")
	case pStream:
		d := pDict{}
		for k, x := range v.Dict {
			d[k] = x
		}
		d["Length"] = pInt(len(v.Data))
		writeValue(w, d)
		w.WriteString("\nstream\n")
		w.Write(v.Data)
		w.WriteString("\nendstream")
	default:
		panic(fmt.Sprintf("licfile: cannot write %T", v))
	}
}

// update is an incremental update being written after a file.
type update struct {
	base *pdfFile
	next int
	objs map[int]any
}

func newUpdate(f *pdfFile) *update { return &update{base: f, next: f.size(), objs: map[int]any{}} }

// add stores a new object and returns its reference.
func (u *update) add(v any) pRef {
	n := u.next
	u.next++
	u.objs[n] = v
	return pRef{n, 0}
}

// set replaces object num.
func (u *update) set(r pRef, v any) { u.objs[r.Num] = v }

// bytes returns the file with the update appended.
func (u *update) bytes() []byte {
	var w bytes.Buffer
	w.Write(u.base.b)
	if n := len(u.base.b); n > 0 && u.base.b[n-1] != '\n' {
		w.WriteByte('\n')
	}
	nums := make([]int, 0, len(u.objs))
	for n := range u.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	offs := map[int]int{}
	for _, n := range nums {
		offs[n] = w.Len()
		fmt.Fprintf(&w, "%d 0 obj\n", n)
		writeValue(&w, u.objs[n])
		w.WriteString("\nendobj\n")
	}
	xref := w.Len()
	w.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(&w, "%d %d\n", nums[i], j-i+1)
		for k := i; k <= j; k++ {
			fmt.Fprintf(&w, "%010d 00000 n \n", offs[nums[k]])
		}
		i = j + 1
	}
	tr := pDict{"Size": pInt(u.next), "Root": u.base.trailer["Root"], "Prev": pInt(u.base.xref)}
	if info, ok := u.base.trailer["Info"]; ok {
		tr["Info"] = info
	}
	if id, ok := u.base.trailer["ID"]; ok {
		tr["ID"] = id
	}
	w.WriteString("trailer\n")
	writeValue(&w, tr)
	fmt.Fprintf(&w, "\nstartxref\n%d\n%%%%EOF\n", xref)
	return w.Bytes()
}

// copyDict returns a shallow copy of d.
func copyDict(d pDict) pDict {
	out := pDict{}
	for k, v := range d {
		out[k] = v
	}
	return out
}
