package subscriptionstest

import (
	"encoding/json"
	"fmt"
)

// Spec is a Subscription to post.
type Spec struct {
	// Filter is a backport-filter-criteria, e.g. OwnedBy(org).
	Filter string
	// Endpoint is the rest-hook URL; empty for AMQP and NATS.
	Endpoint string
	// Channel is "rest-hook" (default), "amqp" or "nats".
	Channel string
	// Content is "id-only" (default) or "full-resource".
	Content string
	Headers []string
	// Heartbeat is the heartbeat period in seconds, 0 for none.
	Heartbeat int
	// Timeout is the backport-timeout in seconds, 0 for the server's default.
	Timeout int
}

const backport = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"

// OwnedBy is the filter on Tasks an organisation's units hold.
func OwnedBy(org string) string {
	return "Task?owner:identifier=urn:oid:2.16.578.1.12.4.1.4.101|" + org
}

// SentBy is the filter on Tasks an organisation sent.
func SentBy(org string) string {
	return "Task?requester:identifier=urn:oid:2.16.578.1.12.4.1.4.101|" + org
}

// JSON is the Subscription resource, as an engine would post it.
func (s Spec) JSON() []byte {
	content := s.Content
	if content == "" {
		content = "id-only"
	}
	channel := map[string]any{
		"type":     "rest-hook",
		"payload":  "application/fhir+json",
		"_payload": map[string]any{"extension": []any{map[string]any{"url": backport + "backport-payload-content", "valueCode": content}}},
	}
	switch s.Channel {
	case "amqp", "nats":
		channel["type"] = "message"
		channel["_type"] = map[string]any{"extension": []any{map[string]any{
			"url":         backport + "backport-channel-type",
			"valueCoding": map[string]any{"system": "https://stafett.no/fhir/CodeSystem/subscription-channel-type", "code": s.Channel},
		}}}
	}
	if s.Endpoint != "" {
		channel["endpoint"] = s.Endpoint
	}
	if len(s.Headers) > 0 {
		channel["header"] = s.Headers
	}
	var ext []any
	if s.Heartbeat > 0 {
		ext = append(ext, map[string]any{"url": backport + "backport-heartbeat-period", "valueUnsignedInt": s.Heartbeat})
	}
	if s.Timeout > 0 {
		ext = append(ext, map[string]any{"url": backport + "backport-timeout", "valueUnsignedInt": s.Timeout})
	}
	if len(ext) > 0 {
		channel["extension"] = ext
	}
	body, err := json.Marshal(map[string]any{
		"resourceType": "Subscription",
		"status":       "requested",
		"reason":       "Referral status for our integration engine",
		"criteria":     "https://stafett.no/fhir/SubscriptionTopic/referral-status",
		"_criteria":    map[string]any{"extension": []any{map[string]any{"url": backport + "backport-filter-criteria", "valueString": s.Filter}}},
		"channel":      channel,
	})
	if err != nil {
		panic(fmt.Sprintf("subscriptionstest: %v", err))
	}
	return body
}
