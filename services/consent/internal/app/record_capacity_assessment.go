package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/consent/internal/domain"
)

// RecordCapacityAssessment records an assessment of capacity to consent in one domain.
func (a *App) RecordCapacityAssessment(ctx context.Context, c Caller, in domain.RecordCapacityAssessment) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: professionalWithAccess,
		decide: func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error) {
			in.AssessmentID, in.By, in.At = newID, c.Actor, now
			return domain.DecideRecordCapacityAssessment(s, in)
		},
	})
}
