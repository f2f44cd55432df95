package suite

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"

	connectcors "connectrpc.com/cors"
	"connectrpc.com/vanguard/vanguardgrpc"
	"github.com/rs/cors"
	"google.golang.org/grpc"
)

// apiHandler serves Connect (binary and JSON), gRPC-Web, REST (the
// google.api.http rules in the protos) and gRPC with other codecs by
// transcoding each call into grpcServer, so the same authentication, error
// mapping and telemetry apply as on native gRPC.
//
// vanguard transcodes in front of the existing grpc-go services, rather
// than serving them again as Connect handlers: the services stay written
// once against grpc-go, and REST needs no second set of handlers.
func apiHandler(grpcServer *grpc.Server, origins []string) (http.Handler, error) {
	transcoder, err := vanguardgrpc.NewTranscoder(grpcServer)
	if err != nil {
		return nil, fmt.Errorf("suite: transcoder: %w", err)
	}
	if len(origins) == 0 {
		// No CORS headers at all: browsers keep other origins out.
		return transcoder, nil
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: connectcors.AllowedMethods(),
		// Browsers send the bearer token in Authorization.
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization"),
		ExposedHeaders: connectcors.ExposedHeaders(),
		// Preflights are cached for two hours (the most Chromium honours).
		MaxAge: 7200,
	}).Handler(transcoder), nil
}

// ownOrigins are the origins a browser uses for a page served at addr: on
// a loopback or unspecified address both localhost and the address itself.
func ownOrigins(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	port := strconv.Itoa(tcp.Port)
	if tcp.IP.IsLoopback() || tcp.IP.IsUnspecified() {
		return []string{"http://localhost:" + port, "http://127.0.0.1:" + port, "http://[::1]:" + port}
	}
	return []string{"http://" + net.JoinHostPort(tcp.IP.String(), port)}
}

func corsOrigins(opts Options, httpL net.Listener) []string {
	origins := slices.Clone(opts.CORSOrigins)
	if opts.CORSAllowOwnOrigin && httpL != nil {
		origins = append(origins, ownOrigins(httpL.Addr())...)
	}
	return origins
}
