package licence

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

const feedColumns = `f.channel, f.name, f.mandate_id, f.type_code, t.name, f.department_id, f.consumer_id, f.mapping, f.columns, f.last_seq, f.issued,
	f.already, f.quarantined, f.last_at, f.created_at,
	(SELECT COUNT(*) FROM licence_feed_quarantine q WHERE q.channel = f.channel AND q.resolved_at = '')
	FROM licence_feeds f JOIN licence_types t ON t.code = f.type_code`

func (s *Service) scanFeed(ctx context.Context, sc interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var mapping, cols, last, created string
	if err := sc.Scan(&f.Channel, &f.Name, &f.MandateID, &f.Type, &f.TypeName, &f.DepartmentID, &f.ConsumerID, &mapping, &cols, &f.LastSeq,
		&f.Issued, &f.Already, &f.Quarantined, &last, &created, &f.Open); err != nil {
		return f, err
	}
	json.Unmarshal([]byte(mapping), &f.Mapping)
	if cols != "" {
		f.Columns = strings.Split(cols, ",")
	}
	f.LastAt, _ = store.ParseTime(last)
	f.CreatedAt, _ = store.ParseTime(created)
	if s.ChannelState != nil {
		f.State, f.LastError = s.ChannelState(ctx, f.Channel)
	}
	return f, nil
}

// Feeds lists the feeds into the library of p's department: those that
// carry its licences, and those its data authority mandated.
func (s *Service) Feeds(ctx context.Context, p org.Principal) ([]Feed, error) {
	if p.DepartmentID == 0 || officer(p) {
		return []Feed{}, nil
	}
	rows, err := s.db.Query(ctx, "SELECT "+feedColumns+" WHERE f.department_id = ? OR f.consumer_id = ? ORDER BY f.created_at, f.channel", p.DepartmentID, p.DepartmentID)
	if err != nil {
		return nil, err
	}
	var out []Feed
	for rows.Next() {
		f, err := s.scanFeed(ctx, rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	rows.Close()
	if out == nil {
		out = []Feed{}
	}
	return out, rows.Err()
}

// feed reads one feed that p's department takes part in.
func (s *Service) feed(ctx context.Context, p org.Principal, channel string) (Feed, error) {
	f, err := s.scanFeed(ctx, s.db.QueryRow(ctx, "SELECT "+feedColumns+" WHERE f.channel = ?", channel))
	if errors.Is(err, sql.ErrNoRows) || err == nil && (p.DepartmentID == 0 || officer(p) || p.DepartmentID != f.DepartmentID && p.DepartmentID != f.ConsumerID) {
		return Feed{}, errs.New(errs.NotFound, msgFeedNotFound, channel)
	}
	return f, err
}

// Feed returns one feed.
func (s *Service) Feed(ctx context.Context, p org.Principal, channel string) (Feed, error) {
	return s.feed(ctx, p, channel)
}

// FeedRows lists a feed's rows set aside, newest first, to the issuing
// department's staff (they hold the department's data); open only unless
// all.
func (s *Service) FeedRows(ctx context.Context, p org.Principal, channel string, all bool, page, size int) ([]FeedRow, int, error) {
	f, err := s.feed(ctx, p, channel)
	if err != nil {
		return nil, 0, err
	}
	if !MayRead(p, f.DepartmentID) {
		return nil, 0, s.denied(ctx, p, "licence.read", "licence_type:"+f.Type, errs.New(errs.Forbidden, msgReadRole, f.TypeName))
	}
	where := []string{"channel = ?"}
	if !all {
		where = append(where, "resolved_at = ''")
	}
	return store.List(ctx, s.db, store.Listing{Count: "SELECT COUNT(*) FROM licence_feed_quarantine",
		Select: "SELECT channel, seq, row_no, row_key, field, reason, row_data, at, resolved_at FROM licence_feed_quarantine",
		Where:  where, Args: []any{channel}, Order: "seq DESC, row_no", Page: page, Size: size},
		func(r *sql.Rows) (FeedRow, error) {
			var q FeedRow
			var reason, data, at, resolved string
			if err := r.Scan(&q.Channel, &q.Seq, &q.Row, &q.Key, &q.Field, &reason, &data, &at, &resolved); err != nil {
				return q, err
			}
			q.Text = errs.Decode(reason)
			q.Reason = q.Text.String()
			json.Unmarshal([]byte(data), &q.Data)
			q.At, _ = store.ParseTime(at)
			q.ResolvedAt, _ = store.ParseTime(resolved)
			return q, nil
		})
}

// SetFeedMapping sets which licence field each source column of a feed
// feeds (source column → field code; an empty field: the column feeds
// nothing); columns not named map by name. The issuing department's
// administrators and catalogers set it; the channel takes it at its next
// start.
func (s *Service) SetFeedMapping(ctx context.Context, p org.Principal, channel string, mapping map[string]string) (Feed, error) {
	const action = "licence.feed.map"
	f, err := s.feed(ctx, p, channel)
	if errs.Is(err, errs.NotFound) && p.DepartmentID != 0 {
		// A feed whose channel has not run yet: recorded from its basis.
		if b, t, berr := s.basisOf(ctx, channel, ""); berr == nil && (p.DepartmentID == b.ProviderID || p.DepartmentID == b.ConsumerID) {
			if err := s.saveFeed(ctx, b, t, "", false); err != nil {
				return Feed{}, err
			}
			f, err = s.feed(ctx, p, channel)
		}
	}
	if err != nil {
		return Feed{}, err
	}
	if !MayIssue(p, f.DepartmentID) {
		return Feed{}, s.denied(ctx, p, action, "licence_type:"+f.Type, errs.New(errs.Forbidden, msgFeedRole))
	}
	t, err := s.TypeByCode(ctx, f.Type)
	if err != nil {
		return Feed{}, err
	}
	known := feedNames(t)
	fields := errs.Fields{}
	used := map[string]string{}
	clean := map[string]string{}
	for col, field := range mapping {
		col, field = strings.TrimSpace(col), strings.TrimSpace(field)
		if col == "" || len(col) > 128 || len(clean) >= 200 {
			continue
		}
		if field != "" {
			if !slices.Contains(mapValues(known), field) {
				fields.AddMsg("mapping."+safeField(col), msgFeedColumn, clip(field, 40), t.Code)
				continue
			}
			if other, ok := used[field]; ok && other != col {
				fields.AddMsg("mapping."+safeField(col), msgFeedTwice, field)
				continue
			}
			used[field] = col
		}
		clean[col] = field
	}
	if err := fields.Err(); err != nil {
		return Feed{}, err
	}
	js, _ := json.Marshal(clean)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE licence_feeds SET mapping = ? WHERE channel = ?", string(js), channel); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, "licence_type:"+f.Type, audit.Success, audit.Keyed(auditFeedMapped, channel, f.TypeName, string(js))))
	})
	if err != nil {
		return Feed{}, err
	}
	return s.feed(ctx, p, channel)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
