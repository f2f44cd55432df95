// Package fhirr4 is what every FHIR R4 edge of the suite shares: JSON in and
// out through github.com/google/fhir/go (R4 protos and jsonformat), the
// Norwegian identifier systems, OperationOutcome errors, the Task a referral
// is rendered as, and the HTTP router mounted at /fhir/R4/ that further
// resource handlers (subscriptions) plug into.
//
// google/fhir was chosen over samply/golang-fhir-models because its parser
// validates what the R4 JSON rules require (codes, dates, references, unknown
// elements, required elements) and reports each problem with the FHIR path
// of the element, which is what an OperationOutcome needs; its resources are
// protobuf messages like the rest of the suite's data; and it marshals
// deterministically. The samply structs decode with encoding/json, which
// silently drops unknown elements and checks no primitive formats.
package fhirr4

import (
	"fmt"
	"net/http"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Codec parses and renders R4 JSON. It is safe for concurrent use.
type Codec struct {
	unmarshaller *jsonformat.Unmarshaller
	marshaller   *jsonformat.Marshaller
}

// maxNesting bounds how deep a posted resource may nest, so a hostile body
// cannot make the parser recurse without end.
const maxNesting = 64

// NewCodec returns a codec that reads dates without a zone in zone
// (Europe/Oslo for the suite).
func NewCodec(zone string) (*Codec, error) {
	u, err := jsonformat.NewUnmarshaller(zone, fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhirr4: unmarshaller: %w", err)
	}
	u.MaxNestingDepth = maxNesting
	m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhirr4: marshaller: %w", err)
	}
	return &Codec{unmarshaller: u, marshaller: m}, nil
}

// Parse reads one resource. A body that is not a valid R4 resource is an
// *Error (400) whose issues name each bad element.
func (c *Codec) Parse(body []byte) (*bcrpb.ContainedResource, error) {
	msg, outcome, err := c.unmarshaller.UnmarshalWithOutcome(body)
	if err != nil {
		// Structural failures (not JSON, no resourceType, unknown type) stop
		// the parser before it can report an element. Its message is not
		// passed on: it may quote the body, which carries national ids.
		return nil, NewError(http.StatusBadRequest, IssueStructure, "", "the body is not a FHIR R4 JSON resource")
	}
	e := &Error{Status: http.StatusBadRequest}
	for _, is := range outcome.R4Outcome.GetIssue() {
		if sev := is.GetSeverity().GetValue(); sev != cpb.IssueSeverityCode_ERROR && sev != cpb.IssueSeverityCode_FATAL {
			continue
		}
		expr := ""
		if len(is.GetExpression()) > 0 {
			expr = is.GetExpression()[0].GetValue()
		}
		e.Issues = append(e.Issues, Issue{Code: IssueStructure, Expression: expr, Diagnostics: is.GetDiagnostics().GetValue()})
	}
	if len(e.Issues) > 0 {
		return nil, e
	}
	cr, ok := msg.(*bcrpb.ContainedResource)
	if !ok {
		return nil, NewError(http.StatusBadRequest, IssueStructure, "", "not a FHIR R4 resource")
	}
	return cr, nil
}

// Marshal renders a resource (a *bcrpb.ContainedResource or any R4 resource
// message) as JSON.
func (c *Codec) Marshal(resource proto.Message) ([]byte, error) {
	if cr, ok := resource.(*bcrpb.ContainedResource); ok {
		return c.marshaller.Marshal(cr)
	}
	return c.marshaller.MarshalResource(resource)
}

// Contain wraps a resource message in a ContainedResource, the form Bundle
// entries and contained resources take.
func Contain(resource proto.Message) (*bcrpb.ContainedResource, error) {
	cr := &bcrpb.ContainedResource{}
	m := cr.ProtoReflect()
	oneof := m.Descriptor().Oneofs().ByName("oneof_resource")
	want := resource.ProtoReflect().Descriptor().FullName()
	fields := oneof.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.Message() != nil && f.Message().FullName() == want {
			m.Set(f, protoreflect.ValueOfMessage(resource.ProtoReflect()))
			return cr, nil
		}
	}
	return nil, fmt.Errorf("fhirr4: %s is not a resource", want)
}

// Unwrap returns the resource a ContainedResource holds, nil if none.
func Unwrap(cr *bcrpb.ContainedResource) proto.Message {
	if cr == nil {
		return nil
	}
	m := cr.ProtoReflect()
	f := m.WhichOneof(m.Descriptor().Oneofs().ByName("oneof_resource"))
	if f == nil {
		return nil
	}
	return m.Get(f).Message().Interface()
}

// ResourceType is the FHIR type name of a resource message ("Task").
func ResourceType(resource proto.Message) string {
	if cr, ok := resource.(*bcrpb.ContainedResource); ok {
		resource = Unwrap(cr)
		if resource == nil {
			return ""
		}
	}
	return string(resource.ProtoReflect().Descriptor().Name())
}
