package domain

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// SetMeetingPreference records how the planning group works.
type SetMeetingPreference struct {
	PlanID          string
	Preference      continuityv1.MeetingPreference
	ChosenByPatient bool
	By              access.Actor
}

// DecideSetMeetingPreference records the patient's choice of how the group
// works: meetings, phone and e-mail, or mixed.
func DecideSetMeetingPreference(p Patient, cmd SetMeetingPreference) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if err := patientChoice(cmd.By, p.PatientID, cmd.ChosenByPatient, "how the planning group works"); err != nil {
		return nil, err
	}
	if plan.MeetingPreference == cmd.Preference {
		return nil, nil
	}
	return []proto.Message{&continuityv1.MeetingPreferenceSet{
		PlanId: plan.ID, PatientId: p.PatientID, Preference: cmd.Preference, RecordedBy: recordedBy(cmd.By),
	}}, nil
}
