package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// declare states every command of the service once: the patient it acts on,
// how its request is validated, who may issue it, and how it decides. No
// command's answer carries patient data (they answer the id of what they
// recorded), so none is a read to check and log.
func (a *App) declare() {
	a.grant = command.On[GrantConsent](a.patients, "GrantConsent").
		InState(command.Existing).
		ID("patient_id", func(c GrantConsent) string { return c.PatientID }).
		Validate(validateGrant).
		Authorize(recordChoice[GrantConsent](a)).
		Act(func(s domain.PatientState, c GrantConsent, env command.Env) ([]proto.Message, error) {
			return domain.DecideGrantConsent(s, domain.GrantConsent{
				ConsentID: env.ID, Grantee: c.Grantee, Categories: c.Categories, Purpose: c.Purpose,
				ValidUntil: validUntil(c.ValidUntil), Method: c.Method, ChosenByPatient: c.ChosenByPatient,
				By: env.Actor, At: env.Now,
			})
		})

	a.withdraw = command.On[WithdrawConsent](a.patients, "WithdrawConsent").
		InState(command.Existing).
		ID("patient_id", func(c WithdrawConsent) string { return c.PatientID }).
		Validate(func(c WithdrawConsent, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.ID("consent_id", c.ConsentID)
		}).
		Authorize(recordChoice[WithdrawConsent](a)).
		Act(func(s domain.PatientState, c WithdrawConsent, env command.Env) ([]proto.Message, error) {
			return domain.DecideWithdrawConsent(s, domain.WithdrawConsent{ConsentID: c.ConsentID, By: env.Actor, At: env.Now})
		})

	a.recordObjection = command.On[RecordObjection](a.patients, "RecordObjection").
		InState(command.Existing).
		ID("patient_id", func(c RecordObjection) string { return c.PatientID }).
		Validate(func(c RecordObjection, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validateParty(v, "against", c.Against, false)
			validateCategories(v, c.Categories)
		}).
		Authorize(recordChoice[RecordObjection](a)).
		Act(func(s domain.PatientState, c RecordObjection, env command.Env) ([]proto.Message, error) {
			return domain.DecideRecordObjection(s, domain.RecordObjection{
				ObjectionID: env.ID, Against: c.Against, Categories: c.Categories, By: env.Actor, At: env.Now,
			})
		})

	a.liftObjection = command.On[LiftObjection](a.patients, "LiftObjection").
		InState(command.Existing).
		ID("patient_id", func(c LiftObjection) string { return c.PatientID }).
		Validate(func(c LiftObjection, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.ID("objection_id", c.ObjectionID)
		}).
		Authorize(recordChoice[LiftObjection](a)).
		Act(func(s domain.PatientState, c LiftObjection, env command.Env) ([]proto.Message, error) {
			return domain.DecideLiftObjection(s, domain.LiftObjection{ObjectionID: c.ObjectionID, By: env.Actor, At: env.Now})
		})

	a.assessCapacity = command.On[RecordCapacityAssessment](a.patients, "RecordCapacityAssessment").
		InState(command.Existing).
		ID("patient_id", func(c RecordCapacityAssessment) string { return c.PatientID }).
		Validate(func(c RecordCapacityAssessment, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.EnumSet("domain", c.Domain)
			v.Text("note", c.Note, false, errs.LimitNote)
		}).
		Authorize(func(s domain.PatientState, actor access.Actor, _ RecordCapacityAssessment) error {
			return domain.AuthorizeRecordCapacityAssessment(s, actor, a.clock.Now())
		}).
		Act(func(s domain.PatientState, c RecordCapacityAssessment, env command.Env) ([]proto.Message, error) {
			return domain.DecideRecordCapacityAssessment(s, domain.RecordCapacityAssessment{
				AssessmentID: env.ID, Domain: c.Domain, HasCapacity: c.HasCapacity, Note: c.Note, By: env.Actor, At: env.Now,
			})
		})

	a.registerRepresentative = command.On[RegisterRepresentative](a.patients, "RegisterRepresentative").
		InState(command.Existing).
		ID("patient_id", func(c RegisterRepresentative) string { return c.PatientID }).
		Validate(func(c RegisterRepresentative, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validatePersonID(v, "person_id", c.PersonID)
			v.EnumSet("role", c.Role)
		}).
		Authorize(professionalRecord[RegisterRepresentative](a)).
		Act(func(s domain.PatientState, c RegisterRepresentative, env command.Env) ([]proto.Message, error) {
			return domain.DecideRegisterRepresentative(s, domain.RegisterRepresentative{
				RepresentativeID: env.ID, PersonID: c.PersonID, Role: c.Role, ParentalResponsibility: c.ParentalResponsibility,
				By: env.Actor, At: env.Now,
			}, a.policy)
		})

	a.startCompulsoryCare = command.On[StartCompulsoryCare](a.patients, "StartCompulsoryCare").
		InState(command.Existing).
		ID("patient_id", func(c StartCompulsoryCare) string { return c.PatientID }).
		Validate(func(c StartCompulsoryCare, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.EnumSet("kind", c.Kind)
			validateProfessionalID(v, "decision_maker", c.DecisionMaker)
			validateDate(v, "starts_on", c.StartsOn)
		}).
		Authorize(professionalRecord[StartCompulsoryCare](a)).
		Act(func(s domain.PatientState, c StartCompulsoryCare, env command.Env) ([]proto.Message, error) {
			starts, _ := civil.Parse(c.StartsOn)
			return domain.DecideStartCompulsoryCare(s, domain.StartCompulsoryCare{
				EpisodeID: env.ID, Kind: c.Kind, DecisionMaker: c.DecisionMaker, StartsOn: starts, By: env.Actor, At: env.Now,
			})
		})

	a.endCompulsoryCare = command.On[EndCompulsoryCare](a.patients, "EndCompulsoryCare").
		InState(command.Existing).
		ID("patient_id", func(c EndCompulsoryCare) string { return c.PatientID }).
		Validate(func(c EndCompulsoryCare, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.ID("episode_id", c.EpisodeID)
			validateDate(v, "ended_on", c.EndedOn)
		}).
		Authorize(professionalRecord[EndCompulsoryCare](a)).
		Act(func(s domain.PatientState, c EndCompulsoryCare, env command.Env) ([]proto.Message, error) {
			ended, _ := civil.Parse(c.EndedOn)
			return domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{EpisodeID: c.EpisodeID, EndedOn: ended, By: env.Actor, At: env.Now})
		})

	a.permitContact = command.On[PermitContactAfterEnd](a.patients, "PermitContactAfterEnd").
		InState(command.Existing).
		ID("patient_id", func(c PermitContactAfterEnd) string { return c.PatientID }).
		Validate(func(c PermitContactAfterEnd, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validateProfessionalID(v, "professional_id", c.ProfessionalID)
		}).
		Authorize(recordChoice[PermitContactAfterEnd](a)).
		Act(func(s domain.PatientState, c PermitContactAfterEnd, env command.Env) ([]proto.Message, error) {
			return domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{ProfessionalID: c.ProfessionalID, By: env.Actor, At: env.Now})
		})

	a.revokeContact = command.On[RevokeContactAfterEnd](a.patients, "RevokeContactAfterEnd").
		InState(command.Existing).
		ID("patient_id", func(c RevokeContactAfterEnd) string { return c.PatientID }).
		Validate(func(c RevokeContactAfterEnd, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validateProfessionalID(v, "professional_id", c.ProfessionalID)
		}).
		Authorize(recordChoice[RevokeContactAfterEnd](a)).
		Act(func(s domain.PatientState, c RevokeContactAfterEnd, env command.Env) ([]proto.Message, error) {
			return domain.DecideRevokeContactAfterEnd(s, domain.RevokeContactAfterEnd{ProfessionalID: c.ProfessionalID, By: env.Actor, At: env.Now})
		})

	a.useEmergencyAccess = command.On[UseEmergencyAccess](a.patients, "UseEmergencyAccess").
		InState(command.Existing).
		ID("patient_id", func(c UseEmergencyAccess) string { return c.PatientID }).
		Validate(func(c UseEmergencyAccess, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.Text("reason", c.Reason, true, errs.LimitNote)
		}).
		Authorize(func(_ domain.PatientState, actor access.Actor, _ UseEmergencyAccess) error {
			return domain.AuthorizeUseEmergencyAccess(actor)
		}).
		Act(func(s domain.PatientState, c UseEmergencyAccess, env command.Env) ([]proto.Message, error) {
			return domain.DecideUseEmergencyAccess(s, domain.UseEmergencyAccess{AccessID: env.ID, Reason: c.Reason, By: env.Actor, At: env.Now}, a.policy)
		})

	a.reviewEmergencyAccess = command.On[ReviewEmergencyAccess](a.patients, "ReviewEmergencyAccess").
		InState(command.Existing).
		ID("patient_id", func(c ReviewEmergencyAccess) string { return c.PatientID }).
		Validate(func(c ReviewEmergencyAccess, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			v.ID("access_id", c.AccessID)
			v.Text("note", c.Note, true, errs.LimitNote)
		}).
		Authorize(func(s domain.PatientState, actor access.Actor, c ReviewEmergencyAccess) error {
			return domain.AuthorizeReviewEmergencyAccess(s, actor, c.AccessID)
		}).
		Act(func(s domain.PatientState, c ReviewEmergencyAccess, env command.Env) ([]proto.Message, error) {
			return domain.DecideReviewEmergencyAccess(s, domain.ReviewEmergencyAccess{
				AccessID: c.AccessID, Justified: c.Justified, Note: c.Note, By: env.Actor, At: env.Now,
			})
		})
}

// recordChoice is domain.AuthorizeRecordChoice at the time of the call.
func recordChoice[C any](a *App) func(domain.PatientState, access.Actor, C) error {
	return func(s domain.PatientState, actor access.Actor, _ C) error {
		return domain.AuthorizeRecordChoice(s, actor, a.clock.Now())
	}
}

// professionalRecord is domain.AuthorizeProfessionalRecord at the time of the call.
func professionalRecord[C any](a *App) func(domain.PatientState, access.Actor, C) error {
	return func(s domain.PatientState, actor access.Actor, _ C) error {
		return domain.AuthorizeProfessionalRecord(s, actor, a.clock.Now())
	}
}
