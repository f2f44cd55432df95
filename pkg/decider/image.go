// Package decider runs commands the event-sourced way: load the aggregate's
// state from an in-memory image of the stream, decide with a pure function,
// append the resulting commit with optimistic concurrency, and retry a bounded
// number of times when another writer got there first.
package decider

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/eventstore"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Model is one aggregate type's fold. Evolve must be pure and must not mutate
// the state it is given (return a changed copy): readers hold earlier states
// without locks.
type Model[S any] struct {
	// Context and Type place the aggregate at stafett.events.<Context>.<Type>.<id>.
	Context string
	Type    string
	// Initial is the state of an aggregate with no commits.
	Initial func(id string) S
	// Evolve applies one event of a commit.
	Evolve func(state S, event proto.Message, commit *eventsv1.Commit) S
	// Key picks the aggregate a commit folds into. Nil means the commit's own
	// aggregate id; a model that also folds other contexts' facts (consent
	// folds referrals by patient) keys them here, and feeds the image with
	// those contexts' subjects too.
	Key func(commit *eventsv1.Commit) string
}

func (m Model[S]) key(c *eventsv1.Commit) string {
	if m.Key != nil {
		return m.Key(c)
	}
	return c.GetAggregateId()
}

// owns reports whether a subject belongs to this aggregate type, as opposed
// to a fact folded in from another context.
func (m Model[S]) owns(subject string) bool {
	prefix := m.Filter()
	return strings.HasPrefix(subject, prefix[:len(prefix)-1])
}

// Subject is the aggregate's subject.
func (m Model[S]) Subject(id string) string { return eventstore.Subject(m.Context, m.Type, id) }

// Filter matches every aggregate of this type.
func (m Model[S]) Filter() string {
	return eventstore.SubjectRoot + "." + m.Context + "." + m.Type + ".>"
}

// Snapshot is an aggregate's state as of its last commit.
type Snapshot[S any] struct {
	ID    string
	State S
	// Version counts the aggregate's commits.
	Version uint64
	// Seq is the stream sequence of the aggregate's last own commit (0: none):
	// the expected last subject sequence of its next append.
	Seq uint64
	// folded is the last stream sequence folded in, own or foreign; records
	// at or below it are redeliveries.
	folded uint64
	// requests holds the idempotency keys of the commands already applied, so a
	// retried request returns the original result instead of deciding again.
	requests map[string]Request
	// Origin is the span the aggregate's story began in, as its first commit
	// names it (eventstore.HeaderOrigin): a referral's receipt. Later
	// commands' spans link to it.
	Origin trace.SpanContext
}

// Request is what the aggregate remembers of one applied request: the
// digest of what was asked and the version its commit made.
type Request struct {
	Fingerprint string
	Version     uint64
}

// Exists reports whether the aggregate has any commit.
func (s Snapshot[S]) Exists() bool { return s.Version > 0 }

// Seen reports whether a command with this idempotency key was already applied.
func (s Snapshot[S]) Seen(key string) bool {
	_, ok := s.requests[key]
	return ok
}

// Request returns what the aggregate remembers of the request with this key.
func (s Snapshot[S]) Request(key string) (Request, bool) {
	r, ok := s.requests[key]
	return r, ok
}

// IndexFunc maintains a secondary index as commits are applied. It runs under
// the image's write lock and must be quick and must not call back into the image.
type IndexFunc[S any] func(snap Snapshot[S], rec eventstore.Record)

// Image is the write model kept in memory and fed by the stream. Its
// aggregates are spread over shards, each with its own lock, so commands on
// different aggregates and the feed do not queue behind one another.
type Image[S any] struct {
	model  Model[S]
	logger *slog.Logger
	shards [shardCount]shard[S]
	// indexes are registered before the image is fed and only read after.
	indexes []IndexFunc[S]

	mu       sync.Mutex
	applied  uint64
	advanced chan struct{}
}

const shardCount = 64

type shard[S any] struct {
	mu      sync.RWMutex
	entries map[string]Snapshot[S]
}

// NewImage returns an empty image; feed it with Run or Apply.
func NewImage[S any](model Model[S], logger *slog.Logger) *Image[S] {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	im := &Image[S]{model: model, logger: logger, advanced: make(chan struct{})}
	for i := range im.shards {
		im.shards[i].entries = map[string]Snapshot[S]{}
	}
	return im
}

func (im *Image[S]) shard(id string) *shard[S] {
	// FNV-1a: cheap, and ids (ULIDs, pseudonyms) spread well under it.
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return &im.shards[h%shardCount]
}

// Model returns the image's model.
func (im *Image[S]) Model() Model[S] { return im.model }

// AddIndex registers a secondary index; call before feeding the image. An
// index runs under its aggregate's shard lock, concurrently with other
// shards, so it must guard its own state.
func (im *Image[S]) AddIndex(f IndexFunc[S]) {
	im.indexes = append(im.indexes, f)
}

// Get returns the aggregate's snapshot; a missing aggregate has its initial state.
func (im *Image[S]) Get(id string) Snapshot[S] {
	sh := im.shard(id)
	sh.mu.RLock()
	snap, ok := sh.entries[id]
	sh.mu.RUnlock()
	if !ok {
		return Snapshot[S]{ID: id, State: im.model.Initial(id)}
	}
	return snap
}

// Range calls f for every aggregate until f returns false. f must not call
// back into the image.
func (im *Image[S]) Range(f func(Snapshot[S]) bool) {
	for i := range im.shards {
		if !im.rangeShard(&im.shards[i], f) {
			return
		}
	}
}

