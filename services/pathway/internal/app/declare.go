package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// declare states every command of the service once: what it expects, who may
// issue it, how it decides, and that its answer — the pathway — is a read of
// the patient's pathway data, checked and logged before anything is appended.
func (a *App) declare() {
	a.assignCoordinator = command.On[AssignPathwayCoordinator](a.pathways, "AssignPathwayCoordinator").
		InState(command.Existing).
		ID("pathway_id", func(c AssignPathwayCoordinator) string { return c.PathwayID }).
		Validate(validateAssignCoordinator).
		Authorize(act[AssignPathwayCoordinator]).
		Act(func(p domain.Pathway, c AssignPathwayCoordinator, env command.Env) ([]proto.Message, error) {
			return domain.DecideAssignCoordinator(p, domain.AssignCoordinator{By: env.Actor, ProfessionalID: c.ProfessionalID, At: env.Now}, a.policy)
		}).
		Reveals(read("AssignPathwayCoordinator"))

	a.firstAttendance = command.On[RecordFirstAttendance](a.pathways, "RecordFirstAttendance").
		InState(command.Existing).
		ID("pathway_id", func(c RecordFirstAttendance) string { return c.PathwayID }).
		Validate(a.validateFirstAttendance).
		Authorize(act[RecordFirstAttendance]).
		Act(func(p domain.Pathway, c RecordFirstAttendance, env command.Env) ([]proto.Message, error) {
			return domain.DecideFirstAttendance(p, domain.RecordFirstAttendance{By: env.Actor, AttendedAt: *c.AttendedAt, At: env.Now}, a.policy)
		}).
		Reveals(read("RecordFirstAttendance"))

	a.clinicalDecision = command.On[RecordClinicalDecision](a.pathways, "RecordClinicalDecision").
		InState(command.Existing).
		ID("pathway_id", func(c RecordClinicalDecision) string { return c.PathwayID }).
		Validate(validateClinicalDecision).
		Authorize(act[RecordClinicalDecision]).
		Act(func(p domain.Pathway, c RecordClinicalDecision, env command.Env) ([]proto.Message, error) {
			return domain.DecideClinicalDecision(p, domain.RecordClinicalDecision{By: env.Actor, Code: c.Code, Stage: c.Stage, At: env.Now}, a.policy)
		}).
		Reveals(read("RecordClinicalDecision"))

	a.treatmentPlan = command.On[AgreeTreatmentPlan](a.pathways, "AgreeTreatmentPlan").
		InState(command.Existing).
		ID("pathway_id", func(c AgreeTreatmentPlan) string { return c.PathwayID }).
		Validate(validateTreatmentPlan).
		Authorize(act[AgreeTreatmentPlan]).
		Act(func(p domain.Pathway, c AgreeTreatmentPlan, env command.Env) ([]proto.Message, error) {
			return domain.DecideAgreeTreatmentPlan(p, domain.AgreeTreatmentPlan{
				By: env.Actor, OptionsOffered: c.OptionsOffered, ChosenOption: c.ChosenOption, Mode: c.DecisionMode,
				RestrictionReason: c.RestrictionReason, ChosenByPatient: c.ChosenByPatient, At: env.Now,
			}, a.policy)
		}).
		Reveals(read("AgreeTreatmentPlan"))

	a.evaluation = command.On[RecordEvaluation](a.pathways, "RecordEvaluation").
		InState(command.Existing).
		ID("pathway_id", func(c RecordEvaluation) string { return c.PathwayID }).
		Validate(validateEvaluation).
		Authorize(act[RecordEvaluation]).
		Act(func(p domain.Pathway, c RecordEvaluation, env command.Env) ([]proto.Message, error) {
			return domain.DecideEvaluation(p, domain.RecordEvaluation{
				By: env.Actor, PatientTookPart: c.PatientTookPart, FeedbackToolUsed: c.FeedbackToolUsed, FeedbackTool: c.FeedbackTool, At: env.Now,
			}, a.policy)
		}).
		Reveals(read("RecordEvaluation"))

	a.postponement = command.On[RecordPatientPostponement](a.pathways, "RecordPatientPostponement").
		InState(command.Existing).
		ID("pathway_id", func(c RecordPatientPostponement) string { return c.PathwayID }).
		Validate(validatePostponement).
		Authorize(act[RecordPatientPostponement]).
		Act(func(p domain.Pathway, c RecordPatientPostponement, env command.Env) ([]proto.Message, error) {
			from, _ := civil.Parse(c.FromDate)
			until, _ := civil.Parse(c.UntilDate)
			return domain.DecidePostponement(p, domain.RecordPostponement{By: env.Actor, From: from, Until: until, At: env.Now}, a.policy)
		}).
		Reveals(read("RecordPatientPostponement"))

	// A transfer ends the unit's care-team access to the patient, and a
	// completion may: their retries answer the first answer (EndsAccess).
	a.transfer = command.On[TransferPathway](a.pathways, "TransferPathway").
		InState(command.Existing).
		ID("pathway_id", func(c TransferPathway) string { return c.PathwayID }).
		Validate(validateTransfer).
		Authorize(act[TransferPathway]).
		Act(func(p domain.Pathway, c TransferPathway, env command.Env) ([]proto.Message, error) {
			// env.ID is fresh for each request; a replay answers the state
			// the first one left, so it names the same linked pathway.
			return domain.DecideTransfer(p, domain.Transfer{By: env.Actor, To: c.To, Reason: c.Reason, NewPathwayID: env.ID, At: env.Now}, a.policy)
		}).
		Reveals(read("TransferPathway")).
		EndsAccess()

	a.complete = command.On[CompletePathway](a.pathways, "CompletePathway").
		InState(command.Existing).
		ID("pathway_id", func(c CompletePathway) string { return c.PathwayID }).
		Validate(validateComplete).
		Authorize(act[CompletePathway]).
		Act(func(p domain.Pathway, c CompletePathway, env command.Env) ([]proto.Message, error) {
			return domain.DecideComplete(p, domain.Complete{By: env.Actor, Reason: c.Reason, At: env.Now}, a.policy)
		}).
		Reveals(read("CompletePathway")).
		EndsAccess()

	a.medicationFree = command.On[RequestMedicationFreeTreatment](a.pathways, "RequestMedicationFreeTreatment").
		InState(command.Existing).
		ID("pathway_id", func(c RequestMedicationFreeTreatment) string { return c.PathwayID }).
		Authorize(act[RequestMedicationFreeTreatment]).
		Consult(a.legalStatus).
		Act(func(p domain.Pathway, c RequestMedicationFreeTreatment, env command.Env) ([]proto.Message, error) {
			return domain.DecideMedicationFree(p, domain.RequestMedicationFree{
				By: env.Actor, ChosenByPatient: c.ChosenByPatient, Legal: c.legal, At: env.Now,
			}, a.policy)
		}).
		Reveals(read("RequestMedicationFreeTreatment"))
}

// act lets only health personnel of the pathway's unit, or its coordinator,
// issue a command on it (domain.AuthorizeAct).
func act[C any](p domain.Pathway, actor access.Actor, _ C) error {
	return domain.AuthorizeAct(p, actor)
}
