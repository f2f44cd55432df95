// Package fhirsub is the FHIR R4 form of subscriptions (Subscriptions R5
// Backport IG, topic-based): the Subscription resource read from and
// written to clients, and the subscription-notification Bundles that
// carry notifications, $status and $events answers. It renders and parses
// through pkg/fhirr4's codec (github.com/google/fhir).
package fhirsub

import (
	"net/http"
	"strings"
	"time"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	subpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/subscription_go_proto"

	"github.com/stafett/stafett/pkg/fhirr4"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// The Backport IG's definitions.
const (
	backport = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"
	// ProfileSubscription is the topic-based Subscription profile.
	ProfileSubscription = backport + "backport-subscription"
	// ProfileStatus is the Parameters profile of a subscription status.
	ProfileStatus = backport + "backport-subscription-status-r4"
	// ProfileNotification is the notification Bundle profile.
	ProfileNotification = backport + "backport-subscription-notification-r4"

	ExtFilterCriteria  = backport + "backport-filter-criteria"
	ExtPayloadContent  = backport + "backport-payload-content"
	ExtHeartbeatPeriod = backport + "backport-heartbeat-period"
	ExtTimeout         = backport + "backport-timeout"
	ExtChannelType     = backport + "backport-channel-type"

	// StatusOperation and EventsOperation are the IG's OperationDefinitions.
	StatusOperation = "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status"
	EventsOperation = "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events"

	// ChannelTypeSystem holds Stafett's custom channel types, amqp and nats,
	// named by a backport-channel-type extension on Subscription.channel.type.
	ChannelTypeSystem = fhirr4.CanonicalBase + "/CodeSystem/subscription-channel-type"
	// SubscriptionErrorSystem is where $status error codes come from.
	SubscriptionErrorSystem = fhirr4.CanonicalBase + "/CodeSystem/subscription-error"
)

// Parse reads a posted Subscription into a request. A body that is not a
// Subscription is an *fhirr4.Error naming what is wrong.
func Parse(codec *fhirr4.Codec, body []byte) (domain.Request, error) {
	cr, err := codec.Parse(body)
	if err != nil {
		return domain.Request{}, err
	}
	sub := cr.GetSubscription()
	if sub == nil {
		return domain.Request{}, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueInvalid, "", "the body is not a Subscription")
	}
	r := domain.Request{
		Status: strings.ToLower(strings.ReplaceAll(sub.GetStatus().GetValue().String(), "_", "-")),
		Topic:  sub.GetCriteria().GetValue(),
		HasEnd: sub.GetEnd() != nil,
	}
	for _, e := range sub.GetCriteria().GetExtension() {
		if e.GetUrl().GetValue() == ExtFilterCriteria {
			r.Filters = append(r.Filters, e.GetValue().GetStringValue().GetValue())
		}
	}
	ch := sub.GetChannel()
	r.Channel = domain.ChannelRequest{
		Type:     channelType(ch.GetType()),
		Endpoint: ch.GetEndpoint().GetValue(),
		Payload:  ch.GetPayload().GetValue(),
	}
	for _, e := range ch.GetPayload().GetExtension() {
		if e.GetUrl().GetValue() == ExtPayloadContent {
			r.Channel.Content = content(e.GetValue().GetCode().GetValue())
		}
	}
	for _, e := range ch.GetExtension() {
		switch e.GetUrl().GetValue() {
		case ExtHeartbeatPeriod:
			r.Channel.Heartbeat = time.Duration(e.GetValue().GetUnsignedInt().GetValue()) * time.Second
		case ExtTimeout:
			r.Channel.Timeout = time.Duration(e.GetValue().GetUnsignedInt().GetValue()) * time.Second
		}
	}
	for _, h := range ch.GetHeader() {
		r.Channel.Headers = append(r.Channel.Headers, h.GetValue())
	}
	return r, nil
}

func channelType(t *subpb.Subscription_Channel_TypeCode) domain.ChannelType {
	for _, e := range t.GetExtension() {
		if e.GetUrl().GetValue() != ExtChannelType {
			continue
		}
		c := e.GetValue().GetCoding()
		if c.GetSystem().GetValue() != ChannelTypeSystem {
			return subscriptionsv1.ChannelType_CHANNEL_TYPE_UNSPECIFIED
		}
		switch c.GetCode().GetValue() {
		case "amqp":
			return subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP
		case "nats":
			return subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS
		}
		return subscriptionsv1.ChannelType_CHANNEL_TYPE_UNSPECIFIED
	}
	if t.GetValue() == cpb.SubscriptionChannelTypeCode_REST_HOOK {
		return subscriptionsv1.ChannelType_CHANNEL_TYPE_REST_HOOK
	}
	return subscriptionsv1.ChannelType_CHANNEL_TYPE_UNSPECIFIED
}

