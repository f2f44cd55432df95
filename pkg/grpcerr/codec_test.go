package grpcerr_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/stafett/stafett/pkg/grpcerr"
)

// rawCodec sends the test's bytes as they are, so the server sees exactly
// what a broken or hostile client would put on the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// echo serves google.protobuf.Value, a message that nests, over a unary and
// a server-streaming method, and counts the requests its handlers get.
const (
	echoUnary  = "/grpcerr.test.Echo/Unary"
	echoStream = "/grpcerr.test.Echo/Stream"
)

func startEcho(t *testing.T) (*grpc.ClientConn, *atomic.Int64) {
	t.Helper()
	var handled atomic.Int64
	logger := slog.New(slog.DiscardHandler)
	srv := grpc.NewServer(
		grpcerr.ServerCodec(),
		grpc.ChainUnaryInterceptor(grpcerr.UnaryServerInterceptor(logger)),
		grpc.ChainStreamInterceptor(grpcerr.StreamServerInterceptor(logger)),
	)
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "grpcerr.test.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Unary",
			Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(structpb.Value)
				if err := dec(in); err != nil {
					return nil, err
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: echoUnary}, func(_ context.Context, req any) (any, error) {
					handled.Add(1)
					return req, nil
				})
			},
		}},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Stream",
			ServerStreams: true,
			Handler: func(_ any, ss grpc.ServerStream) error {
				in := new(structpb.Value)
				if err := ss.RecvMsg(in); err != nil {
					return err
				}
				handled.Add(1)
				return ss.SendMsg(in)
			},
		}},
	}, struct{}{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc, &handled
}

func invokeRaw(ctx context.Context, cc *grpc.ClientConn, body []byte) error {
	var reply []byte
	return cc.Invoke(ctx, echoUnary, body, &reply, grpc.ForceCodecV2(rawCodec{}))
}

func streamRaw(ctx context.Context, cc *grpc.ClientConn, body []byte) error {
	stream, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, echoStream, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		return err
	}
	if err := stream.SendMsg(body); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	var reply []byte
	if err := stream.RecvMsg(&reply); err != nil {
		return err
	}
	if err := stream.RecvMsg(&reply); err != io.EOF {
		return err
	}
	return nil
}

// stringValue is the wire form of Value{string_value: s}, whatever s holds.
func stringValue(s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), s)
}

// nestedLists is Value{list_value: {values: [Value{list_value: ...}]}}, depth
// messages deep.
func nestedLists(depth int) []byte {
	var b []byte
	for range depth / 2 {
		list := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), b)
		b = protowire.AppendBytes(protowire.AppendTag(nil, 6, protowire.BytesType), list)
	}
	return b
}

func TestMalformedWireBytesAreInvalidArgumentNotInternal(t *testing.T) {
	cc, handled := startEcho(t)
	well, err := proto.Marshal(structpb.NewStringValue("low mood for months"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		want codes.Code
	}{
		{"well formed", well, codes.OK},
		{"nested within the recursion limit", nestedLists(protowire.DefaultRecursionLimit / 2), codes.OK},
		{"invalid UTF-8 in a string field", stringValue("low mood \xff\xfe"), codes.InvalidArgument},
		{"truncated message", well[:len(well)-4], codes.InvalidArgument},
		{"length prefix past the end", append(protowire.AppendTag(nil, 3, protowire.BytesType), 0x7f, 'x'), codes.InvalidArgument},
		{"nesting beyond the recursion limit", nestedLists(protowire.DefaultRecursionLimit + 2), codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for path, send := range map[string]func(context.Context, *grpc.ClientConn, []byte) error{"unary": invokeRaw, "stream": streamRaw} {
				before := handled.Load()
				err := send(t.Context(), cc, tt.body)
				st := status.Convert(err)
				if st.Code() != tt.want {
					t.Fatalf("%s: code = %v (%q), want %v", path, st.Code(), st.Message(), tt.want)
				}
				if tt.want == codes.OK {
					continue
				}
				if handled.Load() != before {
					t.Errorf("%s: a handler ran for a request that did not decode", path)
				}
				// gRPC's own text ("grpc: failed to unmarshal ...") and
				// protobuf's would name fields and internals.
				if msg := st.Message(); strings.Contains(msg, "grpc:") || strings.Contains(msg, "proto:") {
					t.Errorf("%s: message %q leaks the decoder's text", path, msg)
				}
			}
		})
	}
}
