package domain

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// EndpointPolicy is what the suite allows rest-hooks to call.
type EndpointPolicy struct {
	// AllowLoopback lets a rest-hook use plain http to a loopback address:
	// `stafett dev` on a developer's machine, never production.
	AllowLoopback bool
}

// ErrEndpointRefused is an endpoint the suite will not call.
var ErrEndpointRefused = errors.New("endpoint refused")

// ParseEndpoint checks a rest-hook URL before any address is known: https
// (http only to a loopback host in dev), a host, no credentials in the URL
// (they belong in channel.header, which is kept as a secret). It returns
// the URL and whether its host is a literal loopback address or localhost.
func ParseEndpoint(raw string, p EndpointPolicy) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: not an absolute http(s) URL", ErrEndpointRefused)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: credentials go in channel.header, not the URL", ErrEndpointRefused)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("%w: a URL fragment is never sent", ErrEndpointRefused)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.AllowLoopback || !loopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%w: https is required (plain http only to a loopback address in dev)", ErrEndpointRefused)
		}
	default:
		return nil, fmt.Errorf("%w: scheme %q (https is required)", ErrEndpointRefused, u.Scheme)
	}
	return u, nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// metadataAddresses are cloud instance-metadata services outside the
// link-local ranges.
var metadataAddresses = []netip.Addr{
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS, IPv6
}

// CheckAddress refuses an address a rest-hook must never reach: link-local
// (169.254.0.0/16 and fe80::/10, where cloud metadata services answer),
// other metadata addresses, unspecified, multicast, and loopback outside
// dev. Private networks are allowed: hospital integration engines live on
// them. It runs when the subscription is made and again on every
// connection, against the address actually dialled, so a name that later
// resolves somewhere else is refused at delivery.
func CheckAddress(a netip.Addr, p EndpointPolicy) error {
	a = a.Unmap()
	switch {
	case !a.IsValid(), a.IsUnspecified():
		return fmt.Errorf("%w: unspecified address", ErrEndpointRefused)
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return fmt.Errorf("%w: link-local address %s", ErrEndpointRefused, a)
	case a.IsMulticast(), a.IsInterfaceLocalMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: multicast or broadcast address %s", ErrEndpointRefused, a)
	case a.IsLoopback() && !p.AllowLoopback:
		return fmt.Errorf("%w: loopback address %s", ErrEndpointRefused, a)
	}
	for _, m := range metadataAddresses {
		if a == m {
			return fmt.Errorf("%w: metadata address %s", ErrEndpointRefused, a)
		}
	}
	return nil
}

// CheckAddresses checks every address a host resolves to: one bad answer
// refuses the endpoint, since any of them may be the one dialled.
func CheckAddresses(addrs []netip.Addr, p EndpointPolicy) error {
	if len(addrs) == 0 {
		return fmt.Errorf("%w: the host has no address", ErrEndpointRefused)
	}
	for _, a := range addrs {
		if err := CheckAddress(a, p); err != nil {
			return err
		}
	}
	return nil
}
