package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// WithdrawConsent withdraws a consent; from then on it permits nothing.
func (a *App) WithdrawConsent(ctx context.Context, c Caller, in domain.WithdrawConsent) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: patientOrTeam,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.By, in.At = c.Actor, now
			return domain.DecideWithdrawConsent(s, in)
		},
	})
}
