package catalog

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// oleHeader starts an old .xls workbook or an encrypted .xlsx.
var oleHeader = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// xlsxPackage is what ParseXLSX reads of a workbook's zip package.
type xlsxPackage struct {
	sheets        map[string]*zip.File // worksheet parts by sheet name
	sharedStrings *zip.File            // nil when the workbook has none
}

// checkPackage refuses what is not a sane xlsx package before any part is
// inflated, and finds the worksheet and shared string parts.
func checkPackage(data []byte, maxUnzipped int64) (*xlsxPackage, error) {
	if bytes.HasPrefix(data, oleHeader) {
		return nil, refuse(errs.Invalid, msgNotXLSXOld)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuseCause(err, errs.Invalid, msgNotXLSXZip)
	}
	if len(zr.File) > maxParts {
		return nil, refuse(errs.Invalid, msgNotXLSXParts, maxParts)
	}
	var total uint64
	parts := map[string]*zip.File{}
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > uint64(maxUnzipped) || total > uint64(maxUnzipped) {
			return nil, refuse(errs.TooLarge, msgWorkbookExpands, sizeText(maxUnzipped))
		}
		parts[strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))] = zf
	}
	wb, rels := parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"]
	if parts["[content_types].xml"] == nil || wb == nil || rels == nil {
		return nil, refuse(errs.Invalid, msgNotXLSXNoBook)
	}
	var book struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var links struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(wb, &book); err != nil {
		return nil, refuseCause(err, errs.Invalid, msgNotXLSXPart, "xl/workbook.xml")
	}
	if err := decodePart(rels, &links); err != nil {
		return nil, refuseCause(err, errs.Invalid, msgNotXLSXPart, "xl/_rels/workbook.xml.rels")
	}
	pkg := &xlsxPackage{sheets: map[string]*zip.File{}, sharedStrings: parts["xl/sharedstrings.xml"]}
	targets := map[string]string{}
	for _, r := range links.Rels {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		t = strings.ToLower(t)
		targets[r.ID] = t
		if strings.HasSuffix(r.Type, "/sharedStrings") && parts[t] != nil {
			pkg.sharedStrings = parts[t]
		}
	}
	if ss := pkg.sharedStrings; ss != nil && ss.UncompressedSize64 > maxSharedStrings {
		return nil, refuse(errs.TooLarge, msgStringsExpand, sizeText(maxSharedStrings))
	}
	for _, s := range book.Sheets {
		var name, id string
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name" && a.Name.Space == "":
				name = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				id = a.Value
			}
		}
		if zf := parts[targets[id]]; zf != nil && name != "" {
			pkg.sheets[name] = zf
		}
	}
	return pkg, nil
}

func decodePart(zf *zip.File, v any) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, maxXMLInMemory)).Decode(v)
}

// readSharedStrings reads the shared string table: the text of each <si>,
// its runs joined and its phonetic guides (<rPh>) left out, as Excel shows it.
func readSharedStrings(zf *zip.File, textCap int) ([]string, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	x := newXMLScanner(rc, textCap)
	var out []string
	var cur []byte
	in, inPh := false, 0
	for {
		kind, name, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch string(name) {
		case "si":
			if len(out) == maxStrings {
				return nil, sheetError(fmt.Sprintf("more than %d shared strings", maxStrings))
			}
			switch kind {
			case startTag:
				in, inPh, cur = true, 0, cur[:0]
			case endTag:
				out = append(out, unescapeBSTR(string(cur)))
				in = false
			case emptyTag:
				out = append(out, "")
			}
		case "rPh":
			if kind == startTag {
				inPh++
			} else if kind == endTag {
				inPh--
			}
		case "t":
			if in && inPh == 0 && kind == startTag {
				t, err := x.text()
				if err != nil {
					return nil, err
				}
				if len(cur) < textCap {
					cur = append(cur, t...)
				}
			}
		}
	}
}

var (
	errTooManyRows = errors.New("too many rows")
	errPanic       = errors.New("panic while parsing")
)

