package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// RecordPostponement is a postponement the patient asked for.
type RecordPostponement struct {
	By    access.Actor
	From  civil.Date
	Until civil.Date
	At    time.Time
}

// DecidePostponement records the postponement. One longer than the policy's
// working days (7) flags the pathway's timing so a missed target can be
// read in its light; no target moves, because resetting the clock would hide
// how long the patient has in fact waited. That until comes after from is
// the request's validation.
func DecidePostponement(p Pathway, cmd RecordPostponement, pol Policy) ([]proto.Message, error) {
	if err := active(p, "record a postponement"); err != nil {
		return nil, err
	}
	days := pol.Calendar.Between(cmd.From, cmd.Until)
	return []proto.Message{&pathwayv1.PatientPostponementRecorded{
		PathwayId: p.ID,
		Postponement: &pathwayv1.Postponement{
			FromDate: cmd.From.String(), UntilDate: cmd.Until.String(), WorkingDays: int32(days),
			TimingFlagged: days > pol.PostponementFlagWorkdays, RecordedBy: cmd.By.ProfessionalID,
		},
		RecordedAt: timestamppb.New(cmd.At),
	}}, nil
}
