package testkit

import (
	"testing"
	"time"
)

// WaitUntil polls cond until it holds, failing the test when it has not held
// within timeout (or when the test's context ends). It is for a condition the
// test cannot be told about, such as another component's asynchronous work;
// it waits on the condition, never for a fixed time.
func WaitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("not within %v: %s", timeout, what)
		case <-t.Context().Done():
			t.Fatalf("test ended waiting for %s", what)
		case <-tick.C:
		}
	}
}
