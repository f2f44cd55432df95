package suite

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/vanguard"
	"connectrpc.com/vanguard/vanguardgrpc"
	"github.com/rs/cors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// apiHandler serves Connect (binary and JSON), gRPC-Web and REST (the
// google.api.http rules in the protos) by transcoding each call into
// grpcServer, so the same authentication, error mapping and telemetry apply
// as on native gRPC.
//
// vanguard transcodes in front of the existing grpc-go services, rather
// than serving them again as Connect handlers: the services stay written
// once against grpc-go, and REST needs no second set of handlers.
func apiHandler(grpcServer *grpc.Server, origins []string) (http.Handler, error) {
	transcoder, err := vanguardgrpc.NewTranscoder(grpcServer, vanguard.WithCodec(func(res vanguard.TypeResolver) vanguard.Codec {
		return wellFormedJSON{vanguard.NewJSONCodec(res)}
	}))
	if err != nil {
		return nil, fmt.Errorf("suite: transcoder: %w", err)
	}
	h := grpcProtobufOnly(transcoder)
	if len(origins) == 0 {
		// No CORS headers at all: browsers keep other origins out.
		return h, nil
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: connectcors.AllowedMethods(),
		// Browsers send the bearer token in Authorization.
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization"),
		ExposedHeaders: connectcors.ExposedHeaders(),
		// Preflights are cached for two hours (the most Chromium honours).
		MaxAge: 7200,
	}).Handler(h), nil
}

// grpcProtobufOnly refuses gRPC with another codec than protobuf
// ("application/grpc+json") with UNIMPLEMENTED. The gRPC server decodes
// only protobuf, and through the transcoder a request that does not decode
// would end as INTERNAL rather than INVALID_ARGUMENT. gRPC with protobuf
// reaching this side (an h2c connection that began with another protocol)
// passes through untouched.
func grpcProtobufOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		if (strings.HasPrefix(ct, "application/grpc+") || strings.HasPrefix(ct, "application/grpc;")) && !isNativeGRPCContentType(ct) {
			// A trailers-only answer, as gRPC gives for a call it refuses,
			// in the content type the client asked for.
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Grpc-Status", strconv.Itoa(int(codes.Unimplemented)))
			w.Header().Set("Grpc-Message", "gRPC is served with protobuf only; use Connect or gRPC-Web for JSON")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// wellFormedJSON is vanguard's JSON codec, except that a request that does
// not parse is INVALID_ARGUMENT with a generic message, as grpcerr's codec
// answers a malformed protobuf request. Vanguard would answer UNKNOWN (HTTP
// 500) with the parser's text.
type wellFormedJSON struct {
	*vanguard.JSONCodec
}

func (c wellFormedJSON) Unmarshal(data []byte, msg proto.Message) error {
	if err := c.JSONCodec.Unmarshal(data, msg); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, errors.New("request is not well-formed JSON for its message"))
	}
	return nil
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