// sheetError is what is wrong with a worksheet's XML, in words fit for the
// user.
type sheetError string

func (e sheetError) Error() string { return string(e) }

// sheetRow is one row of a worksheet: the cell values by column (from A),
// raw as stored, and whether each cell holds a formula.
type sheetRow struct {
	num     int // 1-based
	cells   []string
	formula []bool
}

// sheetReader streams the rows of a worksheet part. It reads only what
// cell values need: <row r>, <c r t>, <v>, <f> (to flag formulas) and
// inline strings <is>, and takes shared strings from the table. Row and
// cell references are honoured when present and counted when not, as
// Excel does. Values are raw: numbers as stored, booleans as 1 and 0,
// formulas never evaluated.
type sheetReader struct {
	x      *xmlScanner
	sst    []string
	inData bool
	done   bool
	rows   int // <row> elements read
	row    sheetRow
	text   []byte
}

func newSheetReader(r io.Reader, sst []string, textCap int) *sheetReader {
	return &sheetReader{x: newXMLScanner(r, textCap), sst: sst}
}

// next returns the next row, or nil after the last. The row is reused by
// the following call.
func (s *sheetReader) next() (*sheetRow, error) {
	for !s.done {
		kind, name, err := s.x.next()
		if err == io.EOF {
			if s.inData {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch string(name) {
		case "sheetData":
			switch kind {
			case startTag:
				s.inData = true
			case endTag, emptyTag:
				s.done, s.inData = true, false
			}
		case "row":
			if !s.inData || kind == endTag {
				continue
			}
			s.rows++
			n, err := strconv.Atoi(s.x.attr("r"))
			switch {
			case err != nil || n < 1:
				n = s.row.num + 1
			case n <= s.row.num:
				return nil, sheetError(fmt.Sprintf("row %d after row %d", n, s.row.num))
			}
			if n > maxRows || s.rows > maxRows {
				return nil, errTooManyRows
			}
			s.row.num, s.row.cells, s.row.formula = n, s.row.cells[:0], s.row.formula[:0]
			if kind == emptyTag {
				return &s.row, nil
			}
			if err := s.readRow(); err != nil {
				return nil, err
			}
			return &s.row, nil
		}
	}
	return nil, nil
}

// readRow reads the cells of a row, through </row>.
func (s *sheetReader) readRow() error {
	col, size := 0, 0
	for {
		kind, name, err := s.x.next()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch string(name) {
		case "row", "sheetData":
			if kind == endTag && string(name) == "row" {
				return nil
			}
			return sheetError(fmt.Sprintf("malformed row %d", s.row.num))
		case "c":
			if kind == endTag {
				continue
			}
			ref, t := s.x.attrs("r", "t")
			if len(ref) == 0 {
				col++
			} else if c, _, ok := parseCellRef(ref); ok {
				col = c
			} else {
				return sheetError(fmt.Sprintf("row %d: %q is not a cell reference", s.row.num, ref))
			}
			typ := "" // only shared and inline strings read differently
			switch string(t) {
			case "s":
				typ = "s"
			case "inlineStr":
				typ = "inlineStr"
			}
			if col > maxColumns {
				return sheetError(fmt.Sprintf("row %d has more than %d columns", s.row.num, maxColumns))
			}
			if kind == emptyTag {
				continue
			}
			v, formula, err := s.readCell(typ)
			if err != nil {
				return err
			}
			if size += len(v); size > maxRowBytes {
				return sheetError(fmt.Sprintf("row %d holds more than %s of text", s.row.num, sizeText(maxRowBytes)))
			}
			for len(s.row.cells) < col {
				s.row.cells, s.row.formula = append(s.row.cells, ""), append(s.row.formula, false)
			}
			s.row.cells[col-1], s.row.formula[col-1] = v, formula
		}
	}
}

// readCell reads a cell's content, through </c>, and returns its raw value.
func (s *sheetReader) readCell(typ string) (string, bool, error) {
	var v string
	formula, inIS, inPh := false, false, 0
	s.text = s.text[:0]
	for {
		kind, name, err := s.x.next()
		if err != nil {
			return "", false, unexpectedEOF(err)
		}
		switch string(name) {
		case "c":
			if kind != endTag {
				return "", false, sheetError(fmt.Sprintf("malformed cell in row %d", s.row.num))
			}
			switch typ {
			case "s":
				i, err := strconv.Atoi(strings.TrimSpace(v))
				if v == "" {
					return "", formula, nil
				}
				if err != nil || i < 0 || i >= len(s.sst) {
					return "", false, sheetError(fmt.Sprintf("row %d: shared string %q does not exist", s.row.num, v))
				}
				return s.sst[i], formula, nil
			case "inlineStr":
				return unescapeBSTR(string(s.text)), formula, nil
			}
			return v, formula, nil
		case "row", "sheetData":
			return "", false, sheetError(fmt.Sprintf("malformed cell in row %d", s.row.num))
		case "f":
			formula = true
			if kind == startTag {
				if _, err := s.x.text(); err != nil {
					return "", false, err
				}
			}
		case "v":
			if kind == startTag {
				t, err := s.x.text()
				if err != nil {
					return "", false, err
				}
				v = string(t)
			}
		case "is":
			inIS = kind == startTag
		case "rPh":
			if kind == startTag {
				inPh++
			} else if kind == endTag {
				inPh--
			}
		case "t":
			if kind == startTag && inIS && inPh == 0 {
				t, err := s.x.text()
				if err != nil {
					return "", false, err
				}
				if len(s.text) < s.x.textCap {
					s.text = append(s.text, t...)
				}
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

type tagKind uint8

const (
	startTag tagKind = iota
	endTag
	emptyTag
)

// Bounds of the XML scanner.
const maxTagBytes = 64 << 10

var (
	errTagTooLong = sheetError("an XML tag is longer than 64 KiB")
	errDTD        = sheetError("it holds a document type declaration, which xlsx does not allow")
)

// xmlScanner is a minimal streaming XML tokenizer for the parts of a
// workbook: it returns start, end and empty-element tags with their local
// names, and the character data of leaf elements on request. It expands
// only the predefined and numeric character references, skips comments,
// processing instructions and CDATA outside character data, and refuses a
// DOCTYPE, so no entity can expand. Text beyond textCap bytes is dropped
// (the cell is then too long anyway). It reads through a window of its own
// rather than a bufio.Reader: tags and text are sliced from the window.
type xmlScanner struct {
	r       io.Reader
	buf     []byte // the window; buf[pos:] is unread
	pos     int
	err     error  // the reader's error (io.EOF at the end), once it has one
	lt      bool   // just after a '<'
	tag     []byte // the last tag, without '<' and '>'; valid until the next read
	acc     []byte // text gathered across refills
	textCap int
}

const scanWindow = 256 << 10

func newXMLScanner(r io.Reader, textCap int) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, 0, scanWindow), textCap: textCap}
}

// refill keeps buf[from:], moved to the front, and reads more after it. It
// reports whether any byte was added; when not, the window is full or the
// reader has ended (x.err).
func (x *xmlScanner) refill(from int) bool {
	n := copy(x.buf[:cap(x.buf)], x.buf[from:])
	x.buf = x.buf[:n]
	x.pos -= from
	if x.err != nil || n == cap(x.buf) {
		return false
	}
	m, err := io.ReadAtLeast(x.r, x.buf[n:cap(x.buf)], 1)
	x.buf = x.buf[:n+m]
	if err != nil {
		x.err = err
	}
	return m > 0
}

// readErr is the error to return when input ran out: io.EOF at a clean end.
func (x *xmlScanner) readErr() error {
	if x.err == nil {
		return errTagTooLong
	}
	return x.err
}

// ensure makes up to n unread bytes available and returns them.
func (x *xmlScanner) ensure(n int) []byte {
	for len(x.buf)-x.pos < n && x.refill(x.pos) {
	}
	return x.buf[x.pos:min(len(x.buf), x.pos+n)]
}

// next reads up to and including the next tag and returns its kind and
// local name (valid until the following call).
func (x *xmlScanner) next() (tagKind, []byte, error) {
	for {
		if !x.lt {
			if err := x.skipPast("<"); err != nil {
				return 0, nil, err
			}
		}
		x.lt = false
		if head := x.ensure(1); len(head) > 0 && (head[0] == '!' || head[0] == '?') {
			head = x.ensure(9)
			var err error
			switch {
			case bytes.HasPrefix(head, []byte("!--")):
				err = x.skipPast("-->")
			case bytes.HasPrefix(head, []byte("![CDATA[")):
				err = x.skipPast("]]>")
			case head[0] == '?':
				err = x.skipPast("?>")
			default:
				return 0, nil, errDTD
			}
			if err != nil {
				return 0, nil, unexpectedEOF(err)
			}
			continue
		}
		if err := x.readTag(); err != nil {
			return 0, nil, err
		}
		kind, name := startTag, x.tag
		switch {
		case len(name) > 0 && name[0] == '/':
			kind, name = endTag, name[1:]
		case len(name) > 0 && name[len(name)-1] == '/':
			kind, name = emptyTag, name[:len(name)-1]
		}
		for i, c := range name {
			if isXMLSpace(c) {
				name = name[:i]
				break
			}
		}
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		return kind, name, nil
	}
}

// readTag reads a tag through its '>', minding quoted attribute values.
func (x *xmlScanner) readTag() error {
	start, i := x.pos, x.pos
	var quote byte
	for {
		for ; i < len(x.buf); i++ {
			c := x.buf[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '>':
				if i-start > maxTagBytes {
					return errTagTooLong
				}
				x.tag, x.pos = x.buf[start:i], i+1
				return nil
			case c == '"' || c == '\'':
				quote = c
			}
		}
		if i-start > maxTagBytes {
			return errTagTooLong
		}
		off := i - start
		if !x.refill(start) {
			return unexpectedEOF(x.readErr())
		}
		start, i = 0, off
	}
}

// text reads character data up to the next tag, CDATA sections included,
// and returns it unescaped (valid until the following read).
func (x *xmlScanner) text() ([]byte, error) {
	x.acc = x.acc[:0]
	gathered := false // the text is in acc, not a slice of the window
	keep := func(b []byte) {
		gathered = true
		if n := x.textCap - len(x.acc); n > 0 {
			x.acc = append(x.acc, b[:min(len(b), n)]...)
		}
	}
	for {
		i := bytes.IndexByte(x.buf[x.pos:], '<')
		if i < 0 {
			keep(x.buf[x.pos:])
			x.pos = len(x.buf)
			if !x.refill(x.pos) {
				return nil, unexpectedEOF(x.readErr())
			}
			continue
		}
		seg := x.buf[x.pos : x.pos+i]
		x.pos += i + 1
		if len(x.buf)-x.pos < 8 && x.err == nil {
			keep(seg) // ensure may move the window
			seg = nil
		}
		if !bytes.HasPrefix(x.ensure(8), []byte("![CDATA[")) {
			x.lt = true
			if !gathered {
				if len(seg) > x.textCap {
					seg = seg[:x.textCap]
				}
				return unescapeXML(seg), nil
			}
			keep(seg)
			return unescapeXML(x.acc), nil
		}
		keep(seg)
		x.pos += 8
		keep([]byte(unescapeMarker))
		for {
			j := bytes.Index(x.buf[x.pos:], []byte("]]>"))
			if j >= 0 {
				keep(x.buf[x.pos : x.pos+j])
				x.pos += j + 3
				break
			}
			n := max(x.pos, len(x.buf)-2) // "]]" may straddle the refill
			keep(x.buf[x.pos:n])
			x.pos = n
			if !x.refill(x.pos) {
				return nil, unexpectedEOF(x.readErr())
			}
		}
		keep([]byte(unescapeMarker))
	}
}

// unescapeMarker brackets CDATA content inside collected text, so that
// unescapeXML leaves it as it is.
const unescapeMarker = "\x00"

// unescapeXML expands the predefined and numeric character references of
// s in place; text between unescapeMarker pairs (CDATA) is kept literally.
func unescapeXML(s []byte) []byte {
	if bytes.IndexByte(s, '&') < 0 && bytes.IndexByte(s, 0) < 0 {
		return s
	}
	out := s[:0]
	cdata := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			cdata = !cdata
			continue
		case c != '&' || cdata:
			out = append(out, c)
			continue
		}
		end := bytes.IndexByte(s[i:min(len(s), i+12)], ';')
		if end < 0 {
			out = append(out, c)
			continue
		}
		ref := string(s[i+1 : i+end])
		var r rune = -1
		switch ref {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if n, ok := strings.CutPrefix(ref, "#"); ok {
				base := 10
				if h, ok := strings.CutPrefix(n, "x"); ok {
					n, base = h, 16
				}
				if v, err := strconv.ParseUint(n, base, 32); err == nil && utf8.ValidRune(rune(v)) {
					r = rune(v)
				}
			}
		}
		if r < 0 {
			out = append(out, c)
			continue
		}
		out = utf8.AppendRune(out, r)
		i += end
	}
	return out
}

// unescapeBSTR decodes the _xHHHH_ escapes SpreadsheetML uses for
// characters XML cannot hold; _x005F_ is a literal underscore.
func unescapeBSTR(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || i+7 > len(s) {
			b.WriteString(s)
			return b.String()
		}
		v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil || s[i+6] != '_' {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(v))
		s = s[i+7:]
	}
}

