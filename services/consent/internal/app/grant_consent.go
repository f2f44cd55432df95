package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// GrantConsent records a consent (§22) the patient gives; a professional may record it for them.
func (a *App) GrantConsent(ctx context.Context, c Caller, in domain.GrantConsent) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: patientOrTeam,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.ConsentID, in.By, in.At = newID, c.Actor, now
			return domain.DecideGrantConsent(s, in)
		},
	})
}
