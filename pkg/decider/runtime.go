package decider

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/telemetry"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// ErrConflict means the command kept losing the race for its aggregate and
// gave up after the configured attempts; the caller should retry later (ABORTED).
var ErrConflict = errors.New("decider: aggregate kept changing; try again")

// Meta is what a commit records beyond its events.
type Meta struct {
	Actor *eventsv1.Actor
	// IdempotencyKey is the caller-scoped request id; a command whose key the
	// aggregate has already seen is answered from state without deciding again.
	IdempotencyKey string
	// Fingerprint digests the request behind IdempotencyKey, so a key reused
	// for a different request can be told from a retry.
	Fingerprint string
	// MsgID overrides the deduplication id; creations use it to make a
	// request id unique across aggregates within the duplicate window.
	MsgID string
	// CorrelationID names the story the commit belongs to (a referral id);
	// empty, the commit's own id.
	CorrelationID string
	CausationID   string
	PatientID     string
	// Origin is the span the commit's story began in (eventstore.Append.Origin);
	// invalid for an aggregate's first commit, whose own command begins it,
	// and otherwise the aggregate's Snapshot.Origin by default.
	Origin trace.SpanContext
}

// RequestKey scopes a client's request id to who sent it (an organisation
// number, a caller id): idempotency keys belong to the caller, so no one
// reaches another's result by guessing a key. No request id, no key.
func RequestKey(scope, requestID string) string {
	if requestID == "" {
		return ""
	}
	return scope + "/" + requestID
}

// Decide is the pure decision for one command against the current state.
type Decide[S any] func(state S) ([]proto.Message, error)

// Result is the outcome of a command.
type Result[S any] struct {
	Snapshot[S]
	// Appended is false when nothing was written: the decision was empty, or
	// the request had been seen before.
	Appended bool
	// Replay is set when the request's key had been applied before: nothing
	// was decided, and Replay says what was remembered of the first time.
	Replay *Request
}

// Runtime executes commands for one aggregate type.
type Runtime[S any] struct {
	store       *eventstore.Store
	image       *Image[S]
	clock       clock.Clock
	ids         idgen.Generator
	maxAttempts int
}

// NewRuntime wires a runtime; maxAttempts bounds retries on conflict (default 5).
func NewRuntime[S any](store *eventstore.Store, image *Image[S], clk clock.Clock, ids idgen.Generator, maxAttempts int) *Runtime[S] {
	if maxAttempts <= 0 {
		maxAttempts = 5
	}
	return &Runtime[S]{store: store, image: image, clock: clk, ids: ids, maxAttempts: maxAttempts}
}

// Image is the runtime's write model.
func (r *Runtime[S]) Image() *Image[S] { return r.image }

// Store is where the runtime appends.
func (r *Runtime[S]) Store() *eventstore.Store { return r.store }

// StateAt is the aggregate's state as its commit at version left it.
func (r *Runtime[S]) StateAt(ctx context.Context, id string, version uint64) (S, error) {
	return r.image.StateAt(ctx, r.store, id, version)
}

// Execute loads the aggregate, decides, and appends the commit, retrying on
// conflict. A decision error is returned unchanged so domain errors keep their
// type. The returned snapshot includes the new commit.
func (r *Runtime[S]) Execute(ctx context.Context, id string, meta Meta, decide Decide[S]) (Result[S], error) {
	for attempt := 0; attempt < r.maxAttempts; attempt++ {
		snap := r.image.Get(id)
		if req, ok := snap.Request(meta.IdempotencyKey); ok && meta.IdempotencyKey != "" {
			return Result[S]{Snapshot: snap, Replay: &req}, nil
		}
		events, err := decide(snap.State)
		if err != nil {
			return Result[S]{Snapshot: snap}, err
		}
		if len(events) == 0 {
			return Result[S]{Snapshot: snap}, nil
		}
		commit, err := r.commit(id, snap.Version+1, meta, events)
		if err != nil {
			return Result[S]{}, err
		}
		origin := meta.Origin
		if !origin.IsValid() {
			origin = snap.Origin
		}
		if !origin.IsValid() && snap.Seq == 0 {
			origin = trace.SpanContextFromContext(ctx)
		}
		res, err := r.store.Append(ctx, eventstore.Append{
			Subject:     r.image.model.Subject(id),
			Commit:      commit,
			ExpectedSeq: snap.Seq,
			MsgID:       meta.MsgID,
			Origin:      origin,
		})
		switch {
		case errors.Is(err, eventstore.ErrConflict):
			if err := r.image.Refresh(ctx, r.store, id); err != nil {
				return Result[S]{}, err
			}
			continue
		case err != nil:
			return Result[S]{}, err
		case res.Duplicate:
			return r.duplicate(ctx, res.Seq)
		}
		rec := eventstore.Record{Seq: res.Seq, Subject: r.image.model.Subject(id), Commit: commit, Header: nats.Header{}}
		if tp := telemetry.FormatTraceparent(origin); tp != "" {
			rec.Header.Set(eventstore.HeaderOrigin, tp)
		}
		if err := r.fold(ctx, rec, events); err != nil {
			return Result[S]{}, err
		}
		return Result[S]{Snapshot: r.image.Get(id), Appended: true}, nil
	}
	return Result[S]{}, fmt.Errorf("%w: %s after %d attempts", ErrConflict, r.image.model.Subject(id), r.maxAttempts)
}

// fold makes the new commit visible before Execute returns. A model that
// folds only its own subjects applies it at once — the feed's copy is then
// skipped by sequence. A model that also folds other contexts must keep stream
// order across them, so it waits for the feed to bring the commit back.
func (r *Runtime[S]) fold(ctx context.Context, rec eventstore.Record, events []proto.Message) error {
	if r.image.model.Key == nil {
		r.image.apply(rec, events)
		return nil
	}
	return r.image.WaitApplied(ctx, rec.Seq)
}

// duplicate answers a retry that JetStream deduplicated: the original commit
// may belong to another aggregate id (a creation retried with a fresh id), so
// read it back and answer with the aggregate it created.
func (r *Runtime[S]) duplicate(ctx context.Context, seq uint64) (Result[S], error) {
	rec, err := r.store.Get(ctx, seq)
	if err != nil {
		return Result[S]{}, err
	}
	id := rec.Commit.GetAggregateId()
	if err := r.image.Refresh(ctx, r.store, id); err != nil {
		return Result[S]{}, err
	}
	return Result[S]{Snapshot: r.image.Get(id)}, nil
}

func (r *Runtime[S]) commit(id string, version uint64, meta Meta, events []proto.Message) (*eventsv1.Commit, error) {
	now := r.clock.Now()
	anys := make([]*anypb.Any, 0, len(events))
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			return nil, fmt.Errorf("decider: pack %T: %w", e, err)
		}
		anys = append(anys, a)
	}
	commitID := r.ids.New(now)
	correlation := meta.CorrelationID
	if correlation == "" {
		correlation = commitID
	}
	return &eventsv1.Commit{
		CommitId:           commitID,
		AggregateType:      r.image.model.Type,
		AggregateId:        id,
		AggregateVersion:   version,
		Actor:              meta.Actor,
		OccurredAt:         timestamppb.New(now),
		CorrelationId:      correlation,
		CausationId:        meta.CausationID,
		IdempotencyKey:     meta.IdempotencyKey,
		RequestFingerprint: meta.Fingerprint,
		PatientId:          meta.PatientID,
		Events:             anys,
	}, nil
}
