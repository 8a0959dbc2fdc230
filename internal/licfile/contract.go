package licfile

import (
	"time"

	"github.com/govshare/govshare/internal/ledger"
)

// Layout is how a licence type's file looks (the type keeps it). Title is
// the heading printed on the file, e.g. 中华人民共和国不动产权证书.
type Layout struct {
	Title string `json:"title"`
}

// Evidence binds a delivered file to the ledger: the issued (or changed)
// event whose record names the file's data hash, the checkpoint (a signed
// note) and the inclusion proof of the event's leaf in that checkpoint's tree.
type Evidence struct {
	Event      Event
	Checkpoint []byte
	Proof      ledger.InclusionProof
}

// Annotation is the visible note an annotated copy (加注件) carries: who
// used the licence, for what, when, until when, bound to the use record.
type Annotation struct {
	UseID      string
	Department string // the using department's name
	Purpose    string // 事由
	MadeAt     time.Time
	ValidUntil time.Time
}
