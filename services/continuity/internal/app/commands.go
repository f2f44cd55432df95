package app

import (
	"context"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// The commands as callers submit them. Caller and RequestID are who asks
// and under which key, not part of the request a key stands for; the
// unexported fields are what the application resolved before deciding.

// StartRelationship is a new relationship.
type StartRelationship struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PatientID       string
	ProfessionalID  string
	Role            continuityv1.Role
	Unit            domain.Unit
	Sector          continuityv1.Sector
	ChosenByPatient bool
	StartedAt       *time.Time
}

// StartRelationship starts a relationship and returns its id. Only someone
// who may already see the patient's relationships (the patient, the care
// team, or by consent) may add one: an active relationship with health
// personnel makes them care team, so anyone else could grant themselves access.
func (a *App) StartRelationship(ctx context.Context, in StartRelationship) (string, error) {
	res, err := a.startRelationship.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// RecordContact is one visit, call or contact beyond the formal setting.
type RecordContact struct {
	Caller         access.Actor `fingerprint:"-"`
	RequestID      string       `fingerprint:"-"`
	RelationshipID string
	OccurredAt     *time.Time
	Kind           continuityv1.ContactKind
	patientID      string
}

// RecordContact records a contact.
func (a *App) RecordContact(ctx context.Context, in RecordContact) error {
	in.patientID = patientOf(in.RelationshipID, a.index.relationship)
	_, err := a.recordContact.Handle(ctx, in.Caller, in.RequestID, in)
	return err
}

// EndRelationship ends a relationship with a reason.
type EndRelationship struct {
	Caller         access.Actor `fingerprint:"-"`
	RequestID      string       `fingerprint:"-"`
	RelationshipID string
	Reason         continuityv1.EndReason
	EndedAt        *time.Time
	patientID      string
}

// EndRelationship ends the relationship and reports whether the patient is
// now without a named person, which is also raised as an alert.
func (a *App) EndRelationship(ctx context.Context, in EndRelationship) (bool, error) {
	in.patientID = patientOf(in.RelationshipID, a.index.relationship)
	before := a.image.Get(in.patientID).State.WithoutContact
	res, err := a.endRelationship.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return false, err
	}
	if res.Appended && res.State.WithoutContact && !before {
		a.logger.WarnContext(ctx, "patient left without a named contact",
			"alert", "PatientLeftWithoutContact", "patient", in.patientID, "relationship", in.RelationshipID, "reason", in.Reason.String())
	}
	return res.State.WithoutContact, nil
}

// PlanHandoff is a planned handoff from one relationship to a successor.
type PlanHandoff struct {
	Caller             access.Actor `fingerprint:"-"`
	RequestID          string       `fingerprint:"-"`
	FromRelationshipID string
	ToProfessionalID   string
	ToRole             continuityv1.Role
	ToUnit             domain.Unit
	ToSector           continuityv1.Sector
	PlannedAt          *time.Time
	Kind               continuityv1.HandoffKind
	JointMeeting       bool
	patientID          string
}

// PlanHandoff plans a handoff and returns its id.
func (a *App) PlanHandoff(ctx context.Context, in PlanHandoff) (string, error) {
	in.patientID = patientOf(in.FromRelationshipID, a.index.relationship)
	res, err := a.planHandoff.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// CompleteHandoff completes a planned handoff.
type CompleteHandoff struct {
	Caller        access.Actor `fingerprint:"-"`
	RequestID     string       `fingerprint:"-"`
	HandoffID     string
	CompletedAt   *time.Time
	SummaryShared bool
	patientID     string
	// summaryPermitted: the successor may read the summary (as cooperating
	// personnel unless the patient objected, or by consent).
	summaryPermitted bool
}

// CompletedHandoff is what completing a handoff made.
type CompletedHandoff struct {
	RelationshipID string
	Kind           continuityv1.HandoffKind
}

// CompleteHandoff completes the handoff and starts the successor's relationship.
func (a *App) CompleteHandoff(ctx context.Context, in CompleteHandoff) (CompletedHandoff, error) {
	in.patientID = patientOf(in.HandoffID, a.index.handoff)
	// The summary goes to the successor: a planned successor who is health
	// personnel is cooperating personnel unless the patient objected (the
	// consent service folds HandoffPlanned); anyone else needs consent.
	if in.SummaryShared {
		successor := ""
		if h, ok := a.image.Get(in.patientID).State.Handoff(in.HandoffID); ok {
			successor = h.ToProfessionalID
		}
		d, err := a.mayRead(ctx, successor, in.patientID, consentCategoryRelationships)
		if err != nil {
			return CompletedHandoff{}, err
		}
		in.summaryPermitted = d.Permit
	}
	res, err := a.completeHandoff.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return CompletedHandoff{}, err
	}
	h, _ := res.State.Handoff(in.HandoffID)
	return CompletedHandoff{RelationshipID: h.ToRelationshipID, Kind: h.CompletedKind}, nil
}

