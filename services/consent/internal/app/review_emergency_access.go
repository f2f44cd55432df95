package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// ReviewEmergencyAccess records a reviewer's verdict on an emergency access.
// Emergency access is reviewed where it was used: by health personnel of the
// organisation whose professional opened it (never that professional).
func (a *App) ReviewEmergencyAccess(ctx context.Context, c Caller, in domain.ReviewEmergencyAccess) (string, error) {
	return a.run(ctx, command{
		caller: c, patientID: in.PatientID, requestID: in.RequestID, rule: anyHealthPersonnel,
		decide: func(s domain.PatientState, _ string, now time.Time) ([]proto.Message, error) {
			opened, ok := s.EmergencyAccess(in.AccessID)
			if !ok || opened.OrgNumber == "" || opened.OrgNumber != c.Actor.OrgNumber {
				return nil, errs.NotFound("emergency access")
			}
			in.By, in.At = c.Actor, now
			return domain.DecideReviewEmergencyAccess(s, in)
		},
	})
}
