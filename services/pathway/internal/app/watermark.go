package app

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// watermark is the highest stream sequence the process manager has handled,
// so a test (or a readiness probe) can wait for it instead of sleeping.
//
// Processes that share the durable consumer split the commits between them,
// so a commit this process never sees may still be handled: the consumer's
// acknowledgement floor, which follow installs, says so. It is asked when a
// wait starts and again while the local mark does not move, with a bounded
// pause between questions.
type watermark struct {
	mu       sync.Mutex
	seq      uint64
	advanced chan struct{}
	floor    func(ctx context.Context) (uint64, error)
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

// follow installs the shared consumer's acknowledgement floor.
func (w *watermark) follow(floor func(ctx context.Context) (uint64, error)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.floor = floor
}

func (w *watermark) wait(ctx context.Context, seq uint64) error {
	pause := time.Millisecond
	for {
		w.mu.Lock()
		at, advanced, floor := w.seq, w.advanced, w.floor
		w.mu.Unlock()
		if at >= seq {
			return nil
		}
		var recheck *time.Timer
		if floor != nil {
			if acked, err := floor(ctx); err == nil && acked >= seq {
				w.mark(acked)
				return nil
			}
			recheck = time.NewTimer(pause)
			pause = min(2*pause, ackFloorRecheck)
		}
		err := w.sleep(ctx, advanced, recheck)
		if err != nil {
			return fmt.Errorf("pathway: waiting for referral sequence %d (at %d): %w", seq, at, err)
		}
	}
}

// sleep waits for the mark to move, the recheck timer (if any) or ctx.
func (w *watermark) sleep(ctx context.Context, advanced <-chan struct{}, recheck *time.Timer) error {
	var fired <-chan time.Time
	if recheck != nil {
		defer recheck.Stop()
		fired = recheck.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-advanced:
	case <-fired:
	}
	return nil
}
