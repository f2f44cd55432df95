package domain

import (
	"net/textproto"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// Limits on a channel's timing.
const (
	DefaultTimeout = 10 * time.Second
	MaxTimeout     = 60 * time.Second
	// MinHeartbeat keeps a subscriber from asking for a notification a second.
	MinHeartbeat = 10 * time.Second
)

// Request is a Subscription as a client asked for it, read from FHIR but
// not yet checked. Field names in errors are FHIR paths.
type Request struct {
	Status  string
	Topic   string
	Filters []string
	// HasEnd is whether Subscription.end was given.
	HasEnd  bool
	Channel ChannelRequest
}

// ChannelRequest is Subscription.channel as asked for.
type ChannelRequest struct {
	Type     ChannelType
	Endpoint string
	// Payload is channel.payload, the MIME type.
	Payload string
	Content Content
	// Headers are channel.header, "Name: value" each.
	Headers   []string
	Heartbeat time.Duration
	// Timeout is zero when not asked for.
	Timeout time.Duration
}

// Create is a checked request, ready to decide.
type Create struct {
	ID      string
	Owner   string
	Filters []Filter
	Channel Channel
	// Secrets are the header values, by header name.
	Secrets map[string]string
	At      time.Time
}

// Field paths of a Subscription.
const (
	FieldStatus   = "Subscription.status"
	FieldCriteria = "Subscription.criteria"
	FieldFilter   = "Subscription.criteria.extension"
	FieldEnd      = "Subscription.end"
	FieldType     = "Subscription.channel.type"
	FieldEndpoint = "Subscription.channel.endpoint"
	FieldPayload  = "Subscription.channel.payload"
	FieldContent  = "Subscription.channel.payload.extension"
	FieldHeader   = "Subscription.channel.header"
	FieldChannel  = "Subscription.channel.extension"
)

// Check validates a request from the subscriber's organisation and turns
// it into a command. The rest-hook's addresses are checked separately
// (CheckAddresses), since resolving a name is not pure.
func Check(r Request, id, owner string, at time.Time, p EndpointPolicy) (Create, error) {
	var v errs.Validation
	if r.Status != "requested" && r.Status != "active" {
		v.Add(FieldStatus, "a new subscription is requested")
	}
	if r.Topic != Topic {
		v.Add(FieldCriteria, "must be the topic "+Topic)
	}
	if r.HasEnd {
		v.Add(FieldEnd, "is not supported: delete the subscription to end it")
	}
	cmd := Create{ID: id, Owner: owner, At: at, Secrets: map[string]string{}}
	for _, raw := range r.Filters {
		fs, err := ParseFilter(raw, owner)
		if err != nil {
			v.Add(FieldFilter, err.Error())
			continue
		}
		cmd.Filters = append(cmd.Filters, fs...)
	}
	if len(r.Filters) == 0 {
		v.Add(FieldFilter, "a backport-filter-criteria naming the subscriber's own organisation or unit is required")
	}
	cmd.Channel = checkChannel(&v, r.Channel, p)
	for _, h := range r.Channel.Headers {
		name, value, ok := strings.Cut(h, ":")
		name = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name))
		switch {
		case !ok || !validHeaderName(name):
			v.Add(FieldHeader, "takes \"Name: value\"")
		case reservedHeader(name):
			v.Add(FieldHeader, "header "+name+" is set by the suite")
		case cmd.Secrets[name] != "":
			v.Add(FieldHeader, "header "+name+" is given twice")
		default:
			cmd.Secrets[name] = strings.TrimSpace(value)
			cmd.Channel.HeaderNames = append(cmd.Channel.HeaderNames, name)
		}
	}
	if len(r.Channel.Headers) > 0 && (r.Channel.Type == subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP || r.Channel.Type == subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS) {
		v.Add(FieldHeader, "headers are sent only on rest-hooks")
	}
	slices.Sort(cmd.Channel.HeaderNames)
	if err := v.Err(); err != nil {
		return Create{}, err
	}
	return cmd, nil
}

func checkChannel(v *errs.Validation, c ChannelRequest, p EndpointPolicy) Channel {
	ch := Channel{Type: c.Type, Content: c.Content, Heartbeat: c.Heartbeat, Timeout: c.Timeout}
	switch c.Type {
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_REST_HOOK:
		if u, err := ParseEndpoint(c.Endpoint, p); err != nil {
			v.Add(FieldEndpoint, err.Error())
		} else {
			ch.Endpoint = u.String()
		}
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP, subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS:
		// The suite's own broker and a destination it names: a subscriber
		// cannot point the suite at another host, or at another's queue.
		if c.Endpoint != "" {
			v.Add(FieldEndpoint, "is chosen by the suite for AMQP and NATS channels; leave it out")
		}
	default:
		v.Add(FieldType, "rest-hook, or the custom channel type amqp or nats")
	}
	if c.Payload != "application/fhir+json" && c.Payload != "application/json" {
		v.Add(FieldPayload, "notifications are application/fhir+json")
	}
	if c.Content != subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_ID_ONLY && c.Content != subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_FULL_RESOURCE {
		v.Add(FieldContent, "backport-payload-content id-only or full-resource is required")
	}
	if c.Heartbeat != 0 && c.Heartbeat < MinHeartbeat {
		v.Add(FieldChannel, "backport-heartbeat-period is at least 10 seconds")
	}
	switch {
	case c.Timeout == 0:
		ch.Timeout = DefaultTimeout
	case c.Timeout < 0 || c.Timeout > MaxTimeout:
		v.Add(FieldChannel, "backport-timeout is at most 60 seconds")
	}
	return ch
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// reservedHeader: the suite frames the request and says what it carries.
func reservedHeader(name string) bool {
	switch name {
	case "Host", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Te", "Trailer",
		"Upgrade", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection":
		return true
	}
	return strings.HasPrefix(name, "Stafett-")
}

// DecideCreate creates the subscription. A retry of the same creation (the
// id is derived from the request) changes nothing.
func DecideCreate(s Subscription, cmd Create) ([]proto.Message, error) {
	if s.Exists() {
		return nil, nil
	}
	e := &subscriptionsv1.SubscriptionCreated{
		SubscriptionId: cmd.ID,
		OwnerOrgNumber: cmd.Owner,
		Topic:          Topic,
		Channel: &subscriptionsv1.Channel{
			Type:        cmd.Channel.Type,
			Endpoint:    cmd.Channel.Endpoint,
			Content:     cmd.Channel.Content,
			HeaderNames: cmd.Channel.HeaderNames,
			Timeout:     durationpb.New(cmd.Channel.Timeout),
		},
		CreatedAt: timestamppb.New(cmd.At),
	}
	if cmd.Channel.Heartbeat > 0 {
		e.Channel.HeartbeatPeriod = durationpb.New(cmd.Channel.Heartbeat)
	}
	for _, f := range cmd.Filters {
		e.Filters = append(e.Filters, &subscriptionsv1.Filter{Parameter: f.Parameter, System: f.System, Value: f.Value})
	}
	return []proto.Message{e}, nil
}

// DecideDelete ends a subscription its owner holds; to anyone else, and
// once it is deleted, it does not exist.
func DecideDelete(s Subscription, org string, at time.Time) ([]proto.Message, error) {
	if !s.VisibleTo(org) {
		return nil, errs.NotFound("subscription")
	}
	return []proto.Message{&subscriptionsv1.SubscriptionDeleted{SubscriptionId: s.ID, DeletedAt: timestamppb.New(at)}}, nil
}
