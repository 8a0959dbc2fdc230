package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/node"
)

// NodeAPIs reaches the departments' APIs through their front-end nodes;
// node.Registry is one.
type NodeAPIs interface {
	// APIBases lists the http datasources of a department's active nodes.
	APIBases(ctx context.Context, dept int64) ([]node.APIBase, error)
	// CallAPI sends a signed call to a node and returns its answer.
	CallAPI(ctx context.Context, q node.APIRequest) (node.APIAnswer, error)
}

// apiCallTimeout bounds a proxied call, whichever the route; a node's own
// timeout for its datasource (at most node.MaxAPITimeout) comes first.
const apiCallTimeout = node.MaxAPITimeout + 10*time.Second

// basesTTL is how long a department's declared API bases are reused.
const basesTTL = 2 * time.Second

type apiBases struct {
	mu sync.Mutex
	m  map[int64]cachedBases
}

type cachedBases struct {
	bases []node.APIBase
	read  time.Time
}

// ParseDirectHosts reads the --api-direct-hosts setting: entries
// CREDIT-CODE=host[:port] separated by commas, each naming the department
// (by its unified social credit code) whose mounted APIs may be called
// there. It returns them as "CREDIT-CODE=host[:port]", the host in lower
// case, for Service.DirectHosts.
func ParseDirectHosts(s string) ([]string, error) {
	var out []string
	for e := range strings.SplitSeq(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		code, h, ok := strings.Cut(e, "=")
		code, h = strings.ToUpper(strings.TrimSpace(code)), strings.ToLower(strings.TrimSpace(h))
		if !ok || !creditCodeLike(code) {
			return nil, fmt.Errorf("%q: give CREDIT-CODE=host[:port], the department's unified social credit code before the host", e)
		}
		if strings.ContainsAny(h, "/@?#=") || strings.Contains(h, "://") {
			return nil, fmt.Errorf("%q: give a host or host:port, not a URL", e)
		}
		host := h
		if hp, port, err := net.SplitHostPort(h); err == nil {
			if port == "" {
				return nil, fmt.Errorf("%q: empty port", e)
			}
			host = hp
		}
		if host == "" || strings.ContainsAny(host, " \t") {
			return nil, fmt.Errorf("%q: not a host", e)
		}
		out = append(out, code+"="+h)
	}
	return out, nil
}

// creditCodeLike reports whether s could be a unified social credit code:
// 18 digits and capital letters.
func creditCodeLike(s string) bool {
	if len(s) != 18 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// directAllowed reports whether the platform may call u itself for the
// department with credit code dept: an entry of DirectHosts names dept and
// u's host:port, or its host alone when u uses its scheme's default port.
// Another department's entry does not count, so a department cannot make
// the platform call a host allowed for someone else.
func (s *Service) directAllowed(dept string, u *url.URL) bool {
	return dept != "" && slices.Contains(s.DirectOwners(u), dept)
}

// DirectOwners returns the credit codes of the departments whose entries
// in DirectHosts cover u; the catalog refuses another department's API
// mount there (catalog.Service.APIHostOwners).
func (s *Service) DirectOwners(u *url.URL) []string {
	host := strings.ToLower(u.Hostname())
	standard := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	port := u.Port()
	if port == "" {
		port = standard
	}
	var out []string
	for _, e := range s.DirectHosts {
		code, h, _ := strings.Cut(e, "=")
		if h == net.JoinHostPort(host, port) || (port == standard && (h == host || h == "["+host+"]")) {
			out = append(out, code)
		}
	}
	return out
}

// callProvider sends a mounted API's call by the route the provider's setup
// allows and returns the body of a 2xx answer: through an active node of the
// provider's department whose http datasource's base covers the URL, or,
// when no node does, straight from the platform to a host listed in
// DirectHosts. Any other URL is refused, so that a mount cannot make the
// platform call into a network it should not reach.
func (s *Service) callProvider(ctx context.Context, e catalog.Entry, method string, u *url.URL, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	shown := *u // for messages: no query, which may carry the caller's values
	shown.RawQuery = ""
	if s.Nodes != nil {
		base, ok, err := s.apiBase(ctx, e.ProviderID, u.String())
		if err != nil {
			return nil, err
		}
		if ok {
			return s.viaNode(ctx, base, method, u.String(), body, shown.String())
		}
	}
	dept, err := s.cat.DepartmentCode(ctx, e.ProviderID)
	if err != nil {
		return nil, err
	}
	if s.directAllowed(dept, u) {
		return s.direct(ctx, dept, method, u, body)
	}
	return nil, errs.New(errs.Unavailable, msgNoNode, e.ProviderName, shown.String())
}

// apiBase picks the node and datasource for target among the department's:
// an online node first, then the longest base.
func (s *Service) apiBase(ctx context.Context, dept int64, target string) (node.APIBase, bool, error) {
	s.bases.mu.Lock()
	c, ok := s.bases.m[dept]
	s.bases.mu.Unlock()
	if !ok || time.Since(c.read) >= basesTTL {
		bases, err := s.Nodes.APIBases(ctx, dept)
		if err != nil {
			return node.APIBase{}, false, fmt.Errorf("the provider's nodes: %w", err)
		}
		c = cachedBases{bases, time.Now()}
		s.bases.mu.Lock()
		if s.bases.m == nil || len(s.bases.m) >= 10000 {
			s.bases.m = map[int64]cachedBases{}
		}
		s.bases.m[dept] = c
		s.bases.mu.Unlock()
	}
	best, found := node.APIBase{}, false
	for _, b := range c.bases {
		if node.UnderBase(b.URL, target) != nil {
			continue
		}
		if !found || (b.Online && !best.Online) || (b.Online == best.Online && len(b.URL) > len(best.URL)) {
			best, found = b, true
		}
	}
	return best, found, nil
}

func (s *Service) viaNode(ctx context.Context, b node.APIBase, method, target string, body []byte, shown string) ([]byte, error) {
	ans, err := s.Nodes.CallAPI(ctx, node.APIRequest{NodeID: b.NodeID, Datasource: b.Datasource, URL: target, Method: method, Body: body})
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgNodeDidNotPass, b.NodeName, shown, errs.TextOf(err))
	}
	if ans.Status/100 != 2 {
		return nil, errs.New(errs.Unavailable, msgAnsweredVia, ans.Status, http.StatusText(ans.Status), b.NodeName)
	}
	return ans.Body, nil
}

// direct calls an allowed host from the platform; a redirect must stay on
// allowed hosts.
func (s *Service) direct(ctx context.Context, dept, method string, u *url.URL, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := *s.Client
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 5 || !s.directAllowed(dept, r.URL) {
			return errRedirect
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, errRedirect) {
			return nil, errs.New(errs.Unavailable, msgRedirectedAway)
		}
		return nil, errs.WrapMsg(err, errs.Unavailable, msgAPISilent)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, errs.New(errs.Unavailable, msgAnswered, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, node.APIMaxAnswer+1))
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgAPIBroke)
	}
	if len(raw) > node.APIMaxAnswer {
		return nil, errs.New(errs.Unavailable, msgAnswerTooLarge, node.APIMaxAnswer>>20)
	}
	return raw, nil
}

var errRedirect = errors.New("redirect refused")
