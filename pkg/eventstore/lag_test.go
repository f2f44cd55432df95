package eventstore

import (
	"testing"
	"time"
)

func TestConsumerLagTimeIsZeroWhenCaughtUpAndGrowsWhileStuckOrStopped(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		steps        func(l *lag)
		wantMessages int64
		wantAge      time.Duration
	}{
		{"never received", func(*lag) {}, 0, 0},
		{"caught up and idle for an hour", func(l *lag) { l.received(0, t0); l.finished(t0) }, 0, 0},
		{"stuck on a record published a minute ago", func(l *lag) { l.received(4, t0.Add(59*time.Minute)) }, 4, time.Minute},
		{"between records while behind", func(l *lag) { l.received(3, t0.Add(50*time.Minute)); l.finished(t0.Add(50 * time.Minute)) }, 3, 10 * time.Minute},
		{"stopped on its own", func(l *lag) { l.received(0, t0); l.finished(t0); l.stop() }, 0, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l lag
			tc.steps(&l)
			messages, age := l.observe(t0.Add(time.Hour))
			if messages != tc.wantMessages || age != tc.wantAge {
				t.Errorf("lag = %d messages, %v; want %d, %v", messages, age, tc.wantMessages, tc.wantAge)
			}
		})
	}
}
