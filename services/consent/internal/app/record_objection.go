package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// RecordObjection records the patient's objection to §25 sharing with someone.
func (a *App) RecordObjection(ctx context.Context, c Caller, in domain.RecordObjection) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: patientOrTeam,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.ObjectionID, in.By, in.At = newID, c.Actor, now
			return domain.DecideRecordObjection(s, in)
		},
	})
}
