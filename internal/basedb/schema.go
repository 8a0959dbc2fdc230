package basedb

import (
	"fmt"
	"slices"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// Schema is a base database's definition: its key, sources, attributes and
// the cross-attribute rules that raise disputes.
type Schema struct {
	Name       string // identifier in paths: population
	NameZH     string
	NameEN     string
	KeyZH      string // 公民身份号码
	KeyEN      string
	CheckKey   func(string) error // the key's form (quality.CheckIDNumber); a failing row is quarantined
	Verify     string             // the attribute a verification matches beside the key (name)
	Sources    []Source
	Attributes []Attribute
	Rules      []Rule
}

// Source is one department's delivered table feeding a base database: the
// target table of the aggregation mandate that gathers it.
type Source struct {
	ID         string   // gaj_household
	Department string   // the providing department's demo key (gaj); bound to a real one by Bind
	NameZH     string   // 公安户籍
	NameEN     string   // household register
	Table      string   // the mandate's delivered table
	KeyColumn  string   // the subject key's column
	RowColumn  string   // the source row key's column
	TimeColumn string   // the business time's column
	Columns    []string // the value columns a Row carries, in order
	Cycle      time.Duration
}

// From names a source column an attribute is taken from.
type From struct{ Source, Column string }

// Attribute is one attribute of the golden record.
type Attribute struct {
	ID        string
	NameZH    string
	NameEN    string
	From      []From // sources in priority order, highest first
	Required  bool   // counted in completeness
	Sensitive bool   // masked for those who may not see records
	Mask      string // the masking rule (package mask) of a sensitive value; default full
	// Check says why a non-empty value is wrong (nil: it is right); now is
	// the staging time.
	Check func(v string, now time.Time) *errs.Text
}

// Rule raises a dispute on a subject whose attributes contradict each
// other: attribute Before with a value earlier than its attribute After
// (dates as text, ISO 8601: a death before a later insurance payment); or,
// when In is set, attribute Before holding one of the values In while
// attribute After holds any value (a company dissolved yet still licensed);
// or, when Both, both attributes holding a value (a company on the red and
// the black list).
type Rule struct {
	Kind   string // the dispute kind it raises
	Before string
	After  string
	In     []string
	Both   bool
}

// Dispute kinds raised by the merge.
const (
	KindSameTime       = "same_time"            // two sources, same business time, different values
	KindDeathPaid      = "death_before_payment" // a death before a later insurance payment
	KindClosedLicensed = "closed_licensed"      // a company dissolved or revoked yet still licensed
	KindRedAndBlack    = "red_and_black"        // a company on the red and the black list
	KindFlagged        = "flagged"              // a consumer flagged a value it received
)

// Attribute answers the attribute named id.
func (s *Schema) Attribute(id string) (Attribute, bool) {
	i := slices.IndexFunc(s.Attributes, func(a Attribute) bool { return a.ID == id })
	if i < 0 {
		return Attribute{}, false
	}
	return s.Attributes[i], true
}

// Source answers the source named id.
func (s *Schema) Source(id string) (Source, bool) {
	i := slices.IndexFunc(s.Sources, func(x Source) bool { return x.ID == id })
	if i < 0 {
		return Source{}, false
	}
	return s.Sources[i], true
}

// feed is what one column of a source gives: the attribute, its priority
// there (0 highest) and the column's index in Row.Values.
type feed struct {
	attr     *Attribute
	priority int
	col      int
}

// feeds answers the attributes source src feeds, by column.
func (s *Schema) feeds(src Source) []feed {
	var out []feed
	for i := range s.Attributes {
		a := &s.Attributes[i]
		for p, f := range a.From {
			if f.Source != src.ID {
				continue
			}
			if c := slices.Index(src.Columns, f.Column); c >= 0 {
				out = append(out, feed{attr: a, priority: p, col: c})
			}
		}
	}
	return out
}

// validate checks the schema's own consistency.
func (s *Schema) validate() error {
	if !ident.MatchString(s.Name) || s.CheckKey == nil {
		return fmt.Errorf("basedb: schema %q needs a name [a-z0-9_] and a key check", s.Name)
	}
	for _, src := range s.Sources {
		for _, c := range src.Columns {
			if !ident.MatchString(src.ID) || !ident.MatchString(c) {
				return fmt.Errorf("basedb: %s: source %q column %q: identifiers are [a-z0-9_]", s.Name, src.ID, c)
			}
		}
	}
	if _, ok := s.Attribute(s.Verify); s.Verify != "" && !ok {
		return fmt.Errorf("basedb: %s: no attribute %s to verify", s.Name, s.Verify)
	}
	for _, a := range s.Attributes {
		if !ident.MatchString(a.ID) {
			return fmt.Errorf("basedb: %s: attribute %q: identifiers are [a-z0-9_]", s.Name, a.ID)
		}
		for _, f := range a.From {
			src, ok := s.Source(f.Source)
			if !ok || !slices.Contains(src.Columns, f.Column) {
				return fmt.Errorf("basedb: %s.%s: no column %s in source %s", s.Name, a.ID, f.Column, f.Source)
			}
		}
	}
	for _, r := range s.Rules {
		if _, ok := s.Attribute(r.Before); !ok {
			return fmt.Errorf("basedb: %s: rule %s: no attribute %s", s.Name, r.Kind, r.Before)
		}
		if _, ok := s.Attribute(r.After); !ok {
			return fmt.Errorf("basedb: %s: rule %s: no attribute %s", s.Name, r.Kind, r.After)
		}
	}
	return nil
}
