package exchange

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/govshare/govshare/internal/connector"
)

// Modes of a channel.
const (
	Full                = "full"                  // each pass copies the whole table and removes the rows gone from the source (see Range in Batch)
	Incremental         = "incremental"           // follow the watermark column from the start
	FullThenIncremental = "full_then_incremental" // one full pass, then follow the watermark
)

// Channel is one table delivered from a source to a target (共享通道).
type Channel struct {
	ID         string
	Source     Endpoint
	Target     Endpoint
	Mode       string // Full, Incremental or FullThenIncremental
	BatchSize  int    // rows per read; 0 means connector.DefaultBatchSize, and FullPassRows in a full pass
	Watermark  string // update-time column, for the incremental modes
	SoftDelete string // optional column: true or 1 means deleted

	// Rules, by column name, are checked on each row at the source; a row
	// that fails goes to the Engine's Quarantine (Options.Quarantine, which
	// rules need) instead of the target. See Rule.
	Rules map[string]Rule

	// Shaper, when set, is asked before the pass and before each read what
	// the channel may deliver (a grant's columns, masking and rows); its
	// error stops the channel.
	Shaper Shaper
}

// Endpoint is a table on a datasource, as connector.Open takes it.
type Endpoint struct {
	Driver, DSN, Table string
}

var channelID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks what can be checked without a database.
func (ch Channel) Validate() error {
	var errs []error
	if !channelID.MatchString(ch.ID) {
		errs = append(errs, fmt.Errorf("channel ID %q: want 1 to 64 letters, digits, _ or -", ch.ID))
	}
	for _, ep := range []struct {
		name string
		e    Endpoint
	}{{"source", ch.Source}, {"target", ch.Target}} {
		switch ep.e.Driver {
		case connector.Postgres, connector.MySQL, connector.SQLite:
		case TargetDriver:
			if ep.name != "target" {
				errs = append(errs, fmt.Errorf("source driver %q: a platform store is only a target", ep.e.Driver))
			}
		default:
			errs = append(errs, fmt.Errorf("%s driver %q: want %s, %s or %s", ep.name, ep.e.Driver, connector.Postgres, connector.MySQL, connector.SQLite))
		}
		if ep.e.DSN == "" || ep.e.Table == "" {
			errs = append(errs, fmt.Errorf("%s: DSN and table are required", ep.name))
		}
	}
	switch ch.Mode {
	case Full:
	case Incremental, FullThenIncremental:
		if ch.Watermark == "" {
			errs = append(errs, fmt.Errorf("mode %s needs a watermark column", ch.Mode))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q: want %s, %s or %s", ch.Mode, Full, Incremental, FullThenIncremental))
	}
	if ch.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size %d is negative", ch.BatchSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("exchange: channel %q: %w", ch.ID, err)
	}
	return nil
}

// FullPassRows is what a full pass reads at a time when the channel names
// no batch size: its messages then fill up to the engine's MaxBytes, and
// each is one bulk write at the target.
const FullPassRows = 10000

// batchSize is the rows a pass reads at a time.
func (ch Channel) batchSize(incremental bool) int {
	switch {
	case ch.BatchSize > 0:
		return ch.BatchSize
	case incremental:
		return connector.DefaultBatchSize
	}
	return FullPassRows
}