func content(code string) domain.Content {
	switch code {
	case "id-only":
		return subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_ID_ONLY
	case "full-resource":
		return subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_FULL_RESOURCE
	}
	return subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_UNSPECIFIED
}

func contentCode(c domain.Content) string {
	if c == subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_FULL_RESOURCE {
		return "full-resource"
	}
	return "id-only"
}

var statusCodes = map[domain.Status]cpb.SubscriptionStatusCode_Value{
	domain.StatusRequested: cpb.SubscriptionStatusCode_REQUESTED,
	domain.StatusActive:    cpb.SubscriptionStatusCode_ACTIVE,
	domain.StatusError:     cpb.SubscriptionStatusCode_ERROR,
}

// Resource renders a subscription as its owner reads it. Header values are
// never echoed: they are the receiver's credentials, and only their names
// are kept outside the secret store.
func Resource(s domain.Subscription, d domain.Delivery, endpoint string) *subpb.Subscription {
	criteria := fhirr4.String(s.Topic)
	for _, f := range s.Filters {
		criteria.Extension = append(criteria.Extension, stringExtension(ExtFilterCriteria, f.String()))
	}
	ch := &subpb.Subscription_Channel{
		Type:    &subpb.Subscription_Channel_TypeCode{Value: cpb.SubscriptionChannelTypeCode_REST_HOOK},
		Payload: &subpb.Subscription_Channel_PayloadCode{Value: fhirr4.ContentType},
		Extension: []*dpb.Extension{
			{Url: fhirr4.URI(ExtTimeout), Value: &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_UnsignedInt{
				UnsignedInt: &dpb.UnsignedInt{Value: uint32(s.Channel.Timeout / time.Second)},
			}}},
		},
	}
	if endpoint != "" {
		ch.Endpoint = &dpb.Url{Value: endpoint}
	}
	ch.Payload.Extension = []*dpb.Extension{{Url: fhirr4.URI(ExtPayloadContent), Value: &dpb.Extension_ValueX{
		Choice: &dpb.Extension_ValueX_Code{Code: &dpb.Code{Value: contentCode(s.Channel.Content)}},
	}}}
	if s.Channel.Heartbeat > 0 {
		ch.Extension = append(ch.Extension, &dpb.Extension{Url: fhirr4.URI(ExtHeartbeatPeriod), Value: &dpb.Extension_ValueX{
			Choice: &dpb.Extension_ValueX_UnsignedInt{UnsignedInt: &dpb.UnsignedInt{Value: uint32(s.Channel.Heartbeat / time.Second)}},
		}})
	}
	if code := customChannel(s.Channel.Type); code != "" {
		ch.Type.Value = cpb.SubscriptionChannelTypeCode_MESSAGE
		ch.Type.Extension = []*dpb.Extension{{Url: fhirr4.URI(ExtChannelType), Value: &dpb.Extension_ValueX{
			Choice: &dpb.Extension_ValueX_Coding{Coding: &dpb.Coding{System: fhirr4.URI(ChannelTypeSystem), Code: &dpb.Code{Value: code}}},
		}}}
	}
	out := &subpb.Subscription{
		Id:       fhirr4.ID(s.ID),
		Meta:     &dpb.Meta{Profile: []*dpb.Canonical{{Value: ProfileSubscription}}},
		Status:   &subpb.Subscription_StatusCode{Value: statusCodes[d.Status]},
		Reason:   fhirr4.String("Status of the referrals the organisation sent or receives"),
		Criteria: criteria,
		Channel:  ch,
	}
	if d.Status == domain.StatusError && d.LastError != "" {
		out.Error = fhirr4.String(d.LastError)
	}
	return out
}

func customChannel(t domain.ChannelType) string {
	switch t {
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP:
		return "amqp"
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS:
		return "nats"
	}
	return ""
}

func stringExtension(url, v string) *dpb.Extension {
	return &dpb.Extension{Url: fhirr4.URI(url), Value: &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_StringValue{StringValue: fhirr4.String(v)}}}
}
