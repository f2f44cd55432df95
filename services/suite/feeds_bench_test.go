package suite_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/subscriptions"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// BenchmarkNotificationLag measures how long a change takes from its commit
// (the time JetStream stored it) to its rest-hook notification arriving at
// a real HTTP receiver on loopback, through the whole dev suite: fan-out,
// outbox, delivery and the HTTP POST. Each operation is one ReceiveReferral
// over gRPC and its notification.
//
//   - one_at_a_time: the next referral is sent once the last notification
//     arrived — the lag of an idle suite;
//   - 16_senders: 16 callers at once, the subscriber's throttle raised out
//     of the way — the lag under load, queueing included.
func BenchmarkNotificationLag(b *testing.B) {
	b.Run("one_at_a_time", func(b *testing.B) { benchLag(b, 1) })
	b.Run("16_senders", func(b *testing.B) { benchLag(b, benchConcurrency) })
}

func benchLag(b *testing.B, senders int) {
	env := suitetest.StartConfigured(b, func(o *suite.Options) {
		o.HTTPAddr = "127.0.0.1:0"
		o.Feeds = suite.FeedOptions{LoopbackRestHooks: true, Throttle: 1000,
			Redelivery: subscriptions.Backoff{Initial: 20 * time.Millisecond, Max: time.Second}}
	})
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		b.Fatal(err)
	}
	r := subscriptionstest.NewReceiver(b, codec)
	subscribeOverFHIR(b, env, dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL})
	ctx := b.Context()
	if _, err := r.Wait(ctx, 1); err != nil {
		b.Fatal(err)
	}
	patients := syntheticNationalIDs(b.N)
	c := client(env)
	caller := env.As(ctx, integration(senderOrg))
	var mu sync.Mutex
	var referrals []string
	send := func(i int) error {
		req := receiveRequest(fmt.Sprintf("lag-%d-%d", senders, i))
		req.PatientNationalId = patients[i]
		res, err := c.ReceiveReferral(caller, req)
		if err != nil {
			return err
		}
		mu.Lock()
		referrals = append(referrals, res.GetReferral().GetReferralId())
		mu.Unlock()
		return nil
	}
	b.ResetTimer()
	if senders == 1 {
		for i := range b.N {
			if err := send(i); err != nil {
				b.Fatal(err)
			}
			if _, err := r.Wait(ctx, i+2); err != nil {
				b.Fatal(err)
			}
		}
	} else if m := measureWith(senders, b.N, send); m.err != nil {
		b.Fatal(m.err)
	}
	got, err := r.Wait(ctx, b.N+1)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	arrived := map[string]time.Time{}
	for _, n := range got[1:] {
		for _, ev := range n.Events {
			arrived[ev.Focus[strings.LastIndex(ev.Focus, "/")+1:]] = n.At
		}
	}
	lags := make([]time.Duration, 0, len(referrals))
	for _, id := range referrals {
		seq, err := env.Suite.Store.LastSubjectSeq(ctx, eventstore.Subject("referral", "referral", id))
		if err != nil {
			b.Fatal(err)
		}
		rec, err := env.Suite.Store.Get(ctx, seq)
		if err != nil {
			b.Fatal(err)
		}
		at, ok := arrived[id]
		if !ok {
			b.Fatalf("no notification for %s", id)
		}
		lags = append(lags, at.Sub(rec.Published))
	}
	slices.Sort(lags)
	pct := func(p int) float64 { return float64(lags[(len(lags)-1)*p/100].Microseconds()) / 1000 }
	b.ReportMetric(pct(50), "lag_p50_ms")
	b.ReportMetric(pct(99), "lag_p99_ms")
}
