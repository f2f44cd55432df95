// Package domain holds the subscription rules as pure functions: who may
// subscribe to what, which endpoints are safe to call, which changes a
// subscription is told about, and how a subscription's delivery status
// follows its successes and failures. Time is passed in.
package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// Topic is the one topic: a referral's status, as its Task shows it
// (docs/subscriptions.md). Subscription.criteria names it.
const Topic = "https://stafett.no/fhir/SubscriptionTopic/referral-status"

// Identifier systems a filter may use (Norwegian base profiles).
const (
	SystemOrgNumber = "urn:oid:2.16.578.1.12.4.1.4.101"
	SystemHERID     = "urn:oid:2.16.578.1.12.4.1.2"
)

// Content is how much of the Task a notification carries.
type Content = subscriptionsv1.PayloadContent

// ChannelType is the transport.
type ChannelType = subscriptionsv1.ChannelType

// Filter narrows the topic to one organisation's or unit's Tasks.
type Filter struct {
	Parameter subscriptionsv1.FilterParameter
	System    string
	Value     string
}

// Channel is where and how notifications go.
type Channel struct {
	Type     ChannelType
	Endpoint string
	Content  Content
	// HeaderNames are the rest-hook headers; their values are secrets kept
	// outside the event stream.
	HeaderNames []string
	Heartbeat   time.Duration
	Timeout     time.Duration
}

// Subscription is the subscription aggregate's state.
type Subscription struct {
	ID string
	// Owner is the subscribing organisation's number.
	Owner     string
	Topic     string
	Filters   []Filter
	Channel   Channel
	CreatedAt time.Time
	Deleted   bool
}

// Initial is a subscription that was never created.
func Initial(id string) Subscription { return Subscription{ID: id} }

// Exists reports whether the subscription was created.
func (s Subscription) Exists() bool { return s.Owner != "" }

// Live reports whether the subscription exists and was not deleted.
func (s Subscription) Live() bool { return s.Exists() && !s.Deleted }

// VisibleTo reports whether an organisation may see the subscription: only
// its owner may, and to anyone else it does not exist.
func (s Subscription) VisibleTo(org string) bool { return s.Live() && org != "" && s.Owner == org }

// Evolve applies one event.
func Evolve(s Subscription, event proto.Message, _ *eventsv1.Commit) Subscription {
	switch e := event.(type) {
	case *subscriptionsv1.SubscriptionCreated:
		s = Subscription{
			ID:        e.GetSubscriptionId(),
			Owner:     e.GetOwnerOrgNumber(),
			Topic:     e.GetTopic(),
			CreatedAt: e.GetCreatedAt().AsTime(),
			Channel:   channelOf(e.GetChannel()),
		}
		for _, f := range e.GetFilters() {
			s.Filters = append(s.Filters, Filter{Parameter: f.GetParameter(), System: f.GetSystem(), Value: f.GetValue()})
		}
	case *subscriptionsv1.SubscriptionDeleted:
		s.Deleted = true
	}
	return s
}

func channelOf(c *subscriptionsv1.Channel) Channel {
	return Channel{
		Type:        c.GetType(),
		Endpoint:    c.GetEndpoint(),
		Content:     c.GetContent(),
		HeaderNames: append([]string(nil), c.GetHeaderNames()...),
		Heartbeat:   c.GetHeartbeatPeriod().AsDuration(),
		Timeout:     c.GetTimeout().AsDuration(),
	}
}
