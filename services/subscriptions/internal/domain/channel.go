package domain

import subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"

const (
	// FeedSubjects matches every NATS subscription's subject.
	FeedSubjects    = feedSubjectRoot + ".>"
	feedSubjectRoot = "stafett.feeds"
	// amqpQueuePrefix names each AMQP subscription's durable queue.
	amqpQueuePrefix = "stafett.notifications."
)

// FeedSubject is where a NATS subscription's notifications go.
func FeedSubject(subscriptionID string) string { return feedSubjectRoot + "." + subscriptionID }

// AMQPQueue is the durable queue an AMQP subscription's notifications go to.
func AMQPQueue(subscriptionID string) string { return amqpQueuePrefix + subscriptionID }

// Endpoint is where a subscription's notifications go, as its Subscription shows it.
func Endpoint(s Subscription) string {
	switch s.Channel.Type {
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP:
		return "amqp:" + AMQPQueue(s.ID)
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS:
		return "nats:" + FeedSubject(s.ID)
	}
	return s.Channel.Endpoint
}
