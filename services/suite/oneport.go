package suite

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/soheilhy/cmux"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
)

// onePort serves every protocol on the gRPC address. Connections are split
// by their first request: HTTP/2 gRPC with the proto codec goes to grpc-go's
// own transport (grpc.Server.Serve), which is markedly faster than its
// http.Handler mode; everything else (HTTP/1.1 and h2c: Connect, gRPC-Web,
// REST) goes to an http.Server whose handler transcodes into the same
// grpc.Server, so both sides run the same interceptors and stats handler.
//
// cmux does the accepting, sniffing and replaying. Its own HTTP/2 matcher
// cannot be used as is: grpc-go clients wait for the server's SETTINGS
// before sending their first request, so the matcher has to send SETTINGS
// before it can know where the connection goes, and net/http's HTTP/2
// server closes a connection that acknowledges SETTINGS it never sent.
// nativeGRPC therefore always sends SETTINGS on an HTTP/2 connection, and
// settingsAckFilter removes the client's acknowledgement of them from the
// connections that go to net/http.
type onePort struct {
	mux     cmux.CMux
	root    net.Listener
	grpcL   net.Listener
	httpL   net.Listener
	grpc    *grpc.Server
	http    *http.Server
	closing atomic.Bool
}

func newOnePort(l net.Listener, g *grpc.Server, h http.Handler) *onePort {
	m := cmux.New(l)
	// A connection that has not sent its first request within a minute is
	// closed, so silent connections cannot pile up in the sniffer; every
	// client here sends its first request as soon as it connects.
	m.SetReadTimeout(time.Minute)
	p := &onePort{mux: m, root: l, grpc: g}
	p.grpcL = m.MatchWithWriters(nativeGRPC)
	p.httpL = settingsAckFilter{m.Match(cmux.Any())}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	p.http = &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
	}
	return p
}

// serve blocks until the port stops; it returns nil when shutdown stopped it.
func (p *onePort) serve() error {
	errs := make(chan error, 3)
	go func() { errs <- p.grpc.Serve(p.grpcL) }()
	go func() { errs <- p.http.Serve(p.httpL) }()
	go func() { errs <- p.mux.Serve() }()
	err := <-errs
	if p.closing.Load() || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdown stops accepting connections and lets running calls finish until
// ctx ends. The HTTP side goes first: grpc.Server's graceful stop cancels
// the calls that reached it through the transcoder at once, while
// http.Server.Shutdown waits for them.
func (p *onePort) shutdown(ctx context.Context) {
	p.closing.Store(true)
	p.root.Close()
	p.mux.Close()
	if err := p.http.Shutdown(ctx); err != nil {
		p.http.Close()
	}
	stopped := make(chan struct{})
	go func() {
		p.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
		p.grpc.Stop()
	}
}

// nativeGRPC matches an HTTP/2 connection whose first request is gRPC that
// grpc-go serves natively. On every HTTP/2 connection it answers the
// client's SETTINGS with its own (empty) SETTINGS first, since grpc-go
// clients send no request before they have them.
func nativeGRPC(w io.Writer, r io.Reader) bool {
	if !readClientPreface(r) {
		return false
	}
	framer := http2.NewFramer(w, r)
	contentType := ""
	decoder := hpack.NewDecoder(4096, func(f hpack.HeaderField) {
		if f.Name == "content-type" {
			contentType = f.Value
		}
	})
	sentSettings := false
	for {
		frame, err := framer.ReadFrame()
		if err != nil {
			return false
		}
		switch f := frame.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() && !sentSettings {
				if err := framer.WriteSettings(); err != nil {
					return false
				}
				sentSettings = true
			}
		case *http2.HeadersFrame:
			if _, err := decoder.Write(f.HeaderBlockFragment()); err != nil {
				return false
			}
			if f.HeadersEnded() {
				return isNativeGRPCContentType(contentType)
			}
		case *http2.ContinuationFrame:
			if _, err := decoder.Write(f.HeaderBlockFragment()); err != nil {
				return false
			}
			if f.HeadersEnded() {
				return isNativeGRPCContentType(contentType)
			}
		}
	}
}

