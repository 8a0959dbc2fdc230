package licfile

import (
	"strings"
	"time"
)

// Event names, and the ledger kinds their records are anchored under.
const (
	Issued    = "issued"    // 发证: Data is the document's DataHash
	Changed   = "changed"   // 变更: a new version; Data is its DataHash
	Revoked   = "revoked"   // 注销
	Suspended = "suspended" // 暂停
	Restored  = "restored"  // back to valid after a suspension
	Expired   = "expired"   // 到期
	Used      = "used"      // 用证: Use is the use record's ID
)

// LedgerKind is the ledger record kind of an event: "licence." and its name.
func LedgerKind(event string) string { return "licence." + event }

// Event is one fact in a licence's life. Its canonical text is kept by the
// platform; the ledger holds its SM3 hash (Hash) under LedgerKind(Name). It
// carries no personal data: the licence is named by its identifier, the
// data by its hash, a use by its record's ID.
type Event struct {
	Name       string
	Identifier string
	Version    string    // 版本号, three digits
	Data       string    // SM3 of Document.Canonical (issued, changed)
	Use        string    // use record ID (used)
	Reason     string    // a reason code (revoked, suspended, changed), not free text
	At         time.Time // UTC, whole seconds
}

const eventHeader = "govshare-licence-event/v1"

// Canonical is the event's canonical text: fixed lines in a fixed order,
// "-" for an empty field.
func (e Event) Canonical() []byte {
	field := func(s string) string {
		if s == "" {
			return "-"
		}
		return escape(s)
	}
	return []byte(strings.Join([]string{
		eventHeader,
		"event " + field(e.Name),
		"id " + field(e.Identifier),
		"version " + field(e.Version),
		"data " + field(e.Data),
		"use " + field(e.Use),
		"reason " + field(e.Reason),
		"time " + e.At.UTC().Truncate(time.Second).Format(time.RFC3339),
	}, "\n") + "\n")
}

// Hash is the SM3 hash of the canonical text: the ledger record's Hash.
func (e Event) Hash() string { return SM3Hex(e.Canonical()) }
