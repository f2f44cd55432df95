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
