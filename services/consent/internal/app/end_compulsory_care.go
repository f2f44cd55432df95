package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// EndCompulsoryCare ends an episode of compulsory care.
func (a *App) EndCompulsoryCare(ctx context.Context, c Caller, in domain.EndCompulsoryCare) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: professionalWithAccess,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.By, in.At = c.Actor, now
			return domain.DecideEndCompulsoryCare(s, in)
		},
	})
}
