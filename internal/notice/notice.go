package notice

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the notices' schema; it needs org's.
var Migration = store.Migration{Domain: "notice", FS: migrations}

// Notice is one message to one user (站内信).
type Notice struct {
	ID        int64     `json:"id"`
	Text      errs.Text `json:"-"`
	Message   string    `json:"message" doc:"The notice in the request's language"`
	Record    string    `json:"record,omitempty" doc:"The record it is about, as the audit log names it (application:12)"`
	Link      string    `json:"link,omitempty" doc:"The console page of the record"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
	SentAt    time.Time `json:"sent_at,omitzero" doc:"When the sender (SMS, mail) took it; empty when none is configured or it failed"`
	SendError bool      `json:"send_failed,omitempty" doc:"The sender failed; the notice is in the console all the same"`
	userID    int64
}

// Read reports whether the notice has been read.
func (n Notice) Read() bool { return !n.ReadAt.IsZero() }

// Message is what Notify tells.
type Message struct {
	Text   errs.Text // keyed, so that each reader reads it in their language
	Record string    // the record it is about (application:12)
	Link   string    // its console page: a path on the platform (/sharing/applications/12)
	// Once, when set, sends the message once only under this key, across
	// restarts and replicas: a second Notify with the key does nothing.
	Once string
	At   time.Time // when it happened; zero is now
}

// Service keeps the notices and hands them to the Sender.
type Service struct {
	db  *store.DB
	now func() time.Time
	// Sender delivers each notice outside the console too (SMS, mail);
	// nil keeps notices in the console only.
	Sender Sender
	// SendTimeout bounds one delivery; 0 is 10 seconds.
	SendTimeout time.Duration
	Log         *slog.Logger
}

// NewService returns the notices' service. It does no I/O.
func NewService(db *store.DB) *Service {
	return &Service{db: db, now: time.Now, Log: slog.Default()}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// localLink reports whether link is a path on the platform: the console
// opens nothing else.
func localLink(link string) bool {
	return link == "" || (strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") && !strings.ContainsAny(link, "\\\r\n"))
}

// Notify stores m as a notice for each user of to and hands them to the
// Sender. The three officers get no notices: they take no part in moving
// data. Users without an enabled account are left out. A failed delivery
// is recorded on its notice and logged; it does not fail Notify.
func (s *Service) Notify(ctx context.Context, m Message, to []int64) ([]Notice, error) {
	if m.Text.Msg == nil {
		return nil, errors.New("notice: a notice's text must be keyed")
	}
	if !localLink(m.Link) {
		return nil, fmt.Errorf("notice: link %q is not a path on the platform", m.Link)
	}
	to = slices.DeleteFunc(slices.Clone(to), func(id int64) bool { return id <= 0 })
	slices.Sort(to)
	to = slices.Compact(to)
	at := m.At
	if at.IsZero() {
		at = s.now()
	}
	var out []Notice
	var recipients []Recipient
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if m.Once != "" {
			res, err := tx.Exec(ctx, "INSERT INTO notice_once (once_key, at) VALUES (?, ?) ON CONFLICT (once_key) DO NOTHING", m.Once, store.FormatTime(s.now()))
			if err != nil {
				return fmt.Errorf("record %s: %w", m.Once, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return nil // told before
			}
		}
		var err error
		if recipients, err = s.recipients(ctx, tx, to); err != nil {
			return err
		}
		text := errs.Encode(m.Text)
		for _, r := range recipients {
			n := Notice{Text: m.Text, Record: m.Record, Link: m.Link, CreatedAt: at, userID: r.UserID}
			if err := tx.QueryRow(ctx, "INSERT INTO notices (user_id, text, record, link, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
				r.UserID, text, m.Record, m.Link, store.FormatTime(at)).Scan(&n.ID); err != nil {
				return fmt.Errorf("insert notice: %w", err)
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		s.deliver(ctx, &out[i], recipients[i])
	}
	return out, nil
}

// recipients reads the enabled accounts of ids that hold no officer role.
func (s *Service) recipients(ctx context.Context, tx *store.Tx, ids []int64) ([]Recipient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var officers []any
	for _, r := range org.Roles {
		if r.Officer {
			officers = append(officers, string(r.Role))
		}
	}
	args := []any{false}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, officers...)
	rows, err := tx.Query(ctx, "SELECT u.id, u.username, u.display_name FROM users u WHERE u.disabled = ? AND u.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")"+
		" AND NOT EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role IN (?"+strings.Repeat(", ?", len(officers)-1)+")) ORDER BY u.id", args...)
	if err != nil {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UserID, &r.Username, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// deliver hands n to the Sender, in Chinese (the platform's language), and
// records the outcome on the notice.
func (s *Service) deliver(ctx context.Context, n *Notice, to Recipient) {
	if s.Sender == nil {
		return
	}
	timeout := s.SendTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	err := s.Sender.Send(sctx, to, n.Text.In(errs.Languages[0]), n.Link)
	cancel()
	sent, problem := "", ""
	if err != nil {
		problem = err.Error()
		if len(problem) > 500 {
			problem = problem[:500]
		}
		n.SendError = true
		s.Log.WarnContext(ctx, "notice not sent", "notice", n.ID, "user", to.Username, "err", err)
	} else {
		n.SentAt = s.now()
		sent = store.FormatTime(n.SentAt)
	}
	if err := s.db.InTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE notices SET sent_at = ?, send_error = ? WHERE id = ?", sent, problem, n.ID)
		return err
	}); err != nil {
		s.Log.WarnContext(ctx, "record a notice's delivery", "notice", n.ID, "err", err)
	}
}

// Filter selects a user's notices.
type Filter struct {
	Unread   bool
	Page     int
	PageSize int
}

const selectNotice = "SELECT n.id, n.user_id, n.text, n.record, n.link, n.created_at, n.read_at, n.sent_at, n.send_error FROM notices n"

func scanNotice(sc interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var text, created, read, sent, problem string
	if err := sc.Scan(&n.ID, &n.userID, &text, &n.Record, &n.Link, &created, &read, &sent, &problem); err != nil {
		return n, err
	}
	n.Text = errs.Decode(text)
	n.CreatedAt, _ = store.ParseTime(created)
	n.ReadAt, _ = store.ParseTime(read)
	n.SentAt, _ = store.ParseTime(sent)
	n.SendError = problem != ""
	return n, nil
}

// List returns p's own notices, newest first: nobody reads another's.
func (s *Service) List(ctx context.Context, p org.Principal, f Filter) ([]Notice, int, error) {
	where, args := []string{"n.user_id = ?"}, []any{p.UserID}
	if f.Unread {
		where = append(where, "n.read_at = ''")
	}
	return store.List(ctx, s.db, store.Listing{Count: "SELECT count(*) FROM notices n", Select: selectNotice, Where: where, Args: args,
		Order: "n.created_at DESC, n.id DESC", Page: f.Page, Size: f.PageSize}, func(r *sql.Rows) (Notice, error) { return scanNotice(r) })
}

// Unread counts p's unread notices.
func (s *Service) Unread(ctx context.Context, p org.Principal) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, "SELECT count(*) FROM notices WHERE user_id = ? AND read_at = ''", p.UserID).Scan(&n)
	return n, err
}

// MarkRead marks p's notice id read and returns it; another's notice is
// not found.
func (s *Service) MarkRead(ctx context.Context, p org.Principal, id int64) (Notice, error) {
	var n Notice
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE notices SET read_at = ? WHERE id = ? AND user_id = ? AND read_at = ''", s.nowText(), id, p.UserID); err != nil {
			return err
		}
		var err error
		n, err = scanNotice(tx.QueryRow(ctx, selectNotice+" WHERE n.id = ? AND n.user_id = ?", id, p.UserID))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, msgNotFound, id)
		}
		return err
	})
	return n, err
}

// MarkAllRead marks every unread notice of p read and returns how many.
func (s *Service) MarkAllRead(ctx context.Context, p org.Principal) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE notices SET read_at = ? WHERE user_id = ? AND read_at = ''", s.nowText(), p.UserID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

func (s *Service) nowText() string { return store.FormatTime(s.now()) }
