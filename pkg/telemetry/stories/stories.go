// Package stories knows, for each patient, the referrals whose story is
// still running and the span each began in (its receipt), folded from the
// referral and pathway commits of the stream. Commands on aggregates that
// are not a referral's (a relationship, a consent, a plan) use it to name
// the patient's open referrals in stafett.correlation_ids and to link to
// their receipts, so one search by referral id finds them too.
//
// It is telemetry, not a decision: nothing in it decides what anyone may do.
package stories

import (
	"context"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/eventstore"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Index is the open stories of every patient. The zero value is empty and
// ready to Apply records.
type Index struct {
	mu sync.RWMutex
	// open maps a patient to their open referrals' receipt spans.
	open map[string]map[string]trace.SpanContext
	// patientOf finds the patient of a referral, for the commits that end a
	// story without naming the patient in their events.
	patientOf map[string]string
	applied   uint64
	advanced  chan struct{}
}

// Open is the patient's open referrals, sorted, and the spans their
// receipts began in (invalid where unknown), in the same order.
func (ix *Index) Open(patientID string) ([]string, []trace.SpanContext) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	refs := ix.open[patientID]
	ids := make([]string, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	origins := make([]trace.SpanContext, len(ids))
	for i, id := range ids {
		origins[i] = refs[id]
	}
	return ids, origins
}

// Apply folds one record; records of other contexts are ignored. A story
// ends when its referral is withdrawn, assessed with no right, or its
// pathway completes.
func (ix *Index) Apply(rec eventstore.Record) {
	if rec.Commit == nil {
		return
	}
	events, err := rec.Events()
	if err != nil {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.open == nil {
		ix.open, ix.patientOf = map[string]map[string]trace.SpanContext{}, map[string]string{}
	}
	for _, e := range events {
		ix.apply(e, rec)
	}
	if rec.Seq > ix.applied {
		ix.applied = rec.Seq
		if ix.advanced != nil {
			close(ix.advanced)
			ix.advanced = nil
		}
	}
}

// WaitApplied blocks until the index holds the record at seq (a referral
// or pathway commit) or ctx ends.
func (ix *Index) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		ix.mu.Lock()
		if ix.applied >= seq {
			ix.mu.Unlock()
			return nil
		}
		if ix.advanced == nil {
			ix.advanced = make(chan struct{})
		}
		advanced := ix.advanced
		ix.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-advanced:
		}
	}
}

func (ix *Index) apply(e proto.Message, rec eventstore.Record) {
	switch e := e.(type) {
	case *referralv1.ReferralReceived:
		patient := e.GetPatientId()
		if ix.open[patient] == nil {
			ix.open[patient] = map[string]trace.SpanContext{}
		}
		ix.open[patient][e.GetReferralId()] = rec.Origin()
		ix.patientOf[e.GetReferralId()] = patient
	case *referralv1.ReferralWithdrawn:
		ix.end(e.GetReferralId())
	case *referralv1.ReferralAssessed:
		if e.GetNoRight() != nil {
			ix.end(e.GetReferralId())
		}
	case *pathwayv1.PathwayCompleted:
		ix.end(e.GetReferralId())
	}
}

func (ix *Index) end(referral string) {
	patient := ix.patientOf[referral]
	delete(ix.open[patient], referral)
	if len(ix.open[patient]) == 0 {
		delete(ix.open, patient)
	}
	delete(ix.patientOf, referral)
}

// Follow feeds the index from store until ctx ends: the referral and
// pathway contexts, from the start of the stream.
func (ix *Index) Follow(ctx context.Context, store *eventstore.Store) (*eventstore.Subscription, error) {
	return store.Subscribe(ctx, eventstore.SubscribeOptions{
		Name:    "telemetry.stories",
		Filters: []string{eventstore.ContextFilter("referral"), eventstore.ContextFilter("pathway")},
	}, func(_ context.Context, rec eventstore.Record) error {
		ix.Apply(rec)
		return nil
	})
}
