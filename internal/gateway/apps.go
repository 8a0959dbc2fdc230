package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// App states.
const (
	AppActive   = "active"
	AppDisabled = "disabled"
)

// App is an application system of a department that calls data services
// with an app key and a secret (应用凭证).
type App struct {
	ID             int64     `json:"id"`
	DepartmentID   int64     `json:"department_id"`
	DepartmentName string    `json:"department_name"`
	Name           string    `json:"name"`
	Description    string    `json:"description,omitempty"`
	AppKey         string    `json:"app_key"`
	SignMethod     string    `json:"sign_method" enum:"HMAC-SHA256,HMAC-SM3"`
	RateLimit      float64   `json:"rate_limit" doc:"Requests per second"`
	Burst          int       `json:"burst"`
	State          string    `json:"state" enum:"active,disabled"`
	SecretPending  bool      `json:"secret_pending" doc:"Issued by a grant; its secret has not been read yet"`
	GrantID        int64     `json:"grant_id,omitempty" doc:"The grant whose approval issued it"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// AppInput registers an app.
type AppInput struct {
	Name        string  `json:"name" maxLength:"64"`
	Description string  `json:"description,omitempty" maxLength:"500"`
	SignMethod  string  `json:"sign_method,omitempty" enum:"HMAC-SHA256,HMAC-SM3," doc:"Defaults to HMAC-SHA256"`
	RateLimit   float64 `json:"rate_limit,omitempty" minimum:"0" maximum:"10000" doc:"Requests per second; defaults to 50"`
	Burst       int     `json:"burst,omitempty" minimum:"0" maximum:"10000" doc:"Defaults to twice the rate"`
}

func appTarget(id int64) string { return "app:" + strconv.FormatInt(id, 10) }

// mayManageApps reports whether p manages the apps of dept: its data
// consumers and department admins.
func mayManageApps(p org.Principal, dept int64) bool {
	return dept != 0 && p.DepartmentID == dept && (p.Can(org.ConsumeData) || p.Can(org.ManageDeptUsers))
}

// CreateApp registers an app of p's department and returns its secret,
// which is shown this once.
func (s *Service) CreateApp(ctx context.Context, p org.Principal, in AppInput) (App, string, error) {
	if !mayManageApps(p, p.DepartmentID) {
		return App{}, "", s.denied(ctx, p, "app.create", "app:"+in.Name, errs.New(errs.Forbidden, msgAppRegister))
	}
	return s.createApp(ctx, p, p.DepartmentID, in, 0)
}

func (s *Service) createApp(ctx context.Context, p org.Principal, dept int64, in AppInput, grant int64) (App, string, error) {
	f := errs.Fields{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 64 {
		f.AddMsg("name", msgAppName)
	}
	switch in.SignMethod {
	case "":
		in.SignMethod = HMACSHA256
	case HMACSHA256, HMACSM3:
	default:
		f.AddMsg("sign_method", msgAppSignMethod, HMACSHA256, HMACSM3)
	}
	if in.RateLimit < 0 || in.RateLimit > 10000 || in.Burst < 0 || in.Burst > 10000 {
		f.AddMsg("rate_limit", msgAppRateLimit)
	}
	if err := f.Err(); err != nil {
		return App{}, "", err
	}
	if in.RateLimit == 0 {
		in.RateLimit = 50
	}
	if in.Burst == 0 {
		in.Burst = max(1, int(2*in.RateLimit))
	}
	key := "gs" + strings.ToLower(rand.Text()[:18])
	secret := rand.Text() + rand.Text()
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO gateway_apps (department_id, name, description, app_key, secret, sign_method, rate_limit, burst, state,
			secret_revealed, grant_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			dept, in.Name, strings.TrimSpace(in.Description), key, s.secrets.Seal(secret), in.SignMethod, in.RateLimit, in.Burst, AppActive,
			grant == 0, grant, p.Username, store.FormatTime(time.Now())).Scan(&id); err != nil {
			return fmt.Errorf("insert app: %w", err)
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "app.create", appTarget(id), audit.Success, audit.Keyed(auditApp, in.Name, key, in.SignMethod, strconv.FormatFloat(in.RateLimit, 'g', -1, 64))))
	})
	if err != nil {
		return App{}, "", err
	}
	a, err := s.app(ctx, "a.id = ?", id)
	return a, secret, err
}

const selectApp = `SELECT a.id, a.department_id, d.name, a.name, a.description, a.app_key, a.sign_method, a.rate_limit, a.burst, a.state,
	NOT a.secret_revealed, a.grant_id, a.created_by, a.created_at
	FROM gateway_apps a JOIN departments d ON d.id = a.department_id`

func scanApp(sc interface{ Scan(...any) error }) (App, error) {
	var a App
	var created string
	err := sc.Scan(&a.ID, &a.DepartmentID, &a.DepartmentName, &a.Name, &a.Description, &a.AppKey, &a.SignMethod, &a.RateLimit, &a.Burst, &a.State,
		&a.SecretPending, &a.GrantID, &a.CreatedBy, &created)
	a.CreatedAt, _ = store.ParseTime(created)
	return a, err
}

func (s *Service) app(ctx context.Context, cond string, arg any) (App, error) {
	a, err := scanApp(s.db.QueryRow(ctx, selectApp+" WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, msgAppNotFound)
	}
	return a, err
}

// App returns one app of p's department (any, for the security admin).
func (s *Service) App(ctx context.Context, p org.Principal, id int64) (App, error) {
	a, err := s.app(ctx, "a.id = ?", id)
	if err != nil {
		return a, err
	}
	if a.DepartmentID != p.DepartmentID && !p.Can(org.ManagePolicies) {
		return App{}, errs.New(errs.NotFound, msgAppIDNotFound, id)
	}
	return a, nil
}

// Apps lists the apps of p's department; the security admin sees all.
func (s *Service) Apps(ctx context.Context, p org.Principal) ([]App, error) {
	q, args := selectApp+" WHERE a.department_id = ?", []any{p.DepartmentID}
	if p.Can(org.ManagePolicies) {
		q, args = selectApp, nil
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY a.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// managed returns app id if p may manage it, auditing a refusal.
func (s *Service) managed(ctx context.Context, p org.Principal, id int64, action string) (App, error) {
	a, err := s.App(ctx, p, id)
	if err != nil {
		return a, err
	}
	if !mayManageApps(p, a.DepartmentID) && !(action == "app.state" && p.Can(org.ManagePolicies)) {
		return a, s.denied(ctx, p, action, appTarget(id), errs.New(errs.Forbidden, msgAppManage, a.DepartmentName, id))
	}
	return a, nil
}

// SetAppState disables or re-enables an app; a disabled app's calls are
// refused within a second. The security admin may too.
func (s *Service) SetAppState(ctx context.Context, p org.Principal, id int64, state string) (App, error) {
	a, err := s.managed(ctx, p, id, "app.state")
	if err != nil {
		return a, err
	}
	if state != AppActive && state != AppDisabled {
		return a, errs.FieldMsg("state", msgAppState)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE gateway_apps SET state = ? WHERE id = ?", state, id); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "app."+state, appTarget(id), audit.Success, audit.Keyed(auditAppName, a.Name)))
	})
	if err != nil {
		return a, err
	}
	s.creds.forget(a.AppKey)
	return s.App(ctx, p, id)
}

// RevealSecret returns the secret of an app issued by a grant's approval,
// once, to a data consumer of its department.
func (s *Service) RevealSecret(ctx context.Context, p org.Principal, id int64) (App, string, error) {
	a, err := s.managed(ctx, p, id, "app.reveal")
	if err != nil {
		return a, "", err
	}
	var secret string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var sealed string
		var revealed bool
		if err := tx.QueryRow(ctx, "SELECT secret, secret_revealed FROM gateway_apps WHERE id = ?", id).Scan(&sealed, &revealed); err != nil {
			return err
		}
		if revealed {
			return errs.New(errs.Conflict, msgSecretShown, id)
		}
		if secret, err = s.secrets.Open(sealed); err != nil {
			return errs.Wrap(err, errs.Internal, "the secret of app %d cannot be read", id)
		}
		res, err := tx.Exec(ctx, "UPDATE gateway_apps SET secret_revealed = ? WHERE id = ? AND secret_revealed = ?", true, id, false)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 { // another request read it first
			return errs.New(errs.Conflict, msgSecretShown, id)
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "app.reveal", appTarget(id), audit.Success, audit.Keyed(auditAppName, a.Name)))
	})
	if err != nil {
		return a, "", err
	}
	a.SecretPending = false
	return a, secret, nil
}

// RotateSecret replaces an app's secret and returns the new one, shown
// this once; the old one stops working within a second.
func (s *Service) RotateSecret(ctx context.Context, p org.Principal, id int64) (App, string, error) {
	a, err := s.managed(ctx, p, id, "app.rotate")
	if err != nil {
		return a, "", err
	}
	secret := rand.Text() + rand.Text()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE gateway_apps SET secret = ?, secret_revealed = ? WHERE id = ?", s.secrets.Seal(secret), true, id); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "app.rotate", appTarget(id), audit.Success, audit.Keyed(auditAppName, a.Name)))
	})
	if err != nil {
		return a, "", err
	}
	s.creds.forget(a.AppKey)
	a.SecretPending = false
	return a, secret, nil
}

// credential is what verifying a request needs of an app.
type credential struct {
	app     App
	secret  []byte
	fetched time.Time
	public  int64 // the public user of a public key (PublicKey); 0 for an app
	quota   int   // a public key's calls a day
}

// credentials caches app credentials for a second, so a disabled app or a
// rotated secret is refused within a second on every replica.
type credentials struct {
	mu sync.Mutex
	m  map[string]credential
}

func (c *credentials) forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// credential returns the app with key and its secret.
func (s *Service) credential(ctx context.Context, key string) (credential, error) {
	s.creds.mu.Lock()
	c, ok := s.creds.m[key]
	s.creds.mu.Unlock()
	if ok && time.Since(c.fetched) < time.Second {
		return c, nil
	}
	a, err := s.app(ctx, "a.app_key = ?", key)
	if errs.Is(err, errs.NotFound) && strings.HasPrefix(key, "gp") {
		if c, err = s.publicCredential(ctx, key); err != nil {
			return c, err
		}
		s.creds.mu.Lock()
		if len(s.creds.m) > 10000 {
			clear(s.creds.m)
		}
		s.creds.m[key] = c
		s.creds.mu.Unlock()
		return c, nil
	}
	if err != nil {
		return c, err
	}
	var sealed string
	if err := s.db.QueryRow(ctx, "SELECT secret FROM gateway_apps WHERE id = ?", a.ID).Scan(&sealed); err != nil {
		return c, err
	}
	secret, err := s.secrets.Open(sealed)
	if err != nil {
		return c, errs.Wrap(err, errs.Internal, "the secret of app %s cannot be read", key)
	}
	c = credential{app: a, secret: []byte(secret), fetched: time.Now()}
	s.creds.mu.Lock()
	if len(s.creds.m) > 10000 {
		clear(s.creds.m)
	}
	s.creds.m[key] = c
	s.creds.mu.Unlock()
	return c, nil
}

// Deliverer issues app credentials when an API grant is approved: the app
// the application named, or a new app of the consumer department whose
// secret a data consumer of it reads once.
type Deliverer struct{ s *Service }

// Deliverer returns the API delivery for the sharing service.
func (s *Service) Deliverer() Deliverer { return Deliverer{s} }

// Start answers the key of the app that calls under grant g.
func (d Deliverer) Start(ctx context.Context, g sharing.Grant) (string, error) {
	s := d.s
	if g.AppID != 0 {
		a, err := s.app(ctx, "a.id = ?", g.AppID)
		if err != nil {
			return "", err
		}
		if a.DepartmentID != g.ConsumerID {
			return "", errs.New(errs.Forbidden, msgAppNotConsumer, g.AppID, g.ConsumerName)
		}
		return a.AppKey, nil
	}
	a, _, err := s.createApp(ctx, org.System, g.ConsumerID, AppInput{Name: fmt.Sprintf("授权%d-%s", g.ID, g.EntryCode),
		Description: "共享授权审批通过后签发的应用凭证"}, g.ID)
	return a.AppKey, err
}

// Stop does nothing: the policy check refuses the grant's calls at once,
// and the app may serve other grants.
func (d Deliverer) Stop(ctx context.Context, g sharing.Grant, reason string) error { return nil }