func (im *Image[S]) rangeShard(sh *shard[S], f func(Snapshot[S]) bool) bool {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, s := range sh.entries {
		if !f(s) {
			return false
		}
	}
	return true
}

// Apply folds one record into the image. It is idempotent by sequence: a
// record at or below the aggregate's last applied sequence is ignored, which
// makes redelivery and the runtime's own early apply harmless.
func (im *Image[S]) Apply(rec eventstore.Record) error {
	if im.seen(rec) {
		// Usually our own commit coming back from the feed: skip the decode.
		return nil
	}
	events, err := eventstore.DecodeEvents(rec.Commit)
	if err != nil {
		return err
	}
	im.apply(rec, events)
	return nil
}

// seen reports whether rec was already folded into its aggregate.
func (im *Image[S]) seen(rec eventstore.Record) bool {
	id := im.model.key(rec.Commit)
	sh := im.shard(id)
	sh.mu.RLock()
	snap, ok := sh.entries[id]
	sh.mu.RUnlock()
	return ok && (rec.Seq <= snap.folded || (im.model.owns(rec.Subject) && rec.Seq <= snap.Seq))
}

// apply folds a record whose events are already decoded.
func (im *Image[S]) apply(rec eventstore.Record, events []proto.Message) {
	c := rec.Commit
	id := im.model.key(c)
	if id == "" {
		return
	}
	sh := im.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	snap, ok := sh.entries[id]
	if !ok {
		snap = Snapshot[S]{ID: id, State: im.model.Initial(id)}
	}
	own := im.model.owns(rec.Subject)
	if rec.Seq <= snap.folded || (own && rec.Seq <= snap.Seq) {
		return
	}
	for _, e := range events {
		snap.State = im.model.Evolve(snap.State, e, c)
	}
	snap.folded = rec.Seq
	if own {
		if snap.Version == 0 {
			snap.Origin = rec.Origin()
		}
		snap.Version = c.GetAggregateVersion()
		snap.Seq = rec.Seq
	}
	if key := c.GetIdempotencyKey(); own && key != "" {
		requests := make(map[string]Request, len(snap.requests)+1)
		for k, r := range snap.requests {
			requests[k] = r
		}
		requests[key] = Request{Fingerprint: c.GetRequestFingerprint(), Version: c.GetAggregateVersion()}
		snap.requests = requests
	}
	sh.entries[id] = snap
	for _, index := range im.indexes {
		index(snap, rec)
	}
}

// markApplied advances the feed's watermark and wakes waiters.
func (im *Image[S]) markApplied(seq uint64) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if seq <= im.applied {
		return
	}
	im.applied = seq
	close(im.advanced)
	im.advanced = make(chan struct{})
}

// Applied is the highest stream sequence the feed has applied.
func (im *Image[S]) Applied() uint64 {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.applied
}

// WaitApplied blocks until the feed has applied seq or ctx ends.
func (im *Image[S]) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		im.mu.Lock()
		applied, advanced := im.applied, im.advanced
		im.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("decider: waiting for sequence %d (applied %d): %w", seq, applied, ctx.Err())
		case <-advanced:
		}
	}
}

// Run feeds the image from the stream, from the first message on, and returns
// once the image holds everything that was in the stream when Run was called.
// The feed goes on until ctx ends. Filters default to the model's own subjects.
func (im *Image[S]) Run(ctx context.Context, store *eventstore.Store, filters ...string) (*eventstore.Subscription, error) {
	if len(filters) == 0 {
		filters = []string{im.model.Filter()}
	}
	var target uint64
	for _, f := range filters {
		last, err := store.LastSubjectSeq(ctx, f)
		if err != nil {
			return nil, err
		}
		target = max(target, last)
	}
	sub, err := store.Subscribe(ctx, eventstore.SubscribeOptions{
		Name:    im.model.Context + "." + im.model.Type,
		Filters: filters,
		Logger:  im.logger,
	}, func(_ context.Context, rec eventstore.Record) error {
		if err := im.Apply(rec); err != nil {
			return err
		}
		im.markApplied(rec.Seq)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := im.WaitApplied(ctx, target); err != nil {
		sub.Stop()
		return nil, err
	}
	return sub, nil
}

// StateAt folds the aggregate's own commits up to and including version
// straight from the store: the state a command left behind, which is what a
// replay of that command answers with, never the current state.
func (im *Image[S]) StateAt(ctx context.Context, store *eventstore.Store, id string, version uint64) (S, error) {
	state := im.model.Initial(id)
	records, _, err := store.Load(ctx, im.model.Subject(id), 0)
	if err != nil {
		return state, err
	}
	for _, rec := range records {
		if rec.Commit.GetAggregateVersion() > version {
			break
		}
		events, err := eventstore.DecodeEvents(rec.Commit)
		if err != nil {
			return state, err
		}
		for _, e := range events {
			state = im.model.Evolve(state, e, rec.Commit)
		}
	}
	return state, nil
}

// Refresh loads the aggregate's commits the image has not seen straight from
// the store; used after a conflict, when another writer got there first.
func (im *Image[S]) Refresh(ctx context.Context, store *eventstore.Store, id string) error {
	snap := im.Get(id)
	records, _, err := store.Load(ctx, im.model.Subject(id), snap.Seq)
	if err != nil {
		return err
	}
	for _, rec := range records {
		if err := im.Apply(rec); err != nil {
			return err
		}
	}
	return nil
}
