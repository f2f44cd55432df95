package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// FanoutConsumer is the fan-out's durable consumer on the event stream.
const FanoutConsumer = "subscriptions-fanout"

// ErrUnbuildable marks a commit no notification can be built from at all
// (it does not decode): it goes to the poison queue instead of blocking
// every subscriber behind it. Nothing else does: a store that cannot be
// reached is waited out.
var ErrUnbuildable = errors.New("no notification can be built from this commit")

func isUnbuildable(err error) bool { return errors.Is(err, ErrUnbuildable) }

// fanoutDurable reads every commit that can change a Task (referral and
// pathway) and every subscription commit, one at a time in stream order:
// the order notifications are numbered and queued in.
func fanoutDurable() eventrouter.Durable {
	return eventrouter.Durable{
		Name:        FanoutConsumer,
		Description: "Subscriptions: turns referral and pathway commits into notifications",
		Filters: []string{
			eventstore.ContextFilter("referral"), eventstore.ContextFilter("pathway"), eventstore.ContextFilter("subscriptions"),
		},
		// Handling a commit takes milliseconds; a commit in hand when a
		// process died comes back after this.
		AckWait:    5 * time.Second,
		Redelivery: eventrouter.Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second},
	}
}

// replayTasks folds every referral and pathway commit the fan-out has
// already acknowledged, so it resumes from its checkpoint knowing each
// referral's Task as it was there. Folding is cheap; nothing is queued again.
func (a *App) replayTasks(ctx context.Context, floor uint64) error {
	if floor == 0 {
		return nil
	}
	stream, err := a.JetStream.Stream(ctx, eventstore.StreamName)
	if err != nil {
		return fmt.Errorf("subscriptions: event stream: %w", err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{eventstore.ContextFilter("referral"), eventstore.ContextFilter("pathway")},
	})
	if err != nil {
		return fmt.Errorf("subscriptions: replay: %w", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("subscriptions: replay: %w", err)
	}
	if info.NumPending == 0 {
		return nil
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("subscriptions: replay: %w", err)
	}
	defer it.Stop()
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("subscriptions: replay: %w", err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("subscriptions: replay: %w", err)
		}
		if md.Sequence.Stream > floor {
			return nil
		}
		var c eventsv1.Commit
		if proto.Unmarshal(m.Data(), &c) == nil {
			// A commit that does not decode was poisoned the first time.
			_, _, _ = a.tasks.apply(eventstore.Record{Seq: md.Sequence.Stream, Subject: m.Subject(), Commit: &c})
		}
		if md.NumPending == 0 {
			return nil
		}
	}
}

// fanout turns one commit into the outbox entries of every subscription it
// concerns, returned for the router to publish.
func (a *App) fanout(msg *message.Message) ([]*message.Message, error) {
	rec, err := eventrouter.Record(msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnbuildable, err)
	}
	middleware.SetCorrelationID(rec.Commit.GetCorrelationId(), msg)
	ctx := msg.Context()
	if rec.Commit.GetAggregateType() == "subscription" {
		return a.subscriptionCommit(ctx, rec)
	}
	ch, ok, err := a.tasks.apply(rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnbuildable, err)
	}
	if !ok || !ch.Changed {
		return nil, nil
	}
	return a.entriesFor(ctx, rec, ch, a.live(), false)
}

// subscriptionCommit brings a subscription into (or out of) the fan-out at
// its place in the stream; a new one gets its handshake as its first
// notification, before any event.
func (a *App) subscriptionCommit(ctx context.Context, rec eventstore.Record) ([]*message.Message, error) {
	if err := a.Image.Apply(rec); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnbuildable, err)
	}
	events, err := rec.Events()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnbuildable, err)
	}
	var out []*message.Message
	for _, e := range events {
		created, ok := e.(*subscriptionsv1.SubscriptionCreated)
		if !ok {
			continue
		}
		id := created.GetSubscriptionId()
		last, err := a.Outbox.Last(ctx, id)
		if err != nil {
			return nil, err
		}
		if last.Entry != nil {
			continue // redelivered: the handshake is queued
		}
		m, err := a.Messages.EntryMessage(&subscriptionsv1.OutboxEntry{
			NotificationId: NotificationID(id, "handshake"), SubscriptionId: id,
			Type: subscriptionsv1.NotificationType_NOTIFICATION_TYPE_HANDSHAKE, SourceSeq: rec.Seq,
			OccurredAt: created.GetCreatedAt(),
		}, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// entriesFor is the next outbox entry of each subscription a change
// concerns. Each is numbered after its subscription's last entry and
// appended only if that entry is still the last; a subscription whose
// outbox already holds this commit (a redelivery) is skipped, and so is one
// that holds a later commit unless replay asks for it (a poison entry
// replayed after the stream moved on).
func (a *App) entriesFor(ctx context.Context, rec eventstore.Record, ch taskChange, subs []domain.Live, replay bool) ([]*message.Message, error) {
	c := domain.Change{Seq: rec.Seq, Before: view(ch.Before), After: view(ch.After)}
	var out []*message.Message
	for _, s := range subs {
		if !s.Concerns(c) {
			continue
		}
		last, err := a.Outbox.Last(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		if replay {
			if held, err := a.holds(ctx, s.ID, rec.Seq); err != nil || held {
				if err != nil {
					return nil, err
				}
				continue
			}
		} else if last.Entry.GetSourceSeq() >= rec.Seq {
			continue
		}
		m, err := a.Messages.EntryMessage(&subscriptionsv1.OutboxEntry{
			NotificationId: NotificationID(s.ID, rec.Commit.GetCommitId()),
			SubscriptionId: s.ID,
			Type:           subscriptionsv1.NotificationType_NOTIFICATION_TYPE_EVENT,
			EventNumber:    last.Entry.GetEventNumber() + 1,
			SourceSeq:      max(rec.Seq, last.Entry.GetSourceSeq()),
			CommitId:       rec.Commit.GetCommitId(),
			CommitSeq:      rec.Seq,
			ReferralId:     ch.After.ReferralID,
			PatientId:      ch.After.PatientID,
			OccurredAt:     occurredAt(rec.Commit),
			PathwayIds:     ch.After.PathwayIDs,
		}, last.Seq)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// holds reports whether a subscription's outbox already has the commit at seq.
func (a *App) holds(ctx context.Context, id string, seq uint64) (bool, error) {
	found := false
	err := a.Outbox.Scan(ctx, id, func(s Stored) bool {
		if s.Entry.GetType() == subscriptionsv1.NotificationType_NOTIFICATION_TYPE_EVENT && s.Entry.GetCommitSeq() == seq {
			found = true
		}
		return !found
	})
	return found, err
}

func occurredAt(c *eventsv1.Commit) *timestamppb.Timestamp {
	if c.GetOccurredAt() != nil {
		return c.GetOccurredAt()
	}
	return timestamppb.Now()
}
