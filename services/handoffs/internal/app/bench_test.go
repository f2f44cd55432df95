package app

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventstore"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
	workload "github.com/stafett/stafett/services/handoffs/workloadtest"
)

// benchJourneys is how many described journeys (≈40 commits each) the
// replay benchmark folds.
const benchJourneys = 250

// BenchmarkReplayViewsAgainstRawOrderedConsumer replays the same stream
// twice per iteration in the same run: once with a raw ordered consumer that
// only receives the messages (the ceiling), once into a fresh projection
// (receive, decode the commit and its events, fold every view). The ratio
// is what counts; absolute rates depend on the machine.
func BenchmarkReplayViewsAgainstRawOrderedConsumer(b *testing.B) {
	e := benchEnv(b)
	for i := range benchJourneys {
		if err := workload.Journey(b.Context(), e.w, i, base.AddDate(0, 0, i%30)); err != nil {
			b.Fatal(err)
		}
	}
	head, err := e.store.LastSeq(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	stream, err := e.js.Stream(b.Context(), eventstore.StreamName)
	if err != nil {
		b.Fatal(err)
	}
	var raw, views time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cons, err := stream.OrderedConsumer(b.Context(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{eventstore.AllFilter}})
		if err != nil {
			b.Fatal(err)
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(512))
		if err != nil {
			b.Fatal(err)
		}
		for n := uint64(0); n < head; n++ {
			if _, err := it.Next(); err != nil {
				b.Fatal(err)
			}
		}
		it.Stop()
		raw += time.Since(start)

		start = time.Now()
		p := NewProjection(nil, nil)
		sub, err := p.Feed(b.Context(), e.store, nil)
		if err != nil {
			b.Fatal(err)
		}
		views += time.Since(start)
		sub.Stop()
	}
	b.StopTimer()
	total := float64(head) * float64(b.N)
	b.ReportMetric(total/raw.Seconds(), "raw_records/s")
	b.ReportMetric(total/views.Seconds(), "views_records/s")
	b.ReportMetric(raw.Seconds()/views.Seconds(), "views/raw")
}

// BenchmarkProjectionVisibilityLag appends contacts from 16 writers at once
// and measures, for each, the time from the append being acknowledged to the
// contact being in the patient's journey in the live projection.
func BenchmarkProjectionVisibilityLag(b *testing.B) {
	e := benchEnv(b)
	p := NewProjection(nil, nil)
	sub, err := p.Feed(b.Context(), e.store, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Stop()
	const writers = 16
	lags := make([]time.Duration, 0, b.N)
	var mu sync.Mutex
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		wg.Go(func() {
			pid := workload.PatientID(10_000 + w)
			writer := workload.NewWriter(e.store)
			for i := w; i < b.N; i += writers {
				at := time.Now()
				seq, err := writer.Commit(b.Context(), "continuity", "patient", pid, pid, at,
					&continuityv1.ContactRecorded{RelationshipId: "r", PatientId: pid, OccurredAt: timestamppb.New(at)})
				if err != nil {
					b.Error(err)
					return
				}
				acked := time.Now()
				if err := visible(b.Context(), p, pid, seq); err != nil {
					b.Error(err)
					return
				}
				lag := time.Since(acked)
				mu.Lock()
				lags = append(lags, lag)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lags)
	if len(lags) == 0 {
		return
	}
	pct := func(q float64) float64 {
		return float64(lags[min(len(lags)-1, int(q*float64(len(lags))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(pct(0.50), "lag_p50_ms")
	b.ReportMetric(pct(0.99), "lag_p99_ms")
}

// visible waits until the patient's journey holds the entry at seq.
func visible(ctx context.Context, p *Projection, pid string, seq uint64) error {
	for {
		advanced := p.Advanced()
		var ok bool
		p.Read(func(v *domain.View) {
			if pt := v.Patients[pid]; pt != nil && len(pt.Entries) > 0 {
				ok = pt.Seq(pt.Entries[len(pt.Entries)-1]) >= seq
			}
		})
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-advanced:
		}
	}
}

// BenchmarkViewMemoryPerJourney folds the described journey (one referral,
// one pathway with five milestones, four relationships, twenty contacts, two
// handoffs, three consent changes) for many patients and reports the heap
// the views hold per journey, interned strings included.
func BenchmarkViewMemoryPerJourney(b *testing.B) {
	const patients = 2000
	rec := &workload.Recorder{}
	w := workload.NewWriter(rec)
	for i := range patients {
		// Every fifth patient is left without contact: one more commit. Keep
		// the journeys exactly as described by skipping those patients.
		if i%5 == 0 {
			continue
		}
		if err := workload.Journey(b.Context(), w, i, base); err != nil {
			b.Fatal(err)
		}
	}
	decoded := make([][]proto.Message, len(rec.Records))
	for i, r := range rec.Records {
		ev, err := r.Events()
		if err != nil {
			b.Fatal(err)
		}
		decoded[i] = ev
	}
	journeys := patients - patients/5
	var perJourney float64
	for range b.N {
		before := heap()
		v := domain.NewView()
		for i, r := range rec.Records {
			v.Apply(r.Seq, r.Commit, decoded[i])
		}
		after := heap()
		perJourney = float64(after-before) / float64(journeys)
		runtime.KeepAlive(v)
	}
	b.ReportMetric(perJourney, "bytes/journey")
	b.ReportMetric(float64(len(rec.Records))/float64(journeys), "commits/journey")
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchEnv(b *testing.B) *env { return newEnv(b) }
