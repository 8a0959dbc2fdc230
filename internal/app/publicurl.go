package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}