// CreatePlan is an individual plan, made only if the patient wants it.
type CreatePlan struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PatientID       string
	PatientConsents bool
	PeriodFrom      string
	PeriodTo        string
}

// CreatePlan creates the plan and returns its id.
func (a *App) CreatePlan(ctx context.Context, in CreatePlan) (string, error) {
	res, err := a.createPlan.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// AppointCoordinator appoints the coordinator the patient chose.
type AppointCoordinator struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
	patientID       string
	mayRead         bool
}

// AppointCoordinator sets the coordinator.
func (a *App) AppointCoordinator(ctx context.Context, in AppointCoordinator) error {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	d, err := a.mayRead(ctx, in.ProfessionalID, in.patientID, consentCategoryPlan)
	if err != nil {
		return err
	}
	in.mayRead = d.Permit
	_, err = a.appointCoordinator.Handle(ctx, in.Caller, in.RequestID, in)
	return err
}

// AddMember is a new planning-group member.
type AddMember struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	ProfessionalID  string
	Role            continuityv1.Role
	ChosenByPatient bool
	patientID       string
	consentID       string
}

// AddMember adds a member and returns the consent that lets them see the
// plan. Only a consent counts: being in the care team lets health personnel
// share what care needs (§25), but membership of the planning group is the
// patient's choice, so it rests on the patient's consent for the plan.
func (a *App) AddMember(ctx context.Context, in AddMember) (string, error) {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	d, err := a.mayRead(ctx, in.ProfessionalID, in.patientID, consentCategoryPlan)
	if err != nil {
		return "", err
	}
	if d.Permit && d.Basis == consentBasisConsent {
		in.consentID = d.ConsentID
	}
	res, err := a.addMember.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// RemoveMember ends a member's participation.
type RemoveMember struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
	patientID       string
}

// MemberRemoved says what became of the member's plan consent.
type MemberRemoved struct {
	ConsentWithdrawn bool
	Note             string
}

// RemoveMember removes the member and withdraws the plan consent given for
// that membership in the consent service, on the patient's behalf.
func (a *App) RemoveMember(ctx context.Context, in RemoveMember) (MemberRemoved, error) {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	res, err := a.removeMember.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return MemberRemoved{}, err
	}
	consentID := resultOf(res, in.Caller, in.RequestID)
	if consentID == "" {
		return MemberRemoved{Note: "no plan consent was recorded for the membership"}, nil
	}
	// A retry of the removal retries the withdrawal under the same key.
	if err := a.consent.WithdrawConsent(ctx, in.Caller, in.patientID, consentID, "continuity/"+in.RequestID); err != nil {
		a.logger.WarnContext(ctx, "could not withdraw a removed member's plan consent", "patient", in.patientID, "plan", in.PlanID, "error", err)
		return MemberRemoved{Note: "the plan consent could not be withdrawn yet; retry the removal with the same request_id"}, nil
	}
	return MemberRemoved{ConsentWithdrawn: true}, nil
}

// SetGoal is a goal in the patient's own words.
type SetGoal struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	GoalID          string
	Text            string
	ChosenByPatient bool
	patientID       string
}

