package adapters

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"

	wmamqp "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	wmhttp "github.com/ThreeDotsLabs/watermill-http/v2/pkg/http"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// ContentType is every notification's media type.
const ContentType = "application/fhir+json"

// FeedStream holds the NATS channel's notifications, one subject per subscription.
const FeedStream = "STAFETT_FEEDS"

// ChannelsConfig configures the channels.
type ChannelsConfig struct {
	JetStream jetstream.JetStream
	Replicas  int
	// Retention of the NATS channel's stream; default 7 days.
	Retention time.Duration
	// AMQPURL is the RabbitMQ the AMQP channel publishes to; empty turns
	// the channel off (AMQP subscriptions then fail to deliver, visibly).
	AMQPURL string
	Policy  domain.EndpointPolicy
	Secrets *Secrets
	Logger  *slog.Logger
}

// Channels sends notifications: rest-hooks through watermill-http, AMQP
// through watermill-amqp, NATS through watermill-nats.
type Channels struct {
	http    *wmhttp.Publisher
	nats    message.Publisher
	amqp    *amqpChannel
	secrets *Secrets
}

// OpenChannels prepares every channel. The AMQP connection is made on first
// use, so a broker that is down delays AMQP deliveries and nothing else.
func OpenChannels(ctx context.Context, cfg ChannelsConfig) (*Channels, error) {
	if cfg.Retention == 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	wlog := eventrouter.Logger(cfg.Logger)
	hook, err := wmhttp.NewPublisher(wmhttp.PublisherConfig{
		MarshalMessageFunc: restHookRequest(cfg.Secrets),
		Client:             SafeClient(cfg.Policy),
		// A receiver's error page may echo what it was sent.
		DoNotLogResponseBodyOnServerError: true,
	}, wlog)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: rest-hook publisher: %w", err)
	}
	if _, err := eventstore.EnsureStream(ctx, cfg.JetStream, jetstream.StreamConfig{
		Name:        FeedStream,
		Description: "Stafett notifications for integration engines on NATS, one subject per subscription",
		Subjects:    []string{domain.FeedSubjects},
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.Retention,
		Duplicates:  2 * time.Minute,
	}); err != nil {
		return nil, fmt.Errorf("subscriptions: feed stream: %w", err)
	}
	natsPub, err := eventrouter.NewPublisher(cfg.JetStream, wlog)
	if err != nil {
		return nil, err
	}
	return &Channels{http: hook, nats: natsPub, amqp: &amqpChannel{url: cfg.AMQPURL, logger: cfg.Logger}, secrets: cfg.Secrets}, nil
}

// Close drops the AMQP connection.
func (c *Channels) Close() error { return c.amqp.close() }

// Send delivers one notification and returns once the receiver took it: a
// 2xx from a rest-hook, a broker confirm from RabbitMQ, a stream ack from
// JetStream.
func (c *Channels) Send(ctx context.Context, s domain.Subscription, out app.Outgoing) error {
	ctx, cancel := context.WithTimeout(ctx, s.Channel.Timeout)
	defer cancel()
	msg := message.NewMessage(out.ID, out.Body)
	msg.SetContext(ctx)
	switch s.Channel.Type {
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_REST_HOOK:
		msg.Metadata.Set(metaSubscription, s.ID)
		return c.http.Publish(s.Channel.Endpoint, msg)
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP:
		msg.Metadata.Set(metaCorrelation, out.CorrelationID)
		return c.amqp.send(domain.AMQPQueue(s.ID), msg)
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS:
		msg.Metadata.Set(nats.MsgIdHdr, out.ID)
		msg.Metadata.Set("Content-Type", ContentType)
		return c.nats.Publish(domain.FeedSubject(s.ID), msg)
	}
	return fmt.Errorf("subscriptions: channel type %v", s.Channel.Type)
}

const (
	metaSubscription = "subscription"
	metaCorrelation  = "correlation"
)

