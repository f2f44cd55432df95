package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// LiftObjection lifts an objection.
func (a *App) LiftObjection(ctx context.Context, c Caller, in domain.LiftObjection) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: patientOrTeam,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.By, in.At = c.Actor, now
			return domain.DecideLiftObjection(s, in)
		},
	})
}
