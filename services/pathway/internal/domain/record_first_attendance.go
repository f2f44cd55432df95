package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// RecordFirstAttendance records the patient's first attendance.
type RecordFirstAttendance struct {
	By         access.Actor
	AttendedAt time.Time
	At         time.Time
}

// DecideFirstAttendance records the first attendance once, no earlier than
// the pathway's start (that it is not in the future is the request's
// validation); it sets the target of the clinical decision after the basic
// assessment.
func DecideFirstAttendance(p Pathway, cmd RecordFirstAttendance, pol Policy) ([]proto.Message, error) {
	if err := active(p, "record the first attendance"); err != nil {
		return nil, err
	}
	on := pol.DateOf(cmd.AttendedAt)
	if !p.FirstAttended.IsZero() {
		if p.FirstAttended == on {
			return nil, nil
		}
		return nil, errs.Precondition("the first attendance is already recorded")
	}
	if on.Before(p.StartedOn) {
		return nil, errs.Invalid("attended_at", "must not be before the pathway started")
	}
	return []proto.Message{&pathwayv1.FirstAttendanceRecorded{
		PathwayId: p.ID, AttendedAt: timestamppb.New(cmd.AttendedAt), AttendedOn: on.String(), RecordedBy: cmd.By.ProfessionalID,
		Targets: targets(pol.target(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC, on, pol.TargetsFor(p.Type).BasicDecision)),
	}}, nil
}