// skipPast reads up to and including marker.
func (x *xmlScanner) skipPast(marker string) error {
	for {
		var i int
		if len(marker) == 1 {
			i = bytes.IndexByte(x.buf[x.pos:], marker[0])
		} else {
			i = bytes.Index(x.buf[x.pos:], []byte(marker))
		}
		if i >= 0 {
			x.pos += i + len(marker)
			return nil
		}
		x.pos = max(x.pos, len(x.buf)-len(marker)+1)
		if !x.refill(x.pos) {
			return x.readErr()
		}
	}
}

// attr returns the value of the unprefixed attribute name of the last tag,
// or "".
func (x *xmlScanner) attr(name string) string {
	v, _ := x.attrs(name, "")
	return string(v)
}

// attrs returns the values of two unprefixed attributes of the last tag,
// valid until the next read.
func (x *xmlScanner) attrs(name1, name2 string) (v1, v2 []byte) {
	tag := x.tag
	i := 0
	for i < len(tag) && !isXMLSpace(tag[i]) {
		i++
	}
	skip := func() {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
	}
	for i < len(tag) {
		skip()
		start := i
		for i < len(tag) && tag[i] != '=' && !isXMLSpace(tag[i]) {
			i++
		}
		attr := tag[start:i]
		skip()
		if i >= len(tag) || tag[i] != '=' {
			return
		}
		i++
		skip()
		if i >= len(tag) || tag[i] != '"' && tag[i] != '\'' {
			return
		}
		q := tag[i]
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return
		}
		val := tag[i+1 : i+1+end]
		i += end + 2
		if bytes.IndexByte(val, '&') >= 0 {
			val = unescapeXML(bytes.Clone(val))
		}
		switch string(attr) {
		case name1:
			v1 = val
		case name2:
			v2 = val
		}
	}
	return
}

// parseCellRef reads a cell reference such as AB12 into its 1-based column
// and row.
func parseCellRef(ref []byte) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || col > maxColumns || i == len(ref) || len(ref)-i > 7 {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, 0, false
		}
		row = row*10 + int(ref[i]-'0')
	}
	return col, row, row >= 1 && row <= maxRows
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }
