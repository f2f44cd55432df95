package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// UseEmergencyAccess opens time-boxed emergency access with a stated reason; it is logged and listed for review.
func (a *App) UseEmergencyAccess(ctx context.Context, c Caller, in domain.UseEmergencyAccess) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: anyHealthPersonnel,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.AccessID, in.By, in.At = newID, c.Actor, now
			return domain.DecideUseEmergencyAccess(s, in, a.policy)
		},
	})
}
