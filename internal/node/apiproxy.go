package node

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/text/unicode/norm"

	"github.com/govshare/govshare/internal/errs"
)

// API exchange (接口): the platform calls a department's API through the
// department's node. The platform publishes an APIRequest, signed with the
// node CA's key, on APISubject(node); the node checks the signature (it
// holds the CA certificate from its enrolment), the time and the request
// id, calls the URL only if it lies under the base of one of its http
// datasources, adds that datasource's headers, and answers with the body in
// parts followed by an APIAnswer signed with its own key.

// APISubject is where node id answers the platform's API calls.
func APISubject(id int64) string { return fmt.Sprintf("govshare.node.%d.api", id) }

const (
	// APIMaxAnswer bounds the body of an API's answer that a node passes on.
	APIMaxAnswer = 8 << 20
	// APIMaxSkew is how far a request's signing time may lie from the
	// node's clock, either way.
	APIMaxSkew = 60 * time.Second
	// APIPartHeader numbers the parts of an answer's body; the message
	// without it is the signed APIAnswer, sent last.
	APIPartHeader = "Govshare-Api-Part"

	apiPartSize     = 256 << 10 // below any NATS max_payload in use
	apiMaxRequest   = 2 << 20
	apiConcurrency  = 16
	apiMaxRedirects = 5
)

// APIRequest is one call of a department's API. It names the datasource and
// the path (with the query) under its base, or the full URL, which must lie
// under the datasource's base (or, with no datasource, under one of the
// node's).
type APIRequest struct {
	ID         string          `json:"id"` // random; a node refuses an id it has seen
	NodeID     int64           `json:"node_id"`
	At         time.Time       `json:"at"` // when the platform signed it
	Datasource string          `json:"datasource,omitempty"`
	Path       string          `json:"path,omitempty"`
	URL        string          `json:"url,omitempty"`
	Method     string          `json:"method"`         // GET or POST
	Body       json.RawMessage `json:"body,omitempty"` // JSON, for a POST
}

// canonical is what the platform signs: every field, length-prefixed, and
// the SHA-256 of the body.
func (q APIRequest) canonical() []byte {
	sum := sha256.Sum256(q.Body)
	var b bytes.Buffer
	b.WriteString("govshare-node-api-request/1\n")
	for _, f := range []string{strconv.FormatInt(q.NodeID, 10), q.ID, q.At.UTC().Format(time.RFC3339Nano), q.Method,
		q.Datasource, q.Path, q.URL, hex.EncodeToString(sum[:])} {
		fmt.Fprintf(&b, "%d:%s\n", len(f), f)
	}
	return b.Bytes()
}

