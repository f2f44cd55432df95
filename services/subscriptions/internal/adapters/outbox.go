// Package adapters holds the subscriptions service's stores and channels:
// the per-subscription outbox and the poison queue on JetStream, the
// delivery-state and header-secret buckets, and the rest-hook, AMQP and
// NATS publishers: what the app package declares it needs, on JetStream,
// watermill and RabbitMQ.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/eventstore"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
)

// Outbox is the notifications waiting for (and sent to) each subscriber, in
// order. It keeps references, never patient data, and keeps them for
// Retention, which bounds both how long a subscriber may stay away and how
// far back $events reaches.
type Outbox struct {
	js     jetstream.JetStream
	stream jetstream.Stream
}

// OpenOutbox creates or updates the outbox stream.
func OpenOutbox(ctx context.Context, js jetstream.JetStream, replicas int, retention time.Duration) (*Outbox, error) {
	if replicas == 0 {
		replicas = 1
	}
	stream, err := eventstore.EnsureStream(ctx, js, jetstream.StreamConfig{
		Name:        app.OutboxStream,
		Description: "Stafett subscription notifications, one subject per subscription",
		Subjects:    []string{app.OutboxSubjects},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      retention,
		Duplicates:  2 * time.Minute,
		AllowDirect: true,
	})
	if err != nil {
		return nil, fmt.Errorf("subscriptions: outbox stream: %w", err)
	}
	return &Outbox{js: js, stream: stream}, nil
}

// Last is a subscription's newest entry, or a zero app.Stored when it has none.
func (o *Outbox) Last(ctx context.Context, subscriptionID string) (app.Stored, error) {
	raw, err := o.stream.GetLastMsgForSubject(ctx, app.OutboxSubject(subscriptionID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return app.Stored{}, nil
	}
	if err != nil {
		return app.Stored{}, fmt.Errorf("subscriptions: outbox of %s: %w", subscriptionID, err)
	}
	return decodeStored(raw.Sequence, raw.Data)
}

// Get reads the entry at seq.
func (o *Outbox) Get(ctx context.Context, seq uint64) (app.Stored, error) {
	raw, err := o.stream.GetMsg(ctx, seq)
	if err != nil {
		return app.Stored{}, fmt.Errorf("subscriptions: outbox entry %d: %w", seq, err)
	}
	return decodeStored(raw.Sequence, raw.Data)
}

// Scan calls f for a subscription's entries in order, from the oldest kept,
// until f returns false.
func (o *Outbox) Scan(ctx context.Context, subscriptionID string, f func(app.Stored) bool) error {
	subject := app.OutboxSubject(subscriptionID)
	for next := uint64(1); ; {
		raw, err := o.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("subscriptions: outbox of %s: %w", subscriptionID, err)
		}
		s, err := decodeStored(raw.Sequence, raw.Data)
		if err != nil {
			return err
		}
		if !f(s) {
			return nil
		}
		next = raw.Sequence + 1
	}
}

// Purge drops a deleted subscription's entries.
func (o *Outbox) Purge(ctx context.Context, subscriptionID string) error {
	if err := o.stream.Purge(ctx, jetstream.WithPurgeSubject(app.OutboxSubject(subscriptionID))); err != nil {
		return fmt.Errorf("subscriptions: purge outbox of %s: %w", subscriptionID, err)
	}
	return nil
}

func decodeStored(seq uint64, data []byte) (app.Stored, error) {
	var e subscriptionsv1.OutboxEntry
	if err := proto.Unmarshal(data, &e); err != nil {
		return app.Stored{}, fmt.Errorf("subscriptions: outbox entry %d: %w", seq, err)
	}
	return app.Stored{Seq: seq, Entry: &e}, nil
}

// Messages is the application's framing of outbox entries and poisoned
// commits as JetStream messages.
type Messages struct{}

// DecodeEntry reads an outbox entry from a delivered message.
func (Messages) DecodeEntry(msg *message.Message) (*subscriptionsv1.OutboxEntry, error) {
	var e subscriptionsv1.OutboxEntry
	if err := proto.Unmarshal(msg.Payload, &e); err != nil {
		return nil, fmt.Errorf("subscriptions: outbox entry: %w", err)
	}
	return &e, nil
}

// EntryMessage is the watermill message that appends e to its
// subscription's outbox. The notification id deduplicates a repeated
// append, and the expected last sequence makes the append fail when
// another entry got there first, so event numbers never skip or repeat.
func (Messages) EntryMessage(e *subscriptionsv1.OutboxEntry, expectedLast uint64) (*message.Message, error) {
	data, err := proto.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: outbox entry: %w", err)
	}
	msg := message.NewMessage(e.GetNotificationId(), data)
	msg.Metadata.Set(app.MetaTopic, app.OutboxSubject(e.GetSubscriptionId()))
	msg.Metadata.Set(nats.MsgIdHdr, e.GetNotificationId())
	msg.Metadata.Set(nats.ExpectedLastSubjSeqHdr, strconv.FormatUint(expectedLast, 10))
	return msg, nil
}

// topicPublisher publishes each message to the subject its app.MetaTopic
// metadata names, whatever topic the router passes: one handler's output
// goes to many subscriptions' outboxes.
type topicPublisher struct{ message.Publisher }

// Publish implements message.Publisher.
func (p topicPublisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		to := m.Metadata.Get(app.MetaTopic)
		if to == "" {
			to = topic
		}
		if err := p.Publisher.Publish(to, m); err != nil {
			return err
		}
	}
	return nil
}

// OutboxPublisher implements app.Messages.
func (Messages) OutboxPublisher(p message.Publisher) message.Publisher {
	return topicPublisher{Publisher: p}
}

// PoisonPublisher implements app.Messages.
func (Messages) PoisonPublisher(p message.Publisher) message.Publisher {
	return referencePublisher{Publisher: p}
}

var (
	_ app.Messages    = Messages{}
	_ app.Outbox      = (*Outbox)(nil)
	_ app.Deliveries  = (*Deliveries)(nil)
	_ app.Secrets     = (*Secrets)(nil)
	_ app.PoisonQueue = (*PoisonQueue)(nil)
	_ app.Sender      = (*Channels)(nil)
)
