package suite_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/natsembed"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// benchConcurrency is how many callers run at once, for both sides.
const benchConcurrency = 16

// BenchmarkReceiveReferralAgainstRawJetStream measures ReceiveReferral through
// gRPC (authentication, validation, decide, expected-sequence append) against
// the ceiling: raw JetStream publishes of a commit of the same size with the
// same concurrency headers, in the same run and on the same server. The ratio
// is what counts; absolute numbers depend on the machine.
//
// Variants:
//   - dev_suite: every service in one process, as `stafett dev` runs them —
//     the consent fold, the pathway process manager and the handoff views
//     consume (and checkpoint) each commit on the same two cores;
//   - referral_process: the referral service alone, as `stafett serve
//     --services referral` runs it in production — the write path an
//     integration engine meets;
//   - sync_always: dev_suite with every write fsynced before its ack, the
//     setting deploy/README.md discusses for single-node durability.
func BenchmarkReceiveReferralAgainstRawJetStream(b *testing.B) {
	b.Run("dev_suite", func(b *testing.B) { benchReceive(b, natsembed.Options{}) })
	b.Run("referral_process", func(b *testing.B) { benchReceive(b, natsembed.Options{}, "referral") })
	b.Run("sync_always", func(b *testing.B) { benchReceive(b, natsembed.Options{SyncAlways: true}) })
}

func benchReceive(b *testing.B, opts natsembed.Options, services ...string) {
	env := suitetest.StartWith(b, opts, services...)
	js, err := jetstream.New(env.Conn)
	if err != nil {
		b.Fatal(err)
	}
	payload := sampleCommit(b)
	c := client(env)
	ctx := env.As(b.Context(), integration(senderOrg))
	var run atomic.Int64

	// The ceiling gets a stream of its own, configured like the event
	// stream, so no projection of the suite consumes (and slows) it.
	if _, err := js.CreateOrUpdateStream(b.Context(), jetstream.StreamConfig{
		Name: "BENCH_RAW", Subjects: []string{"bench.raw.>"}, Storage: jetstream.FileStorage, Replicas: 1,
		Duplicates: 2 * time.Minute, Discard: jetstream.DiscardNew,
	}); err != nil {
		b.Fatal(err)
	}
	raw := measure(b.N, func(i int) error {
		id := fmt.Sprintf("raw-%d-%d", run.Load(), i)
		msg := nats.NewMsg("bench.raw.referral." + id)
		msg.Data = payload
		_, err := js.PublishMsg(b.Context(), msg, jetstream.WithMsgID(id), jetstream.WithExpectLastSequencePerSubject(0))
		return err
	})
	patients := syntheticNationalIDs(b.N)
	suite := measure(b.N, func(i int) error {
		req := receiveRequest(fmt.Sprintf("bench-%d-%d", run.Load(), i))
		req.PatientNationalId = patients[i]
		_, err := c.ReceiveReferral(ctx, req)
		return err
	})
	run.Add(1)
	if raw.err != nil || suite.err != nil {
		b.Fatal(raw.err, suite.err)
	}
	b.ReportMetric(raw.opsPerSec(), "raw_ops/s")
	b.ReportMetric(suite.opsPerSec(), "suite_ops/s")
	b.ReportMetric(suite.opsPerSec()/raw.opsPerSec(), "ratio")
	b.ReportMetric(float64(raw.percentile(50).Microseconds()), "raw_p50_µs")
	b.ReportMetric(float64(raw.percentile(99).Microseconds()), "raw_p99_µs")
	b.ReportMetric(float64(suite.percentile(50).Microseconds()), "suite_p50_µs")
	b.ReportMetric(float64(suite.percentile(99).Microseconds()), "suite_p99_µs")
}

// syntheticNationalIDs makes n distinct valid national ids, so each referral
// is a different patient as in real traffic.
func syntheticNationalIDs(n int) []string {
	out := make([]string, 0, n)
	for day := 0; len(out) < n; day++ {
		birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
		for individual := 100; individual < 500 && len(out) < n; individual += 7 {
			if id, ok := withCheckDigits(fmt.Sprintf("%02d%02d%02d%03d", birth.Day(), birth.Month(), birth.Year()%100, individual)); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func withCheckDigits(nine string) (string, bool) {
	digit := func(weights []int, s string) (int, bool) {
		sum := 0
		for i, w := range weights {
			sum += w * int(s[i]-'0')
		}
		k := 11 - sum%11
		if k == 11 {
			k = 0
		}
		return k, k != 10
	}
	k1, ok := digit([]int{3, 7, 6, 1, 8, 9, 4, 5, 2}, nine)
	if !ok {
		return "", false
	}
	ten := nine + string(rune('0'+k1))
	k2, ok := digit([]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}, ten)
	if !ok {
		return "", false
	}
	return ten + string(rune('0'+k2)), true
}

type measurement struct {
	elapsed   time.Duration
	latencies []time.Duration
	err       error
}

func (m measurement) opsPerSec() float64 {
	return float64(len(m.latencies)) / m.elapsed.Seconds()
}

func (m measurement) percentile(p int) time.Duration {
	if len(m.latencies) == 0 {
		return 0
	}
	return m.latencies[(len(m.latencies)-1)*p/100]
}

// measure runs n operations over benchConcurrency workers and records each latency.
func measure(n int, op func(i int) error) measurement { return measureWith(benchConcurrency, n, op) }

// measureWith is measure over workers workers.
func measureWith(workers, n int, op func(i int) error) measurement {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, n)
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			local := make([]time.Duration, 0, n/workers+1)
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				t0 := time.Now()
				err := op(i)
				local = append(local, time.Since(t0))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					break
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	m := measurement{elapsed: time.Since(start), latencies: lat, err: firstErr}
	slices.Sort(m.latencies)
	return m
}

func sampleCommit(b *testing.B) []byte {
	ev, err := anypb.New(&referralv1.ReferralReceived{
		ReferralId: "01JBENCHBENCHBENCHBENCHBENC", PatientId: "pt_abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxya",
		PatientNationalId: patientNID, PatientBirthDate: "1999-12-31", ExternalId: "ext-bench", ReferrerHpr: referrerHPR,
		ReferrerOrgNumber: senderOrg, ReceivingUnit: dps, Reason: "low mood for months", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
		ReceivedAt: timestamppb.Now(), AssessmentDue: "2026-03-16", SenderOrgNumber: senderOrg, RequestId: "bench",
	})
	if err != nil {
		b.Fatal(err)
	}
	data, err := proto.Marshal(&eventsv1.Commit{
		CommitId: "01JBENCHBENCHBENCHBENCHBENC", AggregateType: "referral", AggregateId: "01JBENCHBENCHBENCHBENCHBENC",
		AggregateVersion: 1, Actor: &eventsv1.Actor{OrgNumber: senderOrg, Role: "integration"}, OccurredAt: timestamppb.Now(),
		CorrelationId: "01JBENCHBENCHBENCHBENCHBENC", IdempotencyKey: senderOrg + "/bench", PatientId: "pt_x", Events: []*anypb.Any{ev},
	})
	if err != nil {
		b.Fatal(err)
	}
	return data
}
