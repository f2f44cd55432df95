package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// RegisterRepresentative registers a parent or guardian.
func (a *App) RegisterRepresentative(ctx context.Context, c Caller, in domain.RegisterRepresentative) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: professionalWithAccess,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.RepresentativeID, in.By, in.At = newID, c.Actor, now
			return domain.DecideRegisterRepresentative(s, in, a.policy)
		},
	})
}