// isNativeGRPCContentType is true for gRPC with the proto codec. gRPC-Web
// ("application/grpc-web…") and gRPC with another codec (grpc-go would
// decode "application/grpc+json" as proto) go to the transcoder.
func isNativeGRPCContentType(ct string) bool {
	rest, ok := strings.CutPrefix(ct, "application/grpc")
	if !ok {
		return false
	}
	rest, _, _ = strings.Cut(rest, ";")
	return rest == "" || rest == "+proto"
}

func readClientPreface(r io.Reader) bool {
	var b [len(http2.ClientPreface)]byte
	if _, err := io.ReadFull(r, b[:1]); err != nil || b[0] != http2.ClientPreface[0] {
		return false
	}
	// An HTTP/1.1 request starting with P (POST, PUT, PATCH) differs by its
	// second or third byte, so reading on byte by byte never waits for
	// bytes such a client will not send before it gets an answer.
	for i := 1; i < len(b); i++ {
		if _, err := io.ReadFull(r, b[i:i+1]); err != nil || b[i] != http2.ClientPreface[i] {
			return false
		}
	}
	return true
}

// settingsAckFilter hands net/http connections whose first SETTINGS ACK
// — on HTTP/2 the acknowledgement of nativeGRPC's SETTINGS — is removed.
type settingsAckFilter struct{ net.Listener }

func (l settingsAckFilter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &ackFilterConn{Conn: c, in: newPeekReader(c)}, nil
}

type filterState int

const (
	// filterPreface: not yet known whether the connection speaks HTTP/2.
	filterPreface filterState = iota
	// filterFrames: HTTP/2 frames pass until the first SETTINGS ACK, which is dropped.
	filterFrames
	// filterDone: every byte passes.
	filterDone
)

type ackFilterConn struct {
	net.Conn
	in    *peekReader
	state filterState
	// left is what remains of the frame being passed on.
	left int
}

const frameHeaderLen = 9

func (c *ackFilterConn) Read(p []byte) (int, error) {
	for {
		switch c.state {
		case filterDone:
			return c.in.Read(p)
		case filterPreface:
			isH2, err := c.in.hasPrefix(http2.ClientPreface)
			if err != nil {
				return 0, err
			}
			if !isH2 {
				c.state = filterDone
				continue
			}
			c.state, c.left = filterFrames, len(http2.ClientPreface)
		case filterFrames:
			if c.left > 0 {
				n, err := c.in.Read(p[:min(len(p), c.left)])
				c.left -= n
				return n, err
			}
			h, err := c.in.peek(frameHeaderLen)
			if err != nil {
				return 0, err
			}
			length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
			if http2.FrameType(h[3]) == http2.FrameSettings && http2.Flags(h[4]).Has(http2.FlagSettingsAck) && length == 0 {
				c.in.discard(frameHeaderLen)
				c.state = filterDone
				continue
			}
			c.left = frameHeaderLen + length
		}
	}
}

// peekReader reads ahead only as far as asked, and reads straight from the
// connection once nothing is buffered.
type peekReader struct {
	src io.Reader
	buf []byte
}

func newPeekReader(src io.Reader) *peekReader { return &peekReader{src: src} }

func (r *peekReader) peek(n int) ([]byte, error) {
	for len(r.buf) < n {
		chunk := make([]byte, n-len(r.buf))
		m, err := r.src.Read(chunk)
		r.buf = append(r.buf, chunk[:m]...)
		if err != nil && len(r.buf) < n {
			return nil, err
		}
	}
	return r.buf[:n], nil
}

// hasPrefix reads byte by byte only while the input still matches prefix.
func (r *peekReader) hasPrefix(prefix string) (bool, error) {
	for i := range len(prefix) {
		b, err := r.peek(i + 1)
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, err
		}
		if b[i] != prefix[i] {
			return false, nil
		}
	}
	return true, nil
}

func (r *peekReader) discard(n int) { r.buf = r.buf[n:] }

func (r *peekReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		return r.src.Read(p)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
