package cli

import (
	"fmt"
	"net"
)

// listenGRPC binds the gRPC address before anything else starts, so that a
// port clash fails before the data dir or the store is touched.
func listenGRPC(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w; choose another address with --grpc-addr (or STAFETT_GRPC_ADDR)", err)
	}
	return l, nil
}

// listenSite binds the HTTP site's address (the console, the FHIR edge) for
// the same reason; empty means no site.
func listenSite(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w; choose another address with --http-addr (or STAFETT_HTTP_ADDR)", err)
	}
	return l, nil
}