// APIAnswer is a node's answer to an APIRequest. Code and Error say why the
// node did not call the API, or why the call failed; otherwise Status is
// the API's HTTP status and Body its body, which travelled in Parts parts.
type APIAnswer struct {
	ID          string `json:"id"`
	NodeID      int64  `json:"node_id"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	Parts       int    `json:"parts"`
	SHA256      string `json:"sha256"`
	Code        string `json:"code,omitempty"` // an errs code
	Error       string `json:"error,omitempty"`
	Body        []byte `json:"-"`
}

// Err returns the node's refusal or failure as a coded error, or nil.
func (a APIAnswer) Err() error {
	if a.Code == "" && a.Error == "" {
		return nil
	}
	code := a.Code
	switch code {
	case errs.Invalid, errs.Unauthorized, errs.Forbidden, errs.TooLarge, errs.Unavailable:
	default:
		code = errs.Unavailable
	}
	return errs.New(code, msgNodeSaid, a.NodeID, a.Error)
}

// UnderBase returns nil when target lies under base: the same scheme, host
// and port, and a path that is base's or continues it at a '/'. It refuses
// dot segments (also percent-encoded), encoded slashes and backslashes,
// credentials and fragments, so that no spelling of target reaches
// outside base.
func UnderBase(base, target string) error {
	b, err := url.Parse(base)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" || b.Opaque != "" {
		return fmt.Errorf("base %q is not an http(s) URL", base)
	}
	t, err := url.Parse(target)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case t.Opaque != "" || t.Host == "":
		return errors.New("not an absolute URL")
	case t.Scheme != b.Scheme:
		return fmt.Errorf("scheme %s is not the base's %s", t.Scheme, b.Scheme)
	case t.User != nil:
		return errors.New("credentials in the URL")
	case t.Fragment != "" || strings.Contains(target, "#"):
		return errors.New("a fragment in the URL")
	case !strings.EqualFold(t.Hostname(), b.Hostname()) || effectivePort(t) != effectivePort(b):
		return fmt.Errorf("host %s is not the base's %s", t.Host, b.Host)
	}
	if err := plainPath(t); err != nil {
		return err
	}
	if err := plainPath(b); err != nil {
		return fmt.Errorf("base: %w", err)
	}
	prefix := strings.TrimRight(b.Path, "/")
	if prefix != "" && t.Path != prefix && !strings.HasPrefix(t.Path, prefix+"/") {
		return fmt.Errorf("path %s is not under %s", t.Path, prefix+"/")
	}
	return nil
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// plainPath refuses a path a server might read as another one.
func plainPath(u *url.URL) error {
	if esc := strings.ToLower(u.EscapedPath()); strings.Contains(esc, "%2f") || strings.Contains(esc, "%5c") {
		return errors.New("an encoded / or \\ in the path")
	}
	for _, r := range u.Path {
		if r == '\\' || r < 0x20 || r == 0x7f {
			return errors.New("a backslash or control character in the path")
		}
		if r == ';' {
			return errors.New("a ; in the path (Java servers read /api/..;/x as /x)")
		}
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		for _, s := range []string{seg, dec, norm.NFKC.String(seg), norm.NFKC.String(dec)} {
			if s == "." || s == ".." || strings.Contains(s, ";") {
				return errors.New("a . or .. segment in the path")
			}
		}
	}
	return nil
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// checkHTTPSource returns the problems of an http datasource's entry and
// fills in its default timeout.
func checkHTTPSource(d *DatasourceConfig) []string {
	var problems []string
	if d.DSN != "" || d.Path != "" {
		problems = append(problems, "driver http takes url, not dsn or path")
	}
	u, err := url.Parse(d.URL)
	switch {
	case d.URL == "":
		problems = append(problems, "driver http needs url (the base URL of the department's API, e.g. http://10.0.0.8/api/)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		problems = append(problems, fmt.Sprintf("url %q: want an absolute http:// or https:// URL", d.URL))
	case u.User != nil:
		problems = append(problems, "url: put no credentials in the URL; give them in headers")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(d.URL, "#"):
		problems = append(problems, fmt.Sprintf("url %q: a base URL takes no query or fragment", d.URL))
	default:
		if err := UnderBase(d.URL, d.URL); err != nil {
			problems = append(problems, fmt.Sprintf("url %q: %v", d.URL, err))
		}
	}
	for k, v := range d.Headers {
		switch {
		case !headerName.MatchString(k):
			problems = append(problems, fmt.Sprintf("headers: %q is not a header name", k))
		case strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Transfer-Encoding"):
			problems = append(problems, fmt.Sprintf("headers: %s is set by the node, not in node.yaml", k))
		case strings.ContainsAny(v, "\r\n\x00"):
			problems = append(problems, fmt.Sprintf("headers: the value of %s holds a line break", k))
		}
	}
	switch {
	case d.Timeout == 0:
		d.Timeout = DefaultAPITimeout
	case d.Timeout < 0 || d.Timeout > MaxAPITimeout:
		problems = append(problems, fmt.Sprintf("timeout %s: want a duration up to %s, e.g. 30s", d.Timeout, MaxAPITimeout))
	}
	return problems
}

// The node's side.

// apiServer answers the platform's API calls on the agent's subject.
type apiServer struct {
	a         *Agent
	ca        *ecdsa.PublicKey
	transport *http.Transport
	slots     chan struct{}
	now       func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // request ids within the skew window
}

// startAPI subscribes to APISubject when node.yaml declares an http
// datasource.
func (a *Agent) startAPI(caPEM []byte) error {
	if !a.hasHTTPSource() {
		return nil
	}
	cert, err := ParseCertificatePEM(caPEM)
	if err != nil {
		return fmt.Errorf("platform CA: %w", err)
	}
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return errors.New("platform CA: not an ECDSA key")
	}
	s := &apiServer{a: a, ca: key, transport: http.DefaultTransport.(*http.Transport).Clone(), slots: make(chan struct{}, apiConcurrency),
		now: time.Now, seen: map[string]time.Time{}}
	sub, err := a.nc.Subscribe(APISubject(a.Identity.NodeID), s.handle)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", APISubject(a.Identity.NodeID), err)
	}
	sub.SetPendingLimits(1000, 64<<20)
	return nil
}

func (a *Agent) hasHTTPSource() bool {
	for _, d := range a.Config.Datasources {
		if d.Driver == DriverHTTP {
			return true
		}
	}
	return false
}

func (s *apiServer) handle(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		s.reply(m.Reply, APIAnswer{Code: errs.Unavailable, Error: fmt.Sprintf("busy: %d calls already under way", apiConcurrency)})
		return
	}
	go func() {
		defer func() { <-s.slots }()
		ans := s.serve(m)
		if ans.Code != "" {
			s.a.log.Warn("API call refused", "code", ans.Code, "reason", ans.Error, "request", ans.ID)
		}
		s.reply(m.Reply, ans)
	}()
}

// serve checks a request and makes the call.
func (s *apiServer) serve(m *nats.Msg) APIAnswer {
	var q APIRequest
	if len(m.Data) > apiMaxRequest || json.Unmarshal(m.Data, &q) != nil {
		return APIAnswer{Code: errs.Invalid, Error: "unreadable request"}
	}
	refuse := func(code, format string, args ...any) APIAnswer {
		return APIAnswer{ID: q.ID, Code: code, Error: fmt.Sprintf(format, args...)}
	}
	if err := s.authenticate(q, m.Header.Get(SignatureHeader)); err != nil {
		return refuse(errs.Unauthorized, "%v", err)
	}
	d, target, err := s.a.apiTarget(q)
	if err != nil {
		return refuse(errs.Forbidden, "%v", err)
	}
	if q.Method != http.MethodGet && q.Method != http.MethodPost {
		return refuse(errs.Invalid, "method %q: the node calls APIs with GET or POST", q.Method)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.Timeout)
	defer cancel()
	return s.call(ctx, q, d, target)
}

// authenticate checks the platform's signature, the request's age and
// that its id is new.
func (s *apiServer) authenticate(q APIRequest, sigText string) error {
	if sigText == "" {
		return errors.New("unsigned request")
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	sum := sha256.Sum256(q.canonical())
	if err != nil || !ecdsa.VerifyASN1(s.ca, sum[:], sig) {
		return errors.New("the request is not signed by the platform's node CA")
	}
	if q.NodeID != s.a.Identity.NodeID {
		return fmt.Errorf("the request is for node %d, this is node %d", q.NodeID, s.a.Identity.NodeID)
	}
	now := s.now()
	if skew := now.Sub(q.At); skew > APIMaxSkew || skew < -APIMaxSkew {
		return fmt.Errorf("stale request: signed at %s, the node's clock says %s (at most %s apart)",
			q.At.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), APIMaxSkew)
	}
	if len(q.ID) < 16 || len(q.ID) > 64 {
		return errors.New("the request id must have 16 to 64 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, at := range s.seen {
		if now.Sub(at) > 2*APIMaxSkew+time.Second {
			delete(s.seen, id)
		}
	}
	if _, dup := s.seen[q.ID]; dup {
		return fmt.Errorf("request %s was already served (a replay)", q.ID)
	}
	s.seen[q.ID] = now
	return nil
}

// apiTarget resolves the URL a request names and the datasource whose base
// it lies under.
func (a *Agent) apiTarget(q APIRequest) (DatasourceConfig, string, error) {
	if q.Path != "" && q.URL != "" {
		return DatasourceConfig{}, "", errors.New("give a path or a URL, not both")
	}
	if q.Datasource != "" {
		d, ok := a.Datasource(q.Datasource)
		if !ok || d.Driver != DriverHTTP {
			return DatasourceConfig{}, "", fmt.Errorf("no http datasource %q on this node", q.Datasource)
		}
		target := q.URL
		if target == "" {
			target = joinBase(d.URL, q.Path)
		}
		if err := UnderBase(d.URL, target); err != nil {
			return DatasourceConfig{}, "", fmt.Errorf("%s is outside datasource %s (%s): %v", target, d.Name, d.URL, err)
		}
		return d, target, nil
	}
	if q.URL == "" {
		return DatasourceConfig{}, "", errors.New("the request names neither a datasource nor a URL")
	}
	best := -1
	for i, d := range a.Config.Datasources {
		if d.Driver == DriverHTTP && UnderBase(d.URL, q.URL) == nil && (best < 0 || len(d.URL) > len(a.Config.Datasources[best].URL)) {
			best = i
		}
	}
	if best < 0 {
		return DatasourceConfig{}, "", fmt.Errorf("%s lies under none of this node's http datasources", q.URL)
	}
	return a.Config.Datasources[best], q.URL, nil
}

func joinBase(base, path string) string {
	if path == "" || strings.HasPrefix(path, "?") {
		return base + path
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// errRedirect is a redirect out of the datasource's base.
type errRedirect struct{ err error }

func (e errRedirect) Error() string { return e.err.Error() }

func (s *apiServer) call(ctx context.Context, q APIRequest, d DatasourceConfig, target string) APIAnswer {
	fail := func(code, format string, args ...any) APIAnswer {
		return APIAnswer{ID: q.ID, Code: code, Error: fmt.Sprintf(format, args...)}
	}
	var body io.Reader
	if len(q.Body) > 0 {
		body = bytes.NewReader(q.Body)
	}
	req, err := http.NewRequestWithContext(ctx, q.Method, target, body)
	if err != nil {
		return fail(errs.Invalid, "request: %v", err)
	}
	for k, v := range d.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Transport: s.transport, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) >= apiMaxRedirects {
			return errRedirect{fmt.Errorf("more than %d redirects", apiMaxRedirects)}
		}
		if err := UnderBase(d.URL, r.URL.String()); err != nil {
			return errRedirect{fmt.Errorf("the API redirected to %s, outside datasource %s: %v", r.URL.Redacted(), d.Name, err)}
		}
		return nil
	}}
	resp, err := client.Do(req)
	if err != nil {
		var redirect errRedirect
		switch {
		case errors.As(err, &redirect):
			return fail(errs.Forbidden, "%v", redirect.err)
		case ctx.Err() != nil:
			return fail(errs.Unavailable, "the API of datasource %s did not answer within %s", d.Name, d.Timeout)
		}
		return fail(errs.Unavailable, "the API of datasource %s does not answer: %v", d.Name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, APIMaxAnswer+1))
	if err != nil {
		return fail(errs.Unavailable, "reading the answer of datasource %s: %v", d.Name, err)
	}
	if len(raw) > APIMaxAnswer {
		return fail(errs.TooLarge, "the API of datasource %s answered more than %d MiB", d.Name, APIMaxAnswer>>20)
	}
	return APIAnswer{ID: q.ID, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: raw}
}

// reply sends the body in parts, then the answer signed with the node's key.
func (s *apiServer) reply(subject string, ans APIAnswer) {
	ans.NodeID = s.a.Identity.NodeID
	for off := 0; off < len(ans.Body); off += apiPartSize {
		msg := nats.NewMsg(subject)
		msg.Header.Set(APIPartHeader, strconv.Itoa(ans.Parts))
		msg.Data = ans.Body[off:min(off+apiPartSize, len(ans.Body))]
		if err := s.a.nc.PublishMsg(msg); err != nil {
			s.a.log.Warn("API answer", "err", err)
			return
		}
		ans.Parts++
	}
	sum := sha256.Sum256(ans.Body)
	ans.Size, ans.SHA256 = len(ans.Body), hex.EncodeToString(sum[:])
	data, _ := json.Marshal(ans)
	msg := nats.NewMsg(subject)
	msg.Data = data
	if sig, err := s.a.Sign(data); err == nil {
		msg.Header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	}
	if err := s.a.nc.PublishMsg(msg); err != nil {
		s.a.log.Warn("API answer", "err", err)
	}
}

// The platform's side.

// APIBase is an http datasource that an active node declared in its last
// heartbeat.
type APIBase struct {
	NodeID     int64
	NodeName   string
	Online     bool
	Datasource string
	URL        string
}

// APIBases returns the http datasources of department dept's active nodes.
func (r *Registry) APIBases(ctx context.Context, dept int64) ([]APIBase, error) {
	nodes, _, err := r.list(ctx, Filter{State: Active, DepartmentID: dept, PageSize: 1000})
	if err != nil {
		return nil, err
	}
	var out []APIBase
	for _, n := range nodes {
		for _, d := range n.Datasources {
			if d.Driver == DriverHTTP && d.URL != "" {
				out = append(out, APIBase{NodeID: n.ID, NodeName: n.Name, Online: n.Online, Datasource: d.Name, URL: d.URL})
			}
		}
	}
	return out, nil
}

// SignAPIRequest fills in q's id and time when missing and returns the
// platform's signature of it (base64, for SignatureHeader).
func (r *Registry) SignAPIRequest(q *APIRequest) (string, error) {
	if r.ca == nil {
		return "", errs.New(errs.Unavailable, msgNoRegistry)
	}
	if q.ID == "" {
		q.ID = rand.Text()
	}
	if q.At.IsZero() {
		q.At = r.now().UTC()
	}
	sum := sha256.Sum256(q.canonical())
	sig, err := ecdsa.SignASN1(rand.Reader, r.ca.key, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign an API request: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// CallAPI sends q to its node and waits, until ctx ends, for the answer:
// the API's status and body, or the node's refusal as a coded error. The
// answer must bear the node's signature and the body its checksum.
func (r *Registry) CallAPI(ctx context.Context, q APIRequest) (APIAnswer, error) {
	r.mu.Lock()
	nc := r.nc
	r.mu.Unlock()
	if nc == nil {
		return APIAnswer{}, errs.New(errs.Unavailable, msgNoBus)
	}
	if len(q.Body) > apiMaxRequest/2 {
		return APIAnswer{}, errs.New(errs.TooLarge, msgBodyTooLarge, apiMaxRequest/2)
	}
	if len(q.Body) > 0 {
		// Signed as it travels: encoding a RawMessage compacts and escapes it.
		body, err := json.Marshal(q.Body)
		if err != nil {
			return APIAnswer{}, errs.WrapMsg(err, errs.Invalid, msgNotJSON)
		}
		q.Body = body
	}
	sig, err := r.SignAPIRequest(&q)
	if err != nil {
		return APIAnswer{}, err
	}
	data, err := json.Marshal(q)
	if err != nil {
		return APIAnswer{}, err
	}
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return APIAnswer{}, errs.WrapMsg(err, errs.Unavailable, msgBusSilent)
	}
	defer sub.Unsubscribe()
	sub.SetPendingLimits(-1, 4*APIMaxAnswer)
	msg := nats.NewMsg(APISubject(q.NodeID))
	msg.Reply, msg.Data = inbox, data
	msg.Header.Set(SignatureHeader, sig)
	if err := nc.PublishMsg(msg); err != nil {
		return APIAnswer{}, errs.WrapMsg(err, errs.Unavailable, msgSendCall, q.NodeID)
	}
	var body bytes.Buffer
	parts := 0
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if errors.Is(err, nats.ErrNoResponders) || (err == nil && m.Header.Get("Status") == "503" && len(m.Data) == 0) {
			return APIAnswer{}, errs.New(errs.Unavailable, msgNotConnected, q.NodeID, APISubject(q.NodeID))
		}
		if err != nil {
			return APIAnswer{}, errs.WrapMsg(err, errs.Unavailable, msgNoAnswer, q.NodeID)
		}
		if p := m.Header.Get(APIPartHeader); p != "" {
			if p != strconv.Itoa(parts) || body.Len()+len(m.Data) > APIMaxAnswer {
				return APIAnswer{}, errs.New(errs.Unavailable, msgOutOfOrder, q.NodeID)
			}
			body.Write(m.Data)
			parts++
			continue
		}
		var ans APIAnswer
		sig, _ := base64.StdEncoding.DecodeString(m.Header.Get(SignatureHeader))
		if !r.Verify(q.NodeID, m.Data, sig) || json.Unmarshal(m.Data, &ans) != nil || ans.NodeID != q.NodeID {
			return APIAnswer{}, errs.New(errs.Unavailable, msgUnsigned, q.NodeID)
		}
		if ans.ID != q.ID && ans.ID != "" {
			return APIAnswer{}, errs.New(errs.Unavailable, msgOtherRequest, q.NodeID, ans.ID)
		}
		if err := ans.Err(); err != nil {
			return ans, err
		}
		sum := sha256.Sum256(body.Bytes())
		if ans.ID != q.ID || ans.Parts != parts || ans.Size != body.Len() || ans.SHA256 != hex.EncodeToString(sum[:]) {
			return APIAnswer{}, errs.New(errs.Unavailable, msgBadChecksum, q.NodeID)
		}
		ans.Body = body.Bytes()
		return ans, nil
	}
}
