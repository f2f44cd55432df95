package suite

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/access"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/continuity"
)

func buildContinuity(ctx context.Context, s *Suite, d deps) (service, error) {
	svc, err := continuity.New(ctx, continuity.Config{
		Store: d.store, Guard: d.guard, Consent: continuityConsent{consentv1.NewConsentServiceClient(d.peers)},
		Clock: d.clock, IDs: d.ids, Pseudonyms: d.pseudonyms, Zone: d.zone,
		Logger: d.logger.With("service", "continuity"),
	})
	if err != nil {
		return nil, err
	}
	s.Continuity = svc
	return svc, nil
}

// continuityConsent records in the consent service what the patient decided
// in the continuity service, over gRPC with the suite's service identity.
type continuityConsent struct {
	client consentv1.ConsentServiceClient
}

func (c continuityConsent) WithdrawConsent(ctx context.Context, by access.Actor, patientID, consentID, requestID string) error {
	_, err := c.client.WithdrawConsent(ctx, &consentv1.WithdrawConsentRequest{
		RequestId: requestID, PatientId: patientID, ConsentId: consentID, OnBehalfOf: onBehalfOf(by),
	})
	return consentOutcome(err)
}

func (c continuityConsent) PermitContactAfterEnd(ctx context.Context, by access.Actor, patientID, professionalID, requestID string) error {
	_, err := c.client.PermitContactAfterEnd(ctx, &consentv1.PermitContactAfterEndRequest{
		RequestId: requestID, PatientId: patientID, ProfessionalId: professionalID, OnBehalfOf: onBehalfOf(by),
	})
	return consentOutcome(err)
}

func onBehalfOf(a access.Actor) *eventsv1.Actor {
	return &eventsv1.Actor{ProfessionalId: a.ProfessionalID, OrgNumber: a.OrgNumber, PatientId: a.PatientID, Role: string(a.Role)}
}

// consentOutcome treats "already so" as done — the patient's wish holds —
// and describes anything else by its status code only: the reason goes back
// to the caller and into logs, so it must not carry the consent service's
// free-text message.
func consentOutcome(err error) error {
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.FailedPrecondition, codes.AlreadyExists:
		return nil
	case codes.PermissionDenied, codes.Unauthenticated:
		return fmt.Errorf("the consent service does not let this service record it for the patient (%s)", status.Code(err))
	case codes.NotFound:
		return fmt.Errorf("the consent service does not know the consent or the patient (%s)", status.Code(err))
	default:
		return fmt.Errorf("the consent service could not be reached (%s)", status.Code(err))
	}
}
