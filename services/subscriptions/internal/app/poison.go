package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
)

// operator may see and replay the poison queue: the ops role, or the
// suite's own services.
func operator(c Caller) error {
	if c.Principal.Role != authn.RoleOps && !c.Principal.IsService() {
		return errs.Permission("the poison queue is for operators")
	}
	return nil
}

// PoisonPage is one page of the poison queue.
type PoisonPage struct {
	Entries []Poisoned
	// Next continues after the last entry; 0 when there are no more.
	Next uint64
}

// ListPoison pages through the poison queue, oldest first.
func (a *App) ListPoison(ctx context.Context, c Caller, after uint64, size int) (PoisonPage, error) {
	if err := operator(c); err != nil {
		return PoisonPage{}, err
	}
	if size <= 0 || size > 500 {
		size = 100
	}
	entries, next, err := a.Poison.List(ctx, after, size)
	if err != nil {
		return PoisonPage{}, errs.Unavailable("poison queue", err)
	}
	return PoisonPage{Entries: entries, Next: next}, nil
}

// ReplayPoison builds a poisoned commit's notifications again. On success
// they are queued (after whatever the subscribers got since, numbered on
// from there) and the entry leaves the queue; a subscription that already
// holds the commit's notification gets nothing twice. A commit that still
// cannot be built stays, and the answer says so.
func (a *App) ReplayPoison(ctx context.Context, c Caller, id uint64) (int, error) {
	if err := operator(c); err != nil {
		return 0, err
	}
	p, err := a.Poison.Get(ctx, id)
	if errors.Is(err, ErrNoPoison) {
		return 0, errs.NotFound("poison message")
	}
	if err != nil {
		return 0, errs.Unavailable("poison queue", err)
	}
	stillPoison := errs.Precondition("the commit at sequence %d still cannot be built", p.Seq)
	rec, err := a.Store.Get(ctx, p.Seq)
	switch {
	case errors.Is(err, eventstore.ErrUndecodable):
		return 0, stillPoison
	case err != nil:
		return 0, errs.Unavailable("event stream", err)
	}
	if rec.Commit.GetAggregateType() == "subscription" {
		if err := a.Image.Apply(rec); err != nil {
			return 0, stillPoison
		}
		return 0, a.dropPoison(ctx, id)
	}
	events, err := rec.Events()
	if err != nil {
		return 0, stillPoison
	}
	referralID := rec.Commit.GetAggregateId()
	if rec.Commit.GetAggregateType() == "pathway" {
		referralID = fhirr4.ReferralOf(events)
		if referralID == "" {
			referralID = a.tasks.referralOfPathway(rec.Commit.GetAggregateId())
		}
	}
	current, _ := a.tasks.get(referralID)
	before, err := taskAt(ctx, a.Store, referralID, current.PathwayIDs, p.Seq-1)
	if err != nil {
		return 0, errs.Unavailable("task", err)
	}
	after, err := taskAt(ctx, a.Store, referralID, current.PathwayIDs, p.Seq)
	if err != nil {
		return 0, errs.Unavailable("task", err)
	}
	ch := taskChange{Seq: p.Seq, Before: before, After: after, Changed: before.TaskFacts != after.TaskFacts}
	queued := 0
	if ch.Changed && after.Exists() {
		msgs, err := a.entriesFor(ctx, rec, ch, a.live(), true)
		if err != nil {
			return 0, errs.Unavailable("outbox", err)
		}
		for _, m := range msgs {
			if err := a.outbox.Publish(m.Metadata.Get(MetaTopic), m); err != nil {
				return queued, errs.Unavailable("outbox", fmt.Errorf("replay: %w", err))
			}
			queued++
		}
	}
	return queued, a.dropPoison(ctx, id)
}

func (a *App) dropPoison(ctx context.Context, id uint64) error {
	if err := a.Poison.Delete(ctx, id); err != nil {
		return errs.Unavailable("poison queue", err)
	}
	return nil
}
