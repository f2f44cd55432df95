package app

import (
	"context"
	"fmt"
	"sync"
)

// watermark is the highest stream sequence the process manager has handled,
// so a test (or a readiness probe) can wait for it instead of sleeping.
type watermark struct {
	mu       sync.Mutex
	seq      uint64
	advanced chan struct{}
}

func newWatermark() *watermark { return &watermark{advanced: make(chan struct{})} }

func (w *watermark) mark(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq <= w.seq {
		return
	}
	w.seq = seq
	close(w.advanced)
	w.advanced = make(chan struct{})
}

func (w *watermark) wait(ctx context.Context, seq uint64) error {
	for {
		w.mu.Lock()
		at, advanced := w.seq, w.advanced
		w.mu.Unlock()
		if at >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pathway: waiting for referral sequence %d (at %d): %w", seq, at, ctx.Err())
		case <-advanced:
		}
	}
}
