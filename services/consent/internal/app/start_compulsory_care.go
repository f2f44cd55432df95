package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// StartCompulsoryCare records compulsory observation (§3-2) or care (§3-3).
func (a *App) StartCompulsoryCare(ctx context.Context, c Caller, in domain.StartCompulsoryCare) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: professionalWithAccess,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.EpisodeID, in.By, in.At = newID, c.Actor, now
			return domain.DecideStartCompulsoryCare(s, in)
		},
	})
}
