package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// RevokeContactAfterEnd takes that permission back.
func (a *App) RevokeContactAfterEnd(ctx context.Context, c Caller, in domain.RevokeContactAfterEnd) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: patientOrTeam,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.By, in.At = c.Actor, now
			return domain.DecideRevokeContactAfterEnd(s, in)
		},
	})
}
