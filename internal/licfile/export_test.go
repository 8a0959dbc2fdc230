package licfile

// AppendPageChange appends a revision that rewrites the first page (its
// rotation), as someone altering a signed file would.
func AppendPageChange(b []byte) ([]byte, error) {
	f, err := parsePDF(b)
	if err != nil {
		return nil, err
	}
	pages, err := f.pages()
	if err != nil {
		return nil, err
	}
	pd, err := f.dict(pages[0])
	if err != nil {
		return nil, err
	}
	page := copyDict(pd)
	page["Rotate"] = pInt(90)
	u := newUpdate(f)
	u.set(pages[0], page)
	return u.bytes(), nil
}
