package fhirsub

import (
	"net/url"
	"strconv"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	parpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/parameters_go_proto"
	"github.com/google/uuid"

	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// Renderer renders notifications as subscription-notification Bundles.
type Renderer struct {
	Codec *fhirr4.Codec
	// Base is the FHIR base URL references are made absolute against
	// (https://host/fhir/R4); empty leaves them relative.
	Base string
}

// Render implements app.Renderer.
func (r Renderer) Render(n app.Notification) ([]byte, error) {
	b, err := r.Bundle(n)
	if err != nil {
		return nil, err
	}
	return r.Codec.Marshal(b)
}

// Bundle is a notification (or a $events answer) as a history Bundle whose
// first entry is the subscription's status, as the IG's R4 profile has it.
func (r Renderer) Bundle(n app.Notification) (*bcrpb.Bundle, error) {
	status, err := fhirr4.Contain(r.Status(n))
	if err != nil {
		return nil, err
	}
	b := &bcrpb.Bundle{
		Id:        fhirr4.ID(n.ID),
		Meta:      &dpb.Meta{Profile: []*dpb.Canonical{{Value: ProfileNotification}}},
		Type:      &bcrpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_HISTORY},
		Timestamp: fhirr4.Instant(n.At),
		Entry: []*bcrpb.Bundle_Entry{{
			FullUrl:  fhirr4.URI("urn:uuid:" + statusID(n.ID)),
			Resource: status,
			Request:  get(r.ref("Subscription", n.Subscription.ID) + "/$status"),
			Response: &bcrpb.Bundle_Entry_Response{Status: fhirr4.String("200")},
		}},
	}
	for _, ev := range n.Events {
		if ev.Task == nil {
			continue
		}
		task, err := fhirr4.Contain(ev.Task.Task())
		if err != nil {
			return nil, err
		}
		entry := &bcrpb.Bundle_Entry{
			Resource: task,
			Request:  get("Task/" + ev.ReferralID),
			Response: &bcrpb.Bundle_Entry_Response{Status: fhirr4.String("200")},
		}
		if r.Base != "" {
			entry.FullUrl = fhirr4.URI(r.ref("Task", ev.ReferralID))
		}
		b.Entry = append(b.Entry, entry)
	}
	return b, nil
}

// StatusBundle is the $status answer: a searchset holding the status.
func (r Renderer) StatusBundle(n app.Notification) (*bcrpb.Bundle, error) {
	status, err := fhirr4.Contain(r.Status(n))
	if err != nil {
		return nil, err
	}
	return &bcrpb.Bundle{
		Id:        fhirr4.ID(n.ID),
		Type:      &bcrpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_SEARCHSET},
		Timestamp: fhirr4.Instant(n.At),
		Total:     &dpb.UnsignedInt{Value: 1},
		Entry: []*bcrpb.Bundle_Entry{{
			FullUrl:  fhirr4.URI("urn:uuid:" + statusID(n.ID)),
			Resource: status,
			Search:   &bcrpb.Bundle_Entry_Search{Mode: &bcrpb.Bundle_Entry_Search_ModeCode{Value: cpb.SearchEntryModeCode_MATCH}},
		}},
	}, nil
}

// Status is the subscription status Parameters (backport-subscription-status-r4).
func (r Renderer) Status(n app.Notification) *parpb.Parameters {
	p := &parpb.Parameters{
		Id:   fhirr4.ID(statusID(n.ID)),
		Meta: &dpb.Meta{Profile: []*dpb.Canonical{{Value: ProfileStatus}}},
		Parameter: []*parpb.Parameters_Parameter{
			param("subscription", &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_Reference{
				Reference: r.reference("Subscription", n.Subscription.ID),
			}}),
			param("topic", &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_Canonical{
				Canonical: &dpb.Canonical{Value: domain.Topic},
			}}),
			codeParam("status", string(n.Status)),
			codeParam("type", string(n.Kind)),
			stringParam("events-since-subscription-start", strconv.FormatUint(n.EventsSinceStart, 10)),
		},
	}
	for _, ev := range n.Events {
		event := &parpb.Parameters_Parameter{
			Name: fhirr4.String("notification-event"),
			Part: []*parpb.Parameters_Parameter{
				stringParam("event-number", strconv.FormatUint(ev.Number, 10)),
				param("timestamp", &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_Instant{
					Instant: fhirr4.Instant(ev.At),
				}}),
				param("focus", &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_Reference{
					Reference: r.reference("Task", ev.ReferralID),
				}}),
			},
		}
		p.Parameter = append(p.Parameter, event)
	}
	if n.Error != "" {
		p.Parameter = append(p.Parameter, param("error", &parpb.Parameters_Parameter_ValueX{
			Choice: &parpb.Parameters_Parameter_ValueX_CodeableConcept{CodeableConcept: fhirr4.Coded(SubscriptionErrorSystem, n.Error, "")},
		}))
	}
	return p
}

// reference is a reference to one of the server's resources, absolute when
// the base is known.
func (r Renderer) reference(resourceType, id string) *dpb.Reference {
	return &dpb.Reference{Reference: &dpb.Reference_Uri{Uri: fhirr4.String(r.ref(resourceType, id))}}
}

func (r Renderer) ref(resourceType, id string) string {
	if r.Base == "" {
		return resourceType + "/" + id
	}
	u, err := url.Parse(r.Base)
	if err != nil {
		return resourceType + "/" + id
	}
	return u.JoinPath(resourceType, id).String()
}

// statusID is the id of a notification's status Parameters.
func statusID(notificationID string) string {
	space, err := uuid.Parse(notificationID)
	if err != nil {
		space = uuid.NameSpaceOID
	}
	return uuid.NewSHA1(space, []byte("status")).String()
}

func get(u string) *bcrpb.Bundle_Entry_Request {
	return &bcrpb.Bundle_Entry_Request{
		Method: &bcrpb.Bundle_Entry_Request_MethodCode{Value: cpb.HTTPVerbCode_GET},
		Url:    fhirr4.URI(u),
	}
}

func param(name string, v *parpb.Parameters_Parameter_ValueX) *parpb.Parameters_Parameter {
	return &parpb.Parameters_Parameter{Name: fhirr4.String(name), Value: v}
}

func codeParam(name, code string) *parpb.Parameters_Parameter {
	return param(name, &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_Code{Code: &dpb.Code{Value: code}}})
}

func stringParam(name, s string) *parpb.Parameters_Parameter {
	return param(name, &parpb.Parameters_Parameter_ValueX{Choice: &parpb.Parameters_Parameter_ValueX_StringValue{StringValue: fhirr4.String(s)}})
}
