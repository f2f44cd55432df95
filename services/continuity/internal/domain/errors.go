package domain

import (
	"fmt"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
)

// ErrorDomain names this service in google.rpc.ErrorInfo details.
const ErrorDomain = "continuity.stafett.no"

// Reasons for unmet conditions, stable for clients to branch on.
const (
	ReasonPatientChoice  = "PATIENT_CHOICE_REQUIRED"
	ReasonPatientConsent = "PATIENT_CONSENT_REQUIRED"
	ReasonShareConsent   = "SHARING_CONSENT_REQUIRED"
	ReasonPlanAccess     = "PLAN_ACCESS_REQUIRED"
)

// notFound is the one answer for something that does not exist and for
// something the caller may not know exists.
func notFound(what string) error { return errs.NotFound(what) }

func condition(reason, message string, metadata map[string]string) error {
	return &errs.PreconditionError{Message: message, Conditions: []errs.Condition{{Reason: reason, Domain: ErrorDomain, Metadata: metadata}}}
}

// patientChoice enforces that a choice belongs to the patient (Patient and
// User Rights Act §2-5): the patient makes it with their own token, or a
// professional records it on their behalf and says so with chosen_by_patient.
func patientChoice(by access.Actor, patientID string, chosenByPatient bool, what string) error {
	if by.IsPatientSelf(patientID) || (by.PatientID == "" && chosenByPatient) {
		return nil
	}
	return condition(ReasonPatientChoice,
		fmt.Sprintf("%s is the patient's choice: the patient makes it, or a professional records it with chosen_by_patient", what),
		map[string]string{"field": "chosen_by_patient"})
}

// recordedBy is the professional who recorded a command; empty when the patient acted.
func recordedBy(a access.Actor) string { return a.ProfessionalID }

// planOf returns the plan the command names, or NotFound.
func planOf(p Patient, planID string) (Plan, error) {
	if p.Plan == nil || p.Plan.ID != planID {
		return Plan{}, notFound("individual plan")
	}
	return *p.Plan, nil
}
