package watermark_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stafett/stafett/pkg/watermark"
)

func TestWaitReturnsOnceTheSequenceIsMarked(t *testing.T) {
	w := watermark.New()
	done := make(chan error)
	go func() { done <- w.Wait(t.Context(), 3) }()
	w.Mark(2)
	w.Mark(3)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.Mark(1)
	if w.Seq() != 3 {
		t.Fatalf("a lower mark moved the watermark back to %d", w.Seq())
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := watermark.New().Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
