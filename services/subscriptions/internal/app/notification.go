package app

import (
	"time"

	"github.com/google/uuid"

	"github.com/stafett/stafett/pkg/fhirr4"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// Kind is a notification's type (subscription-notification-type).
type Kind string

// The kinds sent and answered.
const (
	KindHandshake   Kind = "handshake"
	KindHeartbeat   Kind = "heartbeat"
	KindEvent       Kind = "event-notification"
	KindQueryStatus Kind = "query-status"
	KindQueryEvent  Kind = "query-event"
)

// Notification is one notification, or an answer to $status or $events,
// before it is rendered as FHIR.
type Notification struct {
	// ID is the Bundle's id: for a delivered notification the stable
	// notification id.
	ID           string
	Subscription domain.Subscription
	Status       domain.Status
	Kind         Kind
	// EventsSinceStart is the number of events the subscription has had.
	EventsSinceStart uint64
	Events           []Event
	// Error is a subscription-error code when the subscription shows error.
	Error string
	At    time.Time
}

// Event is one change of a referral's Task.
type Event struct {
	Number     uint64
	At         time.Time
	ReferralID string
	// Task is the Task after the change, for full-resource subscriptions;
	// nil for id-only ones.
	Task *fhirr4.TaskState
}

func kindOf(t subscriptionsv1.NotificationType) Kind {
	switch t {
	case subscriptionsv1.NotificationType_NOTIFICATION_TYPE_HANDSHAKE:
		return KindHandshake
	case subscriptionsv1.NotificationType_NOTIFICATION_TYPE_HEARTBEAT:
		return KindHeartbeat
	}
	return KindEvent
}

// notificationSpace is the UUID namespace of Stafett's notification ids.
var notificationSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(domain.Topic+"/notification"))

// NotificationID is the stable id of what a subscription is told about one
// commit: the same commit always gives the same id, so a receiver can drop
// a redelivery, and two subscriptions never share one.
func NotificationID(subscriptionID, what string) string {
	return uuid.NewSHA1(notificationSpace, []byte(subscriptionID+"/"+what)).String()
}
