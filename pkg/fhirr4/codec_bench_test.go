package fhirr4_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/fhirr4"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// BenchmarkParseServiceRequest is what reading one posted referral costs
// the FHIR library: parsing, primitive checks and validation.
func BenchmarkParseServiceRequest(b *testing.B) {
	s, _, err := fhirr4.NewTaskState(referralID).Apply(commit(b, "referral", referralID, 1, received(referralv1.Urgency_URGENCY_URGENT, false)))
	if err != nil {
		b.Fatal(err)
	}
	c := newCodec(b)
	raw, err := c.Marshal(proto.Message(s.ServiceRequest()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
