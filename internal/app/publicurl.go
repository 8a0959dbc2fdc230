package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// publicURL returns the platform's public address (--public-url), or one
// derived from addr, the address the platform listens on, with a warning:
// links and DCAT IRIs built from it only work where that address is
// reachable.
func publicURL(cfg *Config, addr string, log *slog.Logger) (string, error) {
	if cfg.PublicURL != "" {
		return checkPublicURL(cfg.PublicURL)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	derived := scheme + "://" + net.JoinHostPort(host, port)
	log.Warn("public-url is not set: the open data portal's links and the DCAT feeds' IRIs use the listen address; set public-url to the address the public reaches",
		"public_url", derived)
	return derived, nil
}

// checkPublicURL accepts an absolute http or https URL of a host, with an
// optional path and no query or fragment; it drops a trailing slash.
func checkPublicURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", errors.New("public-url: want an absolute http or https URL such as https://data.example.gov.cn, without user, query or fragment")
	}
	if !validHost(u.Hostname()) || strings.ContainsFunc(u.Port(), func(r rune) bool { return r < '0' || r > '9' }) {
		return "", errors.New("public-url: the host must be a DNS name or an IP address, with an optional numeric port")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// validHost accepts an IP address or a DNS name of letters, digits, '-'
// and '.'.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