// restHookRequest frames a notification as the POST a receiver expects,
// with the subscription's own headers (read from the secret store at send
// time, so a deleted subscription's credentials are gone for good).
func restHookRequest(secrets *Secrets) wmhttp.MarshalMessageFunc {
	return func(url string, msg *message.Message) (*http.Request, error) {
		req, err := http.NewRequestWithContext(msg.Context(), http.MethodPost, url, bytes.NewReader(msg.Payload))
		if err != nil {
			return nil, err
		}
		headers, err := secrets.Get(msg.Context(), msg.Metadata.Get(metaSubscription))
		if err != nil {
			return nil, err
		}
		for name, value := range headers {
			req.Header.Set(name, value)
		}
		req.Header.Set("Content-Type", ContentType)
		return req, nil
	}
}

// SafeClient is the HTTP client rest-hooks go through. It checks every
// address it connects to (after resolution, so DNS cannot swap in a
// metadata or link-local address between the subscription's creation and a
// delivery), uses no proxy from the environment (the proxy, not the
// endpoint, would be the address checked), and follows no redirects.
func SafeClient(p domain.EndpointPolicy) *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			a, err := netip.ParseAddr(host)
			if err != nil {
				return fmt.Errorf("%w: %s", domain.ErrEndpointRefused, host)
			}
			return domain.CheckAddress(a, p)
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return app.ErrRedirect },
	}
}

// amqpChannel publishes to a durable queue per subscription through the
// default exchange, waiting for the broker's confirm.
type amqpChannel struct {
	url    string
	logger *slog.Logger

	mu       sync.Mutex
	pub      *wmamqp.Publisher
	declared map[string]bool
}

func (a *amqpChannel) send(queue string, msg *message.Message) error {
	pub, err := a.publisher(queue)
	if err != nil {
		return err
	}
	if err := pub.Publish(queue, msg); err != nil {
		return fmt.Errorf("subscriptions: AMQP publish: %w", err)
	}
	return nil
}

// publisher connects on first use and declares the queue once, so
// notifications wait in RabbitMQ until the engine reads them.
func (a *amqpChannel) publisher(queue string) (*wmamqp.Publisher, error) {
	if a.url == "" {
		return nil, app.ErrChannelOff
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pub == nil {
		cfg := wmamqp.NewDurableQueueConfig(a.url)
		cfg.Publish.ConfirmDelivery = true
		cfg.Publish.Mandatory = true
		cfg.Marshaler = amqpMarshaler{}
		pub, err := wmamqp.NewPublisher(cfg, eventrouter.Logger(a.logger))
		if err != nil {
			return nil, fmt.Errorf("subscriptions: AMQP: %w", err)
		}
		a.pub, a.declared = pub, map[string]bool{}
	}
	if !a.declared[queue] {
		ch, err := a.pub.Connection().Channel()
		if err != nil {
			return nil, fmt.Errorf("subscriptions: AMQP channel: %w", err)
		}
		_, err = ch.QueueDeclare(queue, true, false, false, false, nil)
		_ = ch.Close()
		if err != nil {
			return nil, fmt.Errorf("subscriptions: AMQP queue: %w", err)
		}
		a.declared[queue] = true
	}
	return a.pub, nil
}

func (a *amqpChannel) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pub == nil {
		return nil
	}
	err := a.pub.Close()
	a.pub = nil
	return err
}

// amqpMarshaler puts the notification id and the correlation id where AMQP
// consumers look for them, and keeps messages persistent.
type amqpMarshaler struct{}

func (amqpMarshaler) Marshal(msg *message.Message) (amqp.Publishing, error) {
	return amqp.Publishing{
		MessageId:     msg.UUID,
		CorrelationId: msg.Metadata.Get(metaCorrelation),
		ContentType:   ContentType,
		DeliveryMode:  amqp.Persistent,
		Timestamp:     time.Now().UTC(),
		Body:          msg.Payload,
	}, nil
}

func (amqpMarshaler) Unmarshal(d amqp.Delivery) (*message.Message, error) {
	msg := message.NewMessage(d.MessageId, d.Body)
	msg.Metadata.Set(metaCorrelation, d.CorrelationId)
	return msg, nil
}
