package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// RequestMedicationFreeTreatment is the patient's request as the unit records it.
type RequestMedicationFreeTreatment struct {
	Caller          Caller
	RequestID       string
	PathwayID       string
	ChosenByPatient bool
}

// RequestMedicationFreeTreatment asks the consent service for the patient's
// legal status and lets the domain decide. Someone who may not act on the
// pathway is answered NotFound before the consent service is asked, so the
// question itself leaks nothing; a consent service that cannot answer fails
// the request (UNAVAILABLE) rather than letting it be decided on a guess.
func (a *App) RequestMedicationFreeTreatment(ctx context.Context, in RequestMedicationFreeTreatment) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	snap := a.image.Get(in.PathwayID)
	if !snap.Exists() || !snap.State.ActedOnBy(in.Caller.Actor) {
		return domain.Pathway{}, errs.NotFound("pathway")
	}
	if snap.Seen(decider.RequestKey(in.Caller.Actor.OrgNumber, in.RequestID)) || snap.State.MedicationFreeGranted {
		return snap.State, nil
	}
	legal, err := a.legal.LegalStatus(ctx, snap.State.PatientID)
	if err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideMedicationFree(p, domain.RequestMedicationFree{
			By: in.Caller.Actor, ChosenByPatient: in.ChosenByPatient, Legal: legal, At: a.clock.Now(),
		}, a.policy)
	})
}
