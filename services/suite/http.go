package suite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// httpSite is the suite's HTTP address (--http-addr): the console at
// /console/ and the FHIR edge at /fhir/R4/ mount their handlers on its mux,
// through Options.HTTPHandlers before the start or Suite.HandleHTTP after it.
// The APIs themselves are on the gRPC address, for every protocol.
type httpSite struct {
	listener net.Listener
	mux      *http.ServeMux
	server   *http.Server
}

// listenHTTP serves on l, or binds addr when l is nil; neither means no HTTP site.
func listenHTTP(l net.Listener, addr string) (*httpSite, error) {
	if l == nil {
		if addr == "" {
			return nil, nil
		}
		var err error
		if l, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("suite: listen %s: %w", addr, err)
		}
	}
	mux := http.NewServeMux()
	return &httpSite{
		listener: l,
		mux:      mux,
		server: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       5 * time.Minute,
		},
	}, nil
}

func (h *httpSite) handle(handlers map[string]http.Handler) {
	for pattern, handler := range handlers {
		h.mux.Handle(pattern, handler)
	}
}

func (h *httpSite) serve() error {
	if err := h.server.Serve(h.listener); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("suite: http: %w", err)
	}
	return nil
}

func (h *httpSite) shutdown(ctx context.Context) {
	if err := h.server.Shutdown(ctx); err != nil {
		h.server.Close()
	}
}

// HTTPAddr is where the HTTP site listens, or "" when it was not asked for.
func (s *Suite) HTTPAddr() string {
	if s.site == nil {
		return ""
	}
	return s.site.listener.Addr().String()
}

// HandleHTTP mounts handler at pattern (http.ServeMux syntax, e.g.
// "/fhir/R4/") on the HTTP site; it may be called while the site serves.
func (s *Suite) HandleHTTP(pattern string, handler http.Handler) error {
	if s.site == nil {
		return errors.New("suite: no HTTP address was configured")
	}
	s.site.mux.Handle(pattern, handler)
	return nil
}

func siteListener(h *httpSite) net.Listener {
	if h == nil {
		return nil
	}
	return h.listener
}
