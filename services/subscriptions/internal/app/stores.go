package app

import (
	"context"
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// What the application needs from its stores and channels, declared here so
// that the adapters implement it and the application never knows them.

const (
	// OutboxStream holds every subscription's notifications, one subject each.
	OutboxStream = "STAFETT_NOTIFICATIONS"
	// OutboxSubjects matches every subscription's outbox subject.
	OutboxSubjects    = outboxSubjectRoot + ".>"
	outboxSubjectRoot = "stafett.notifications"
	// MetaTopic is the metadata key naming the subject a produced message
	// is published to.
	MetaTopic = "Stafett-Topic"
	// PoisonStream holds the commits no notification could be built from.
	PoisonStream = "STAFETT_POISON"
	// PoisonTopic is the feed's poison queue subject.
	PoisonTopic = "stafett.poison.subscriptions"
)

// OutboxSubject is a subscription's outbox subject.
func OutboxSubject(subscriptionID string) string { return outboxSubjectRoot + "." + subscriptionID }

// Stored is one outbox entry with its place.
type Stored struct {
	Seq   uint64
	Entry *subscriptionsv1.OutboxEntry
}

// Outbox is the notifications waiting for (and sent to) each subscriber, in
// order.
type Outbox interface {
	// Last is a subscription's newest entry, or a zero Stored when it has none.
	Last(ctx context.Context, subscriptionID string) (Stored, error)
	// Scan calls f for a subscription's entries in order, from the oldest
	// kept, until f returns false.
	Scan(ctx context.Context, subscriptionID string, f func(Stored) bool) error
	// Purge drops a deleted subscription's entries.
	Purge(ctx context.Context, subscriptionID string) error
}

// Deliveries keeps each subscription's delivery state.
type Deliveries interface {
	Get(ctx context.Context, id string) (domain.Delivery, error)
	// Update applies f to the current state and stores the result, trying
	// again when another writer got there first.
	Update(ctx context.Context, id string, f func(domain.Delivery) domain.Delivery) (domain.Delivery, error)
	Delete(ctx context.Context, id string) error
}

// Secrets keeps each rest-hook's header values, out of the event stream.
type Secrets interface {
	Put(ctx context.Context, id string, headers map[string]string) error
	Delete(ctx context.Context, id string) error
}

// Poisoned is one poison entry.
type Poisoned struct {
	// ID is the entry's sequence in the poison stream.
	ID uint64
	// Seq and Subject place the commit in the event stream.
	Seq        uint64
	Subject    string
	CommitType string
	Reason     string
	At         time.Time
}

// ErrNoPoison is an entry that is not in the queue.
var ErrNoPoison = errors.New("subscriptions: no such poison entry")

// PoisonQueue lists, reads and drops poison entries.
type PoisonQueue interface {
	// List returns up to limit entries after the entry after, oldest
	// first, and the entry to continue after (0 when there are no more).
	List(ctx context.Context, after uint64, limit int) ([]Poisoned, uint64, error)
	// Get reads one entry, or fails with ErrNoPoison.
	Get(ctx context.Context, id uint64) (Poisoned, error)
	// Delete drops an entry after a successful replay.
	Delete(ctx context.Context, id uint64) error
}

// Messages frames outbox entries and poisoned commits as the watermill
// messages the routers carry.
type Messages interface {
	// EntryMessage is the message that appends e to its subscription's
	// outbox, failing if the subscription's last entry is not expectedLast.
	EntryMessage(e *subscriptionsv1.OutboxEntry, expectedLast uint64) (*message.Message, error)
	// DecodeEntry reads an outbox entry from a delivered message.
	DecodeEntry(msg *message.Message) (*subscriptionsv1.OutboxEntry, error)
	// OutboxPublisher publishes each entry message to the outbox subject
	// its MetaTopic names.
	OutboxPublisher(p message.Publisher) message.Publisher
	// PoisonPublisher publishes a poisoned commit as a reference only.
	PoisonPublisher(p message.Publisher) message.Publisher
}

// Outgoing is one rendered notification.
type Outgoing struct {
	// ID is the notification id (the Bundle's id): stable for a commit, so
	// the receiver can drop a redelivery.
	ID            string
	CorrelationID string
	Body          []byte
}

// ErrChannelOff is an AMQP subscription on a suite without a broker.
var ErrChannelOff = errors.New("subscriptions: no AMQP broker is configured")

// ErrRedirect: a rest-hook that redirects is a failed delivery; following
// it would let a receiver point the suite anywhere.
var ErrRedirect = errors.New("subscriptions: rest-hook endpoint redirected")
