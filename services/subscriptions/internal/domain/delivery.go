package domain

import "time"

// Status is a subscription's status as $status reports it.
type Status string

// Statuses (http://hl7.org/fhir/subscription-status).
const (
	StatusRequested Status = "requested"
	StatusActive    Status = "active"
	StatusError     Status = "error"
)

// ErrorAfter is how long deliveries must keep failing before the
// subscription shows error.
const ErrorAfter = 10 * time.Minute

// Delivery is a subscription's delivery state.
type Delivery struct {
	Status Status
	// FailingSince is when the current run of failures began; zero while
	// deliveries succeed.
	FailingSince time.Time
	// LastError is a subscription-error code of the last failure.
	LastError string
	// DeliveredThrough is the outbox sequence of the last notification the
	// receiver took: a notification redelivered after it (a lost
	// acknowledgement) is not sent again.
	DeliveredThrough uint64
	// LoggedThrough is the outbox sequence of the last notification whose
	// patient data went into the access log, so a retried delivery does not
	// log the same disclosure twice.
	LoggedThrough uint64
	// LastSent is when a notification last went out, for heartbeats.
	LastSent time.Time
}

// NewDelivery is a fresh subscription's state: requested until the
// handshake gets through.
func NewDelivery() Delivery { return Delivery{Status: StatusRequested} }

// Succeeded records a notification the receiver took. The first success
// makes (or makes again) the subscription active.
func (d Delivery) Succeeded(now time.Time, outboxSeq uint64) Delivery {
	d.Status = StatusActive
	d.FailingSince = time.Time{}
	d.LastError = ""
	d.DeliveredThrough = max(d.DeliveredThrough, outboxSeq)
	d.LastSent = now
	return d
}

// Failed records a failed attempt; after ErrorAfter of nothing but failures
// the subscription shows error.
func (d Delivery) Failed(now time.Time, code string) Delivery {
	if d.FailingSince.IsZero() {
		d.FailingSince = now
	}
	d.LastError = code
	if now.Sub(d.FailingSince) >= ErrorAfter {
		d.Status = StatusError
	}
	return d
}

// HeartbeatDue reports whether a heartbeat should go out now: the channel
// asks for them, the subscription is active, and nothing was sent for a period.
func (d Delivery) HeartbeatDue(now time.Time, period time.Duration) bool {
	return period > 0 && d.Status == StatusActive && !now.Before(d.LastSent.Add(period))
}
