package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// RecordPreference records the patient's continuity preferences.
type RecordPreference struct {
	PatientID                     string
	KeepProfessionalID            string
	Closeness                     continuityv1.Closeness
	ContactAfterEnd               bool
	ContactAfterEndProfessionalID string
	ChosenByPatient               bool
	By                            access.Actor
	At                            time.Time
}

// DecideRecordPreference records what the patient wants kept: a person,
// how much closeness, and whether contact may continue after care ends.
// Contact after the end names who may make it, because the permission the
// consent service keeps is per professional.
func DecideRecordPreference(p Patient, cmd RecordPreference) ([]proto.Message, error) {
	if err := patientChoice(cmd.By, cmd.PatientID, cmd.ChosenByPatient, "a continuity preference"); err != nil {
		return nil, err
	}
	if cmd.ContactAfterEnd && cmd.ContactAfterEndProfessionalID == "" {
		return nil, errs.Invalid("contact_after_end_professional_id", "is required when contact_after_end is set and no keep_professional_id is given")
	}
	return []proto.Message{&continuityv1.ContinuityPreferenceRecorded{
		PatientId: cmd.PatientID, KeepProfessionalId: cmd.KeepProfessionalID, Closeness: cmd.Closeness,
		ContactAfterEnd: cmd.ContactAfterEnd, ContactAfterEndProfessionalId: cmd.ContactAfterEndProfessionalID,
		ChosenByPatient: true, RecordedBy: recordedBy(cmd.By), RecordedAt: stamp(cmd.At),
	}}, nil
}
