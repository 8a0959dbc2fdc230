package connector

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// Hosts is the allow-list of hosts the platform connects to for the
// datasources departments register on it (--datasource-hosts): host names,
// taken as written, and addresses or networks (CIDR), which a DSN's host must
// fall in, every address its name resolves to included. The zero Hosts
// allows none. SQLite datasources are files, not hosts, and are not checked.
type Hosts struct {
	names []string
	nets  []netip.Prefix
}

var (
	msgHostsEntry = errs.Define("connector.hosts.entry",
		"%q is not a host name, an IP address or a CIDR network",
		"%q 不是主机名、IP 地址或 CIDR 网段")
	msgHostRefused = errs.Define("connector.hosts.refused",
		"host %s is not among the hosts the platform allows for datasources (setting datasource-hosts)",
		"主机 %s 不在平台允许的数据源主机之列（设置项 datasource-hosts）")
)

// Loopback is 127.0.0.0/8 and ::1, which the demo allows.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ParseHosts reads a comma-separated list of host names, IP addresses and
// CIDR networks.
func ParseHosts(s string) (Hosts, error) {
	var h Hosts
	for e := range strings.SplitSeq(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			h.nets = append(h.nets, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			h.nets = append(h.nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		if !hostName(e) {
			return Hosts{}, errs.New(errs.Invalid, msgHostsEntry, e)
		}
		h.names = append(h.names, strings.ToLower(strings.TrimSuffix(e, ".")))
	}
	return h, nil
}

// hostName reports whether s looks like a DNS name: letters, digits, '-'
// and '.', no empty label.
func hostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// With returns h with the networks added.
func (h Hosts) With(nets ...netip.Prefix) Hosts {
	h.nets = append(slices.Clip(h.nets), nets...)
	return h
}

// String lists the entries, for the log.
func (h Hosts) String() string {
	out := slices.Clone(h.names)
	for _, p := range h.nets {
		out = append(out, p.String())
	}
	return strings.Join(out, ",")
}

// Allows reports whether host (a name or an address) is allowed: a listed
// name, or a name or address whose every address lies in a listed network.
// A name that does not resolve is not allowed.
func (h Hosts) Allows(ctx context.Context, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if slices.Contains(h.names, host) {
		return true
	}
	if len(h.nets) == 0 {
		return false
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		var err error
		if addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil || len(addrs) == 0 {
			return false
		}
	}
	for _, a := range addrs {
		a = a.Unmap()
		if !slices.ContainsFunc(h.nets, func(p netip.Prefix) bool { return p.Contains(a) }) {
			return false
		}
	}
	return true
}

// Check refuses a normalised postgres or mysql DSN whose host is not
// allowed, before anything connects to it. The error is errs.Invalid on the
// field "dsn" and says the same whether the name does not resolve or
// resolves outside the list.
func (h Hosts) Check(ctx context.Context, driver, normalized string) error {
	if driver == SQLite {
		return nil
	}
	host, err := DSNHost(driver, normalized)
	if err != nil || !h.Allows(ctx, host) {
		return errs.FieldMsg("dsn", msgHostRefused, host)
	}
	return nil
}
