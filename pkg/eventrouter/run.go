package eventrouter

import (
	"context"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Running is a router running in the background.
type Running struct {
	router *message.Router
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
}

// Start runs the router until ctx ends or Stop is called, and returns once
// its handlers are subscribed (or with the error that kept them from it).
func Start(ctx context.Context, r *message.Router) (*Running, error) {
	ctx, cancel := context.WithCancel(ctx)
	run := &Running{router: r, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		err := r.Run(ctx)
		run.mu.Lock()
		run.err = err
		run.mu.Unlock()
	}()
	select {
	case <-r.Running():
		return run, nil
	case <-run.done:
		cancel()
		return nil, run.Err()
	}
}

// Router is the running router, for adding handlers while it runs.
func (r *Running) Router() *message.Router { return r.router }

// Stop ends the router and waits for its running handlers.
func (r *Running) Stop() {
	r.cancel()
	// Close too: a router without handlers does not notice its context end.
	_ = r.router.Close()
	<-r.done
}

// Done is closed once the router has stopped.
func (r *Running) Done() <-chan struct{} { return r.done }

// Err is why the router stopped on its own, if it did.
func (r *Running) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
