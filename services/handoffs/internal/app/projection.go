package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
)

// Checkpoint bucket layout: one key per patient holding that patient's
// state (with the last sequence folded into it), and appliedKey holding the
// sequence every patient key is complete up to. Patients are written before
// appliedKey, so after a crash between the two the tail replays from the
// older mark and each patient skips what it already holds.
const (
	appliedKey    = "applied"
	patientPrefix = "p."
)

// Projection is the live view: the domain fold behind a lock, fed by an
// ordered consumer over the whole stream, checkpointed to a KV bucket.
type Projection struct {
	logger *slog.Logger
	kv     jetstream.KeyValue // nil: no checkpoints

	mu       sync.RWMutex
	view     *domain.View
	dirty    map[string]struct{}
	advanced chan struct{}
	// restored is the sequence the checkpoint covered at start.
	restored uint64
}

// NewProjection returns an empty projection; kv may be nil.
func NewProjection(kv jetstream.KeyValue, logger *slog.Logger) *Projection {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Projection{logger: logger, kv: kv, view: domain.NewView(), dirty: map[string]struct{}{}}
}

// OpenBucket creates (or opens) the checkpoint bucket.
func OpenBucket(ctx context.Context, js jetstream.JetStream, bucket string, replicas int) (jetstream.KeyValue, error) {
	if replicas == 0 {
		replicas = 1
	}
	kv, err := eventstore.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "Handoff views: per-patient state and the last applied stream sequence",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("handoffs: checkpoint bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// Apply folds one record. Idempotent by sequence; it never fails on a
// commit it cannot decode, because a read view must not stall the stream:
// such a commit is logged (sequence and subject only) and skipped.
func (p *Projection) Apply(rec eventstore.Record) error {
	events, err := rec.Events()
	if err != nil {
		p.logger.Error("commit skipped by handoff views", "seq", rec.Seq, "subject", rec.Subject, "error", err)
		events = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if changed := p.view.Apply(rec.Seq, rec.Commit, events); changed != nil {
		p.dirty[changed.ID] = struct{}{}
	}
	// Wake waiters, if any: the channel exists only while someone waits, so
	// a replay with nobody watching allocates nothing per record.
	if p.advanced != nil {
		close(p.advanced)
		p.advanced = nil
	}
	return nil
}

// Applied is the last stream sequence folded.
func (p *Projection) Applied() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.view.Applied
}

// Restored is the sequence the checkpoint covered when the projection started.
func (p *Projection) Restored() uint64 { return p.restored }

// Advanced is closed on the next applied record.
func (p *Projection) Advanced() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.advanced == nil {
		p.advanced = make(chan struct{})
	}
	return p.advanced
}

// WaitApplied blocks until seq is folded or ctx ends.
func (p *Projection) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		advanced := p.Advanced()
		applied := p.Applied()
		if applied >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("handoffs: waiting for sequence %d (applied %d): %w", seq, applied, ctx.Err())
		case <-advanced:
		}
	}
}

// Read runs f with the view held still. f must not keep references to
// patient state after it returns.
func (p *Projection) Read(f func(v *domain.View)) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f(p.view)
}

// Restore loads the checkpoint, if any.
func (p *Projection) Restore(ctx context.Context) error {
	if p.kv == nil {
		return nil
	}
	entry, err := p.kv.Get(ctx, appliedKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("handoffs: read checkpoint: %w", err)
	}
	applied, err := strconv.ParseUint(string(entry.Value()), 10, 64)
	if err != nil {
		return fmt.Errorf("handoffs: checkpoint mark: %w", err)
	}
	lister, err := p.kv.ListKeysFiltered(ctx, patientPrefix+">")
	if err != nil {
		return fmt.Errorf("handoffs: list checkpoint: %w", err)
	}
	defer lister.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for key := range lister.Keys() {
		e, err := p.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("handoffs: read checkpoint: %w", err)
		}
		if _, err := p.view.LoadPatient(e.Value()); err != nil {
			return err
		}
	}
	p.view.Applied = applied
	p.restored = applied
	return nil
}

// Checkpoint writes every patient changed since the last checkpoint, then
// the mark. It returns the mark written.
func (p *Projection) Checkpoint(ctx context.Context) (uint64, error) {
	if p.kv == nil {
		return 0, nil
	}
	type put struct {
		id   string
		data []byte
	}
	p.mu.Lock()
	applied := p.view.Applied
	puts := make([]put, 0, len(p.dirty))
	for id := range p.dirty {
		data, err := p.view.EncodePatient(p.view.Patients[id])
		if err != nil {
			p.mu.Unlock()
			return 0, err
		}
		puts = append(puts, put{id, data})
	}
	p.dirty = map[string]struct{}{}
	p.mu.Unlock()

	for i, w := range puts {
		if _, err := p.kv.Put(ctx, patientPrefix+w.id, w.data); err != nil {
			// Not written: mark them dirty again for the next checkpoint.
			p.mu.Lock()
			for _, rest := range puts[i:] {
				p.dirty[rest.id] = struct{}{}
			}
			p.mu.Unlock()
			return 0, fmt.Errorf("handoffs: write checkpoint: %w", err)
		}
	}
	if applied == 0 {
		return 0, nil
	}
	if _, err := p.kv.Put(ctx, appliedKey, []byte(strconv.FormatUint(applied, 10))); err != nil {
		return 0, fmt.Errorf("handoffs: write checkpoint mark: %w", err)
	}
	return applied, nil
}

// Feed subscribes from the sequence after the checkpoint and returns once
// the projection holds everything the stream held when Feed was called.
func (p *Projection) Feed(ctx context.Context, store *eventstore.Store, logger *slog.Logger) (*eventstore.Subscription, error) {
	head, err := store.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	from := p.Applied() + 1
	sub, err := store.Subscribe(ctx, eventstore.SubscribeOptions{
		Name: "handoffs.views", Filters: []string{eventstore.AllFilter}, FromSeq: from, Logger: logger,
	}, func(_ context.Context, rec eventstore.Record) error { return p.Apply(rec) })
	if err != nil {
		return nil, err
	}
	if err := p.WaitApplied(ctx, head); err != nil {
		sub.Stop()
		return nil, err
	}
	return sub, nil
}

// RunCheckpoints checkpoints every interval until ctx ends, and once more on the way out.
func (p *Projection) RunCheckpoints(ctx context.Context, interval time.Duration) {
	if p.kv == nil {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if _, err := p.Checkpoint(final); err != nil {
				p.logger.Error("final checkpoint failed", "error", err)
			}
			cancel()
			return
		case <-t.C:
			if _, err := p.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				p.logger.Error("checkpoint failed", "error", err)
			}
		}
	}
}

// BucketName is the checkpoint bucket's default name.
const BucketName = "STAFETT_HANDOFFS_VIEWS"
