package authn

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingVerifier struct {
	calls int
	p     Principal
	err   error
}

func (c *countingVerifier) Verify(context.Context, string) (Principal, error) {
	c.calls++
	return c.p, c.err
}

func TestCachedTokenIsVerifiedOnceUntilItExpires(t *testing.T) {
	clk := newFakeClock()
	next := &countingVerifier{p: Principal{Subject: "s", ExpiresAt: clk.Now().Add(time.Minute)}}
	v := NewCachingVerifier(next, clk.Now, 10)
	for range 3 {
		if _, err := v.Verify(t.Context(), "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if next.calls != 1 {
		t.Fatalf("verified %d times, want 1", next.calls)
	}
	clk.Advance(time.Minute)
	next.err = ErrUnauthenticated
	if _, err := v.Verify(t.Context(), "tok"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired token answered from cache: %v", err)
	}
}

func TestRejectedTokensAreNotCached(t *testing.T) {
	clk := newFakeClock()
	next := &countingVerifier{err: ErrUnauthenticated}
	v := NewCachingVerifier(next, clk.Now, 10)
	for range 2 {
		if _, err := v.Verify(t.Context(), "bad"); !errors.Is(err, ErrUnauthenticated) {
			t.Fatal(err)
		}
	}
	if next.calls != 2 {
		t.Fatalf("rejections cached: %d calls", next.calls)
	}
}

func TestCacheStaysWithinItsBound(t *testing.T) {
	clk := newFakeClock()
	next := &countingVerifier{p: Principal{ExpiresAt: clk.Now().Add(time.Hour)}}
	v := NewCachingVerifier(next, clk.Now, 3)
	for _, tok := range []string{"a", "b", "c", "d", "e"} {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.entries) > 3 {
		t.Fatalf("cache holds %d entries, bound is 3", len(v.entries))
	}
}
