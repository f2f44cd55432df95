package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// CreatePlan creates the individual plan.
type CreatePlan struct {
	PlanID    string
	PatientID string
	// PatientConsents is a professional's statement that the patient wants
	// the plan and consents to it; the patient's own request is that consent.
	PatientConsents      bool
	PeriodFrom, PeriodTo civil.Date
	By                   access.Actor
	At                   time.Time
}

// DecideCreatePlan creates a plan only if the patient wants it (§2-5): with
// the patient's own token, or a professional recording the patient's
// consent. A patient has one individual plan.
func DecideCreatePlan(p Patient, cmd CreatePlan) ([]proto.Message, error) {
	if p.Plan != nil {
		return nil, errs.Precondition("the patient already has an individual plan")
	}
	if !cmd.By.IsPatientSelf(cmd.PatientID) && !cmd.PatientConsents {
		return nil, condition(ReasonPatientConsent,
			"an individual plan is made only with the patient's consent: the patient creates it, or a professional records the consent with patient_consents",
			map[string]string{"field": "patient_consents"})
	}
	return []proto.Message{&continuityv1.IndividualPlanCreated{
		PlanId: cmd.PlanID, PatientId: cmd.PatientID, ConsentRecordedBy: recordedBy(cmd.By), CreatedAt: stamp(cmd.At),
		PeriodFrom: dateString(cmd.PeriodFrom), PeriodTo: dateString(cmd.PeriodTo),
	}}, nil
}
