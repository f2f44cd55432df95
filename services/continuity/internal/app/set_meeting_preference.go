package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// SetMeetingPreference is a meeting preference as a caller submits it.
type SetMeetingPreference struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	Preference      continuityv1.MeetingPreference
	ChosenByPatient bool
}

// SetMeetingPreference records how the patient wants the group to work.
func (a *App) SetMeetingPreference(ctx context.Context, in SetMeetingPreference) error {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	v.Check(enumOK(in.Preference, continuityv1.MeetingPreference_name), "preference", "must be a known MEETING_PREFERENCE_ value")
	if err := v.Err(); err != nil {
		return err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return err
	}
	cmd := domain.SetMeetingPreference{PlanID: in.PlanID, Preference: in.Preference, ChosenByPatient: in.ChosenByPatient, By: domainActor(in.Caller)}
	_, err = a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideSetMeetingPreference(p, cmd)
	})
	return err
}
