package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

const (
	consentCategoryRelationships = consentv1.Category_CATEGORY_RELATIONSHIPS
	consentCategoryPlan          = consentv1.Category_CATEGORY_PLAN
	consentBasisConsent          = consentv1.Basis_BASIS_CONSENT
)

// needs is the access a command requires: to read that category of the
// patient's data (the patient, the care team, or by consent). Writing must
// not become a way to learn who is a patient, so a refusal is the same
// NOT_FOUND a missing id answers, after the same check.
func needs[C any](category consentv1.Category, patient func(C) string) func(domain.Patient, C) access.Read {
	return func(_ domain.Patient, c C) access.Read {
		return access.Read{PatientID: patient(c), Category: category, Service: ServiceName}
	}
}

// declare states every command of the service once.
func (a *App) declare() {
	onPatient := func(c StartRelationship) string { return c.PatientID }
	a.startRelationship = command.On[StartRelationship](a.patients, "StartRelationship").
		InState(command.Any).
		ID("patient_id", onPatient).
		Validate(func(c StartRelationship, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validateProfessional(v, "professional_id", c.ProfessionalID, true)
			v.EnumSet("role", c.Role)
			validateUnit(v, "unit", c.Unit, true)
			v.EnumSet("sector", c.Sector)
			validateInstant(v, "started_at", c.StartedAt, a.clock.Now(), false)
		}).
		Requires(needs(consentCategoryRelationships, onPatient)).
		Act(func(p domain.Patient, c StartRelationship, env command.Env) ([]proto.Message, error) {
			return domain.DecideStartRelationship(p, domain.StartRelationship{
				RelationshipID: env.ID, PatientID: c.PatientID, ProfessionalID: c.ProfessionalID, Role: c.Role,
				Unit: c.Unit, Sector: c.Sector, ChosenByPatient: c.ChosenByPatient, StartedAt: instantOr(c.StartedAt, env.Now), By: env.Actor,
			})
		})

	contactPatient := func(c RecordContact) string { return c.patientID }
	a.recordContact = command.On[RecordContact](a.patients, "RecordContact").
		InState(command.Any).
		ID("relationship_id", contactPatient).
		Validate(func(c RecordContact, v *errs.Validation) {
			v.ID("relationship_id", c.RelationshipID)
			v.EnumSet("kind", c.Kind)
			validateInstant(v, "occurred_at", c.OccurredAt, a.clock.Now(), false)
		}).
		Requires(needs(consentCategoryRelationships, contactPatient)).
		NotFound("relationship").
		Act(func(p domain.Patient, c RecordContact, env command.Env) ([]proto.Message, error) {
			return domain.DecideRecordContact(p, domain.RecordContact{
				RelationshipID: c.RelationshipID, OccurredAt: instantOr(c.OccurredAt, env.Now), Kind: c.Kind, By: env.Actor,
			})
		})

	endPatient := func(c EndRelationship) string { return c.patientID }
	a.endRelationship = command.On[EndRelationship](a.patients, "EndRelationship").
		InState(command.Any).
		ID("relationship_id", endPatient).
		Validate(func(c EndRelationship, v *errs.Validation) {
			v.ID("relationship_id", c.RelationshipID)
			v.EnumSet("reason", c.Reason)
			validateInstant(v, "ended_at", c.EndedAt, a.clock.Now(), false)
		}).
		Requires(needs(consentCategoryRelationships, endPatient)).
		NotFound("relationship").
		Act(func(p domain.Patient, c EndRelationship, env command.Env) ([]proto.Message, error) {
			return domain.DecideEndRelationship(p, domain.EndRelationship{
				RelationshipID: c.RelationshipID, Reason: c.Reason, EndedAt: instantOr(c.EndedAt, env.Now), By: env.Actor,
			})
		})

	handoffFrom := func(c PlanHandoff) string { return c.patientID }
	a.planHandoff = command.On[PlanHandoff](a.patients, "PlanHandoff").
		InState(command.Any).
		ID("from_relationship_id", handoffFrom).
		Validate(func(c PlanHandoff, v *errs.Validation) {
			v.ID("from_relationship_id", c.FromRelationshipID)
			validateProfessional(v, "to_professional_id", c.ToProfessionalID, true)
			v.EnumSet("to_role", c.ToRole)
			validateUnit(v, "to_unit", c.ToUnit, true)
			v.Enum("to_sector", c.ToSector)
			v.EnumSet("kind", c.Kind)
			// A handoff is usually planned ahead: planned_at may be in the future.
			validateInstant(v, "planned_at", c.PlannedAt, a.clock.Now(), true)
		}).
		Requires(needs(consentCategoryRelationships, handoffFrom)).
		NotFound("relationship").
		Act(func(p domain.Patient, c PlanHandoff, env command.Env) ([]proto.Message, error) {
			return domain.DecidePlanHandoff(p, domain.PlanHandoff{
				HandoffID: env.ID, FromRelationshipID: c.FromRelationshipID, ToProfessionalID: c.ToProfessionalID,
				ToRole: c.ToRole, ToUnit: c.ToUnit, ToSector: c.ToSector, PlannedAt: instantOr(c.PlannedAt, env.Now),
				Kind: c.Kind, JointMeeting: c.JointMeeting, By: env.Actor,
			})
		})

	handoffOf := func(c CompleteHandoff) string { return c.patientID }
	a.completeHandoff = command.On[CompleteHandoff](a.patients, "CompleteHandoff").
		InState(command.Any).
		ID("handoff_id", handoffOf).
		Validate(func(c CompleteHandoff, v *errs.Validation) {
			v.ID("handoff_id", c.HandoffID)
			validateInstant(v, "completed_at", c.CompletedAt, a.clock.Now(), false)
		}).
		Requires(needs(consentCategoryRelationships, handoffOf)).
		NotFound("handoff").
		Act(func(p domain.Patient, c CompleteHandoff, env command.Env) ([]proto.Message, error) {
			return domain.DecideCompleteHandoff(p, domain.CompleteHandoff{
				HandoffID: c.HandoffID, NewRelationshipID: env.ID, CompletedAt: instantOr(c.CompletedAt, env.Now),
				SummaryShared: c.SummaryShared, SummaryPermitted: c.summaryPermitted, By: env.Actor,
			})
		})

	planFor := func(c CreatePlan) string { return c.PatientID }
	a.createPlan = command.On[CreatePlan](a.patients, "CreateIndividualPlan").
		InState(command.Any).
		ID("patient_id", planFor).
		Validate(func(c CreatePlan, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			from, okFrom := optionalDate(c.PeriodFrom)
			to, okTo := optionalDate(c.PeriodTo)
			v.Check(okFrom, "period_from", "must be a real date as YYYY-MM-DD")
			v.Check(okTo, "period_to", "must be a real date as YYYY-MM-DD")
			v.Check(from.IsZero() || to.IsZero() || !to.Before(from), "period_to", "must not be before period_from")
		}).
		Requires(needs(consentCategoryPlan, planFor)).
		Act(func(p domain.Patient, c CreatePlan, env command.Env) ([]proto.Message, error) {
			from, _ := optionalDate(c.PeriodFrom)
			to, _ := optionalDate(c.PeriodTo)
			return domain.DecideCreatePlan(p, domain.CreatePlan{
				PlanID: env.ID, PatientID: c.PatientID, PatientConsents: c.PatientConsents,
				PeriodFrom: from, PeriodTo: to, By: env.Actor, At: env.Now,
			})
		})

	coordinatorPlan := func(c AppointCoordinator) string { return c.patientID }
	a.appointCoordinator = command.On[AppointCoordinator](a.patients, "AppointCoordinator").
		InState(command.Any).
		ID("plan_id", coordinatorPlan).
		Validate(func(c AppointCoordinator, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			validateProfessional(v, "professional_id", c.ProfessionalID, true)
		}).
		Requires(needs(consentCategoryPlan, coordinatorPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c AppointCoordinator, env command.Env) ([]proto.Message, error) {
			return domain.DecideAppointCoordinator(p, domain.AppointCoordinator{
				PlanID: c.PlanID, ProfessionalID: c.ProfessionalID, ChosenByPatient: c.ChosenByPatient,
				CoordinatorMayRead: c.mayRead, By: env.Actor, At: env.Now,
			})
		})

	memberPlan := func(c AddMember) string { return c.patientID }
	a.addMember = command.On[AddMember](a.patients, "AddPlanningGroupMember").
		InState(command.Any).
		ID("plan_id", memberPlan).
		Validate(func(c AddMember, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			validateProfessional(v, "professional_id", c.ProfessionalID, true)
			v.EnumSet("role", c.Role)
		}).
		Requires(needs(consentCategoryPlan, memberPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c AddMember, env command.Env) ([]proto.Message, error) {
			return domain.DecideAddMember(p, domain.AddMember{
				PlanID: c.PlanID, ProfessionalID: c.ProfessionalID, Role: c.Role, ChosenByPatient: c.ChosenByPatient,
				ConsentID: c.consentID, By: env.Actor, At: env.Now,
			})
		})

	removalPlan := func(c RemoveMember) string { return c.patientID }
	a.removeMember = command.On[RemoveMember](a.patients, "RemovePlanningGroupMember").
		InState(command.Any).
		ID("plan_id", removalPlan).
		Validate(func(c RemoveMember, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			validateProfessional(v, "professional_id", c.ProfessionalID, true)
		}).
		Requires(needs(consentCategoryPlan, removalPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c RemoveMember, env command.Env) ([]proto.Message, error) {
			return domain.DecideRemoveMember(p, domain.RemoveMember{
				PlanID: c.PlanID, ProfessionalID: c.ProfessionalID, ChosenByPatient: c.ChosenByPatient, By: env.Actor, At: env.Now,
			})
		})

	goalPlan := func(c SetGoal) string { return c.patientID }
	a.setGoal = command.On[SetGoal](a.patients, "SetPlanGoal").
		InState(command.Any).
		ID("plan_id", goalPlan).
		Validate(func(c SetGoal, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			validateID(v, "goal_id", c.GoalID, false)
			v.Text("text", c.Text, true, errs.LimitNote)
		}).
		Requires(needs(consentCategoryPlan, goalPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c SetGoal, env command.Env) ([]proto.Message, error) {
			return domain.DecideSetGoal(p, domain.SetGoal{
				PlanID: c.PlanID, GoalID: c.GoalID, NewGoalID: env.ID, Text: c.Text,
				ChosenByPatient: c.ChosenByPatient, By: env.Actor, At: env.Now,
			})
		})

	servicePlan := func(c AssignService) string { return c.patientID }
	a.assignService = command.On[AssignService](a.patients, "AssignPlanService").
		InState(command.Any).
		ID("plan_id", servicePlan).
		Validate(func(c AssignService, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			validateID(v, "service_id", c.ServiceID, false)
			v.Text("description", c.Description, true, errs.LimitLabel)
			validateProfessional(v, "responsible_professional_id", c.ResponsibleProfessionalID, c.ResponsibleUnit == (domain.Unit{}))
			validateUnit(v, "responsible_unit", c.ResponsibleUnit, false)
			_, okFrom := optionalDate(c.FromDate)
			_, okTo := optionalDate(c.ToDate)
			switch {
			case c.FromDate == "":
				v.Add("from_date", "is required")
			case !okFrom:
				v.Add("from_date", "must be a real date as YYYY-MM-DD")
			}
			v.Check(okTo, "to_date", "must be a real date as YYYY-MM-DD")
		}).
		Requires(needs(consentCategoryPlan, servicePlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c AssignService, env command.Env) ([]proto.Message, error) {
			from, _ := optionalDate(c.FromDate)
			to, _ := optionalDate(c.ToDate)
			return domain.DecideAssignService(p, domain.AssignService{
				PlanID: c.PlanID, ServiceID: c.ServiceID, NewServiceID: env.ID, Description: c.Description,
				ResponsibleProfessionalID: c.ResponsibleProfessionalID, ResponsibleUnit: c.ResponsibleUnit,
				From: from, To: to, By: env.Actor,
			})
		})

	meetingPlan := func(c SetMeetingPreference) string { return c.patientID }
	a.setMeetingPreference = command.On[SetMeetingPreference](a.patients, "SetMeetingPreference").
		InState(command.Any).
		ID("plan_id", meetingPlan).
		Validate(func(c SetMeetingPreference, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			v.EnumSet("preference", c.Preference)
		}).
		Requires(needs(consentCategoryPlan, meetingPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c SetMeetingPreference, env command.Env) ([]proto.Message, error) {
			return domain.DecideSetMeetingPreference(p, domain.SetMeetingPreference{
				PlanID: c.PlanID, Preference: c.Preference, ChosenByPatient: c.ChosenByPatient, By: env.Actor,
			})
		})

	reviewedPlan := func(c ReviewPlan) string { return c.patientID }
	a.reviewPlan = command.On[ReviewPlan](a.patients, "ReviewPlan").
		InState(command.Any).
		ID("plan_id", reviewedPlan).
		Validate(func(c ReviewPlan, v *errs.Validation) {
			v.ID("plan_id", c.PlanID)
			v.Text("summary", c.Summary, false, errs.LimitNarrative)
			_, okReviewed := optionalDate(c.ReviewedOn)
			_, okNext := optionalDate(c.NextReviewOn)
			v.Check(okReviewed, "reviewed_on", "must be a real date as YYYY-MM-DD")
			v.Check(okNext, "next_review_on", "must be a real date as YYYY-MM-DD")
		}).
		Requires(needs(consentCategoryPlan, reviewedPlan)).
		NotFound("individual plan").
		Act(func(p domain.Patient, c ReviewPlan, env command.Env) ([]proto.Message, error) {
			reviewed, _ := optionalDate(c.ReviewedOn)
			if c.ReviewedOn == "" {
				reviewed = civilToday(env.Now, a.zone)
			}
			next, _ := optionalDate(c.NextReviewOn)
			return domain.DecideReviewPlan(p, domain.ReviewPlan{
				PlanID: c.PlanID, ReviewedOn: reviewed, Summary: c.Summary, PatientTookPart: c.PatientTookPart,
				NextReviewOn: next, By: env.Actor,
			})
		})

	preferenceOf := func(c RecordPreference) string { return c.PatientID }
	a.recordPreference = command.On[RecordPreference](a.patients, "RecordContinuityPreference").
		InState(command.Any).
		ID("patient_id", preferenceOf).
		Validate(func(c RecordPreference, v *errs.Validation) {
			validatePatientID(v, c.PatientID)
			validateProfessional(v, "keep_professional_id", c.KeepProfessionalID, false)
			validateProfessional(v, "contact_after_end_professional_id", c.ContactAfterEndProfessionalID, false)
			v.Enum("closeness", c.Closeness)
		}).
		Requires(needs(consentCategoryRelationships, preferenceOf)).
		Act(func(p domain.Patient, c RecordPreference, env command.Env) ([]proto.Message, error) {
			return domain.DecideRecordPreference(p, domain.RecordPreference{
				PatientID: c.PatientID, KeepProfessionalID: c.KeepProfessionalID, Closeness: c.Closeness,
				ContactAfterEnd: c.ContactAfterEnd, ContactAfterEndProfessionalID: c.contactWith(),
				ChosenByPatient: c.ChosenByPatient, By: env.Actor, At: env.Now,
			})
		})
}