// SetGoal adds or rewords a goal and returns its id.
func (a *App) SetGoal(ctx context.Context, in SetGoal) (string, error) {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	res, err := a.setGoal.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// AssignService is a plan service with who is responsible and when.
type AssignService struct {
	Caller                    access.Actor `fingerprint:"-"`
	RequestID                 string       `fingerprint:"-"`
	PlanID                    string
	ServiceID                 string
	Description               string
	ResponsibleProfessionalID string
	ResponsibleUnit           domain.Unit
	FromDate, ToDate          string
	patientID                 string
}

// AssignService adds or changes a service and returns its id.
func (a *App) AssignService(ctx context.Context, in AssignService) (string, error) {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	res, err := a.assignService.Handle(ctx, in.Caller, in.RequestID, in)
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// SetMeetingPreference is how the patient wants the group to work.
type SetMeetingPreference struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	Preference      continuityv1.MeetingPreference
	ChosenByPatient bool
	patientID       string
}

// SetMeetingPreference records the preference.
func (a *App) SetMeetingPreference(ctx context.Context, in SetMeetingPreference) error {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	_, err := a.setMeetingPreference.Handle(ctx, in.Caller, in.RequestID, in)
	return err
}

// ReviewPlan is a review of the plan.
type ReviewPlan struct {
	Caller          access.Actor `fingerprint:"-"`
	RequestID       string       `fingerprint:"-"`
	PlanID          string
	ReviewedOn      string
	Summary         string
	PatientTookPart bool
	NextReviewOn    string
	patientID       string
}

// ReviewPlan records a review and the next review date.
func (a *App) ReviewPlan(ctx context.Context, in ReviewPlan) error {
	in.patientID = patientOf(in.PlanID, a.index.plan)
	_, err := a.reviewPlan.Handle(ctx, in.Caller, in.RequestID, in)
	return err
}

// RecordPreference is the patient's continuity preference.
type RecordPreference struct {
	Caller                        access.Actor `fingerprint:"-"`
	RequestID                     string       `fingerprint:"-"`
	PatientID                     string
	KeepProfessionalID            string
	Closeness                     continuityv1.Closeness
	ContactAfterEnd               bool
	ContactAfterEndProfessionalID string
	ChosenByPatient               bool
}

// PreferenceRecorded says whether the consent service recorded the
// contact-after-end permission the preference asked for.
type PreferenceRecorded struct {
	ContactAfterEndRecorded bool
	Note                    string
}

// contactWith is whom contact after the end is permitted with: the one named,
// else the person the patient wants to keep.
func (in RecordPreference) contactWith() string {
	if in.ContactAfterEndProfessionalID == "" && in.ContactAfterEnd {
		return in.KeepProfessionalID
	}
	return in.ContactAfterEndProfessionalID
}

// RecordPreference records the preference, and a wish for contact after
// care ends in the consent service too, on the patient's behalf.
func (a *App) RecordPreference(ctx context.Context, in RecordPreference) (PreferenceRecorded, error) {
	if _, err := a.recordPreference.Handle(ctx, in.Caller, in.RequestID, in); err != nil {
		return PreferenceRecorded{}, err
	}
	if !in.ContactAfterEnd {
		return PreferenceRecorded{}, nil
	}
	if err := a.consent.PermitContactAfterEnd(ctx, in.Caller, in.PatientID, in.contactWith(), "continuity/"+in.RequestID); err != nil {
		a.logger.WarnContext(ctx, "could not record contact after end in the consent service", "patient", in.PatientID, "error", err)
		return PreferenceRecorded{Note: "the consent service did not record the permission yet; retry with the same request_id"}, nil
	}
	return PreferenceRecorded{ContactAfterEndRecorded: true}, nil
}

// optionalDate parses a YYYY-MM-DD date; empty is the zero date.
func optionalDate(s string) (civil.Date, bool) {
	if s == "" {
		return civil.Date{}, true
	}
	d, err := civil.Parse(s)
	return d, err == nil
}
