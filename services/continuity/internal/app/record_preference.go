package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// RecordPreference is a continuity preference as a caller submits it.
type RecordPreference struct {
	Caller                        Caller
	RequestID                     string
	PatientID                     string
	KeepProfessionalID            string
	Closeness                     continuityv1.Closeness
	ContactAfterEnd               bool
	ContactAfterEndProfessionalID string
	ChosenByPatient               bool
}

// PreferenceRecorded says whether the consent service recorded the
// contact-after-end permission, and why not when it did not.
type PreferenceRecorded struct {
	ContactAfterEndRecorded bool
	Note                    string
}

// RecordPreference records what the patient wants kept. Contact after the
// end is also a permission the consent service keeps (off by default, per
// professional): the preference is recorded first, then the permission is
// asked for; a failure is reported, and repeating the request tries again.
func (a *App) RecordPreference(ctx context.Context, in RecordPreference) (PreferenceRecorded, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validatePatientID(&v, in.PatientID)
	validateProfessional(&v, "keep_professional_id", in.KeepProfessionalID, false)
	validateProfessional(&v, "contact_after_end_professional_id", in.ContactAfterEndProfessionalID, false)
	v.Check(in.Closeness == 0 || enumOK(in.Closeness, continuityv1.Closeness_name), "closeness", "must be a known CLOSENESS_ value")
	if err := v.Err(); err != nil {
		return PreferenceRecorded{}, err
	}
	contactWith := in.ContactAfterEndProfessionalID
	if contactWith == "" && in.ContactAfterEnd {
		contactWith = in.KeepProfessionalID
	}
	if err := a.authorize(ctx, in.Caller, in.PatientID, consentv1.Category_CATEGORY_RELATIONSHIPS, "patient"); err != nil {
		return PreferenceRecorded{}, err
	}
	cmd := domain.RecordPreference{
		PatientID: in.PatientID, KeepProfessionalID: in.KeepProfessionalID, Closeness: in.Closeness,
		ContactAfterEnd: in.ContactAfterEnd, ContactAfterEndProfessionalID: contactWith,
		ChosenByPatient: in.ChosenByPatient, By: domainActor(in.Caller), At: a.clock.Now(),
	}
	if _, err := a.execute(ctx, in.Caller, in.PatientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideRecordPreference(p, cmd)
	}); err != nil {
		return PreferenceRecorded{}, err
	}
	if !in.ContactAfterEnd {
		return PreferenceRecorded{}, nil
	}
	if err := a.consent.PermitContactAfterEnd(ctx, in.Caller, in.PatientID, contactWith, "continuity/"+requestKey(in.Caller, in.RequestID)); err != nil {
		a.logger.WarnContext(ctx, "could not record contact after end in the consent service", "patient", in.PatientID, "error", err)
		return PreferenceRecorded{Note: "the consent service did not record the permission: " + err.Error()}, nil
	}
	return PreferenceRecorded{ContactAfterEndRecorded: true}, nil
}
