package adapters

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
)

// PoisonQueue lists, reads and drops poison entries. An entry is a
// reference (the commit's sequence and subject, its event types and the
// reason), never the commit itself: the commit stays in the event stream,
// and a copy would duplicate the patient data it may hold.
type PoisonQueue struct {
	stream jetstream.Stream
}

// OpenPoisonQueue creates or opens the poison stream.
func OpenPoisonQueue(ctx context.Context, js jetstream.JetStream, replicas int) (*PoisonQueue, error) {
	if replicas == 0 {
		replicas = 1
	}
	stream, err := eventstore.EnsureStream(ctx, js, jetstream.StreamConfig{
		Name:        app.PoisonStream,
		Description: "Stafett feeds: commits no notification could be built from, by reference",
		Subjects:    []string{"stafett.poison.>"},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Retention:   jetstream.LimitsPolicy,
		AllowDirect: true,
	})
	if err != nil {
		return nil, fmt.Errorf("subscriptions: poison stream: %w", err)
	}
	return &PoisonQueue{stream: stream}, nil
}

// List returns up to limit entries after the entry after, oldest first,
// and the entry to continue after (0 when there are no more).
func (q *PoisonQueue) List(ctx context.Context, after uint64, limit int) ([]app.Poisoned, uint64, error) {
	var out []app.Poisoned
	next := after + 1
	for {
		raw, err := q.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(app.PoisonTopic))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, 0, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("subscriptions: poison queue: %w", err)
		}
		if len(out) == limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, poisonedOf(raw))
		next = raw.Sequence + 1
	}
}

// Get reads one entry.
func (q *PoisonQueue) Get(ctx context.Context, id uint64) (app.Poisoned, error) {
	raw, err := q.stream.GetMsg(ctx, id)
	if errors.Is(err, jetstream.ErrMsgNotFound) || (err == nil && raw.Subject != app.PoisonTopic) {
		return app.Poisoned{}, app.ErrNoPoison
	}
	if err != nil {
		return app.Poisoned{}, fmt.Errorf("subscriptions: poison entry %d: %w", id, err)
	}
	return poisonedOf(raw), nil
}

// Delete drops an entry after a successful replay.
func (q *PoisonQueue) Delete(ctx context.Context, id uint64) error {
	if err := q.stream.DeleteMsg(ctx, id); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("subscriptions: drop poison entry %d: %w", id, err)
	}
	return nil
}

func poisonedOf(raw *jetstream.RawStreamMsg) app.Poisoned {
	seq, _ := strconv.ParseUint(raw.Header.Get(eventrouter.MetaSeq), 10, 64)
	return app.Poisoned{
		ID: raw.Sequence, Seq: seq, Subject: raw.Header.Get(eventrouter.MetaSubject),
		CommitType: raw.Header.Get(eventstore.HeaderCommitType), Reason: raw.Header.Get(middleware.ReasonForPoisonedKey),
		At: raw.Time,
	}
}

// referenceOnly are the metadata a poison entry keeps.
var referenceOnly = []string{
	eventrouter.MetaStream, eventrouter.MetaSeq, eventrouter.MetaSubject, eventrouter.MetaPublished,
	eventstore.HeaderCommitType, "traceparent", "tracestate",
	middleware.ReasonForPoisonedKey, middleware.PoisonedHandlerKey, middleware.PoisonedTopicKey,
}

// referencePublisher publishes what the poison-queue middleware hands it
// as a reference: no payload, and only the metadata that place the commit
// and say why it failed.
type referencePublisher struct{ message.Publisher }

// Publish implements message.Publisher.
func (p referencePublisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		ref := message.NewMessage(m.UUID, nil)
		for _, k := range referenceOnly {
			if v := m.Metadata.Get(k); v != "" {
				ref.Metadata.Set(k, v)
			}
		}
		// A commit poisoned again on redelivery is one entry, not two.
		ref.Metadata.Set(nats.MsgIdHdr, "poison/"+m.Metadata.Get(eventrouter.MetaStream)+"/"+m.Metadata.Get(eventrouter.MetaSeq))
		if err := p.Publisher.Publish(topic, ref); err != nil {
			return err
		}
	}
	return nil
}
