package suite

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestOnlyGRPCWithTheProtoCodecIsServedNatively(t *testing.T) {
	for ct, native := range map[string]bool{
		"application/grpc":                     true,
		"application/grpc+proto":               true,
		"application/grpc;charset=utf-8":       true,
		"application/grpc+json":                false,
		"application/grpc-web":                 false,
		"application/grpc-web+proto":           false,
		"application/grpc-web-text":            false,
		"application/connect+proto":            false,
		"application/proto":                    false,
		"application/json":                     false,
		"":                                     false,
		"application/grpcx":                    false,
		"text/plain; application/grpc":         false,
		"application/grpc+proto;charset=utf-8": true,
	} {
		if got := isNativeGRPCContentType(ct); got != native {
			t.Errorf("%q: native %v, want %v", ct, got, native)
		}
	}
}

// countingHandler counts the calls that reach the HTTP side of the port.
type countingHandler struct {
	next  http.Handler
	calls atomic.Int64
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	h.next.ServeHTTP(w, r)
}

func startOnePort(t *testing.T) (string, *countingHandler) {
	t.Helper()
	g := grpc.NewServer()
	healthpb.RegisterHealthServer(g, health.NewServer())
	api, err := apiHandler(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingHandler{next: api}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := newOnePort(l, g, counted)
	served := make(chan error, 1)
	go func() { served <- p.serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.shutdown(ctx)
		if err := <-served; err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	})
	return l.Addr().String(), counted
}

// connectHealth makes calls on one connection: a connection that breaks
// after its first answer fails the later ones.
func connectHealth(t *testing.T, addr string, h2c bool, opts ...connect.ClientOption) error {
	t.Helper()
	var protocols http.Protocols
	protocols.SetHTTP1(!h2c)
	protocols.SetUnencryptedHTTP2(h2c)
	transport := &http.Transport{Protocols: &protocols}
	defer transport.CloseIdleConnections()
	c := connect.NewClient[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse](&http.Client{Transport: transport},
		"http://"+addr+healthpb.Health_Check_FullMethodName, opts...)
	for range 3 {
		if _, err := c.CallUnary(t.Context(), connect.NewRequest(&healthpb.HealthCheckRequest{})); err != nil {
			return err
		}
	}
	return nil
}

// Native gRPC stays on grpc-go's own transport; only other protocols pay
// for the HTTP server and the transcoder.
func TestNativeGRPCNeverReachesTheHTTPSide(t *testing.T) {
	addr, counted := startOnePort(t)
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	for range 3 {
		if _, err := healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	// gRPC from another client over h2c is native too.
	if err := connectHealth(t, addr, true, connect.WithGRPC()); err != nil {
		t.Fatal(err)
	}
	if n := counted.calls.Load(); n != 0 {
		t.Fatalf("%d native calls went through the HTTP server", n)
	}
	for _, c := range []struct {
		name string
		h2c  bool
		opts []connect.ClientOption
	}{
		{"connect over HTTP/1.1", false, nil},
		{"connect over h2c", true, nil},
		{"gRPC-Web over HTTP/1.1", false, []connect.ClientOption{connect.WithGRPCWeb()}},
		{"gRPC-Web over h2c", true, []connect.ClientOption{connect.WithGRPCWeb()}},
	} {
		before := counted.calls.Load()
		if err := connectHealth(t, addr, c.h2c, c.opts...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if counted.calls.Load() != before+3 {
			t.Fatalf("%s did not go through the HTTP server", c.name)
		}
	}
}

// frame encodes one HTTP/2 frame header with a payload of n zero bytes.
func frame(typ http2.FrameType, flags http2.Flags, n int) []byte {
	h := []byte{byte(n >> 16), byte(n >> 8), byte(n), byte(typ), byte(flags), 0, 0, 0, 0}
	return append(h, make([]byte, n)...)
}

func TestTheFilterDropsOnlyTheFirstSettingsAcknowledgement(t *testing.T) {
	settings := frame(http2.FrameSettings, 0, 6)
	ack := frame(http2.FrameSettings, http2.FlagSettingsAck, 0)
	headers := frame(http2.FrameHeaders, http2.FlagHeadersEndHeaders, 20)
	window := frame(http2.FrameWindowUpdate, 0, 4)
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	preface := []byte(http2.ClientPreface)
	for _, c := range []struct {
		name    string
		in, out []byte
	}{
		{"h2: the first ack goes, the second stays", join(preface, settings, window, headers, ack, ack), join(preface, settings, window, headers, ack)},
		{"h2: an ack right after the settings", join(preface, settings, ack, headers), join(preface, settings, headers)},
		{"h2: a data-like payload holding ack bytes is passed", join(preface, frame(http2.FrameData, 0, 9), ack), join(preface, frame(http2.FrameData, 0, 9))},
		{"HTTP/1.1 passes unchanged", []byte("POST /x HTTP/1.1\r\nHost: a\r\n\r\n" + string(ack)), []byte("POST /x HTTP/1.1\r\nHost: a\r\n\r\n" + string(ack))},
		{"a short HTTP/1.0 request passes", []byte("GET / HTTP/1.0\r\n\r\n"), []byte("GET / HTTP/1.0\r\n\r\n")},
		{"a lone P passes", []byte("P"), []byte("P")},
	} {
		for _, chunk := range []int{1, 3, 7, 4096} {
			server, client := net.Pipe()
			go func() {
				for in := c.in; len(in) > 0; in = in[min(chunk, len(in)):] {
					if _, err := client.Write(in[:min(chunk, len(in))]); err != nil {
						return
					}
				}
				client.Close()
			}()
			filtered := &ackFilterConn{Conn: server, in: newPeekReader(server)}
			got, err := io.ReadAll(filtered)
			if err != nil {
				t.Fatalf("%s (chunks of %d): %v", c.name, chunk, err)
			}
			if !bytes.Equal(got, c.out) {
				t.Fatalf("%s (chunks of %d):\n got %q\nwant %q", c.name, chunk, got, c.out)
			}
			server.Close()
		}
	}
}

// An HTTP/1.1 client that sends a request shorter than the HTTP/2 preface
// and waits gets its answer: the port never waits for bytes it will not get.
func TestAShortHTTP1RequestIsAnswered(t *testing.T) {
	addr, _ := startOnePort(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 12)
	if _, err := io.ReadFull(conn, line); err != nil {
		t.Fatal(err)
	}
	if string(line[:9]) != "HTTP/1.0 " && string(line[:9]) != "HTTP/1.1 " {
		t.Fatalf("answer %q", line)
	}
}
