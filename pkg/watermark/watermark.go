// Package watermark is the highest stream sequence a read view has applied,
// and a wait for it: readers that must see their own write wait on a
// condition instead of sleeping.
package watermark

import (
	"context"
	"fmt"
	"sync"
)

// Watermark is safe for concurrent use; the zero value is not, use New.
type Watermark struct {
	mu       sync.Mutex
	seq      uint64
	advanced chan struct{}
}

// New returns a watermark at sequence 0.
func New() *Watermark { return &Watermark{advanced: make(chan struct{})} }

// Mark records that seq was applied; a lower seq changes nothing.
func (w *Watermark) Mark(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq <= w.seq {
		return
	}
	w.seq = seq
	close(w.advanced)
	w.advanced = make(chan struct{})
}

// Seq is the highest sequence marked.
func (w *Watermark) Seq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// Wait blocks until seq is marked or ctx ends.
func (w *Watermark) Wait(ctx context.Context, seq uint64) error {
	for {
		w.mu.Lock()
		at, advanced := w.seq, w.advanced
		w.mu.Unlock()
		if at >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("watermark: waiting for sequence %d (at %d): %w", seq, at, ctx.Err())
		case <-advanced:
		}
	}
}
