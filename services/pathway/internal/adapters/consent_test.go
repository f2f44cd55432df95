package adapters_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/pathway/internal/adapters"
)

// fakeConsent answers GetLegalStatus only; any other call panics, which
// would mean the adapter asks for more than it needs.
type fakeConsent struct {
	consentv1.ConsentServiceClient
	resp *consentv1.GetLegalStatusResponse
	err  error
}

func (f fakeConsent) GetLegalStatus(context.Context, *consentv1.GetLegalStatusRequest, ...grpc.CallOption) (*consentv1.GetLegalStatusResponse, error) {
	return f.resp, f.err
}

func capacity(d consentv1.CapacityDomain, decides bool) *consentv1.CapacityStatus {
	return &consentv1.CapacityStatus{Domain: d, PatientDecides: decides}
}

func TestLegalStatusReadsMedicationCapacityAndCompulsoryCare(t *testing.T) {
	tests := []struct {
		name           string
		ls             *consentv1.LegalStatus
		wantCapacity   bool
		wantCompulsory bool
	}{
		{"capacity in the medication domain", &consentv1.LegalStatus{Capacity: []*consentv1.CapacityStatus{
			capacity(consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT, false), capacity(consentv1.CapacityDomain_CAPACITY_DOMAIN_MEDICATION, true)}}, true, false},
		{"capacity only for treatment is not capacity for medication", &consentv1.LegalStatus{Capacity: []*consentv1.CapacityStatus{
			capacity(consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT, true), capacity(consentv1.CapacityDomain_CAPACITY_DOMAIN_MEDICATION, false)}}, false, false},
		{"no medication domain reported counts as lacking", &consentv1.LegalStatus{}, false, false},
		{"compulsory observation", &consentv1.LegalStatus{ActiveCompulsoryCare: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION}, false, true},
		{"an active episode", &consentv1.LegalStatus{CompulsoryCare: []*consentv1.CompulsoryCareEpisode{{Active: true}}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts, err := adapters.LegalStatusClient{Client: fakeConsent{resp: &consentv1.GetLegalStatusResponse{LegalStatus: tt.ls}}}.LegalStatus(t.Context(), "pt_x")
			if err != nil {
				t.Fatal(err)
			}
			if facts.MedicationCapacity != tt.wantCapacity || facts.CompulsoryCare != tt.wantCompulsory {
				t.Fatalf("facts %+v", facts)
			}
		})
	}
}

func TestLegalStatusThatCannotBeReadIsUnavailableNeverAGuess(t *testing.T) {
	for _, f := range []fakeConsent{
		{err: status.Error(codes.Unavailable, "connection refused")},
		{err: status.Error(codes.PermissionDenied, "scope")},
		{resp: &consentv1.GetLegalStatusResponse{}},
	} {
		_, err := adapters.LegalStatusClient{Client: f}.LegalStatus(t.Context(), "pt_x")
		if !errors.Is(err, errs.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	}
}
