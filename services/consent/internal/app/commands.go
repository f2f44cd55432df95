package app

import (
	"context"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// Every command acts on one patient's aggregate, named by its PatientID.
// Commands whose choice is the patient's take OnBehalfOf: the end user a
// service records the choice for (domain.ActingFor).

// GrantConsent is a consent (§22) as the patient, or a professional for
// them, gives it.
type GrantConsent struct {
	PatientID  string
	Grantee    domain.Party
	Categories []consentv1.Category
	Purpose    consentv1.Purpose
	// ValidUntil is nil for a consent that lasts until withdrawn.
	ValidUntil      *time.Time
	Method          consentv1.ConsentMethod
	ChosenByPatient bool
	OnBehalfOf      *access.Actor
}

// GrantConsent records a consent and answers its id.
func (a *App) GrantConsent(ctx context.Context, caller access.Actor, requestID string, in GrantConsent) (string, error) {
	return createdBy(ctx, a.grant, domain.ActingFor(caller, in.OnBehalfOf), requestID, in, createdID)
}

// WithdrawConsent withdraws one of the patient's consents.
type WithdrawConsent struct {
	PatientID  string
	ConsentID  string
	OnBehalfOf *access.Actor
}

// WithdrawConsent withdraws a consent: every access check that begins after
// it returns no longer permits by it.
func (a *App) WithdrawConsent(ctx context.Context, caller access.Actor, requestID string, in WithdrawConsent) error {
	return done(a.withdraw.Handle(ctx, domain.ActingFor(caller, in.OnBehalfOf), requestID, in))
}

// RecordObjection is the patient's objection to §25 sharing with someone.
type RecordObjection struct {
	PatientID  string
	Against    domain.Party
	Categories []consentv1.Category
	OnBehalfOf *access.Actor
}

// RecordObjection records an objection and answers its id.
func (a *App) RecordObjection(ctx context.Context, caller access.Actor, requestID string, in RecordObjection) (string, error) {
	return createdBy(ctx, a.recordObjection, domain.ActingFor(caller, in.OnBehalfOf), requestID, in, createdID)
}

// LiftObjection lifts one of the patient's objections.
type LiftObjection struct {
	PatientID   string
	ObjectionID string
	OnBehalfOf  *access.Actor
}

// LiftObjection lifts an objection.
func (a *App) LiftObjection(ctx context.Context, caller access.Actor, requestID string, in LiftObjection) error {
	return done(a.liftObjection.Handle(ctx, domain.ActingFor(caller, in.OnBehalfOf), requestID, in))
}

// RecordCapacityAssessment is an assessment of capacity to consent in one domain.
type RecordCapacityAssessment struct {
	PatientID   string
	Domain      consentv1.CapacityDomain
	HasCapacity bool
	Note        string
}

// RecordCapacityAssessment records an assessment and answers its id.
func (a *App) RecordCapacityAssessment(ctx context.Context, actor access.Actor, requestID string, in RecordCapacityAssessment) (string, error) {
	return createdBy(ctx, a.assessCapacity, actor, requestID, in, createdID)
}

// RegisterRepresentative names a parent or guardian.
type RegisterRepresentative struct {
	PatientID              string
	PersonID               string
	Role                   consentv1.RepresentativeRole
	ParentalResponsibility bool
}

// RegisterRepresentative registers a representative and answers the registration's id.
func (a *App) RegisterRepresentative(ctx context.Context, actor access.Actor, requestID string, in RegisterRepresentative) (string, error) {
	return createdBy(ctx, a.registerRepresentative, actor, requestID, in, createdID)
}

// StartCompulsoryCare is a decision on compulsory observation (§3-2) or care (§3-3).
type StartCompulsoryCare struct {
	PatientID     string
	Kind          consentv1.CompulsoryCareKind
	DecisionMaker string
	// StartsOn is the first day, YYYY-MM-DD.
	StartsOn string
}

// StartCompulsoryCare records an episode and answers its id.
func (a *App) StartCompulsoryCare(ctx context.Context, actor access.Actor, requestID string, in StartCompulsoryCare) (string, error) {
	return createdBy(ctx, a.startCompulsoryCare, actor, requestID, in, createdID)
}

// EndCompulsoryCare ends an episode.
type EndCompulsoryCare struct {
	PatientID string
	EpisodeID string
	// EndedOn is the last day, YYYY-MM-DD.
	EndedOn string
}

// EndCompulsoryCare records the episode's last day.
func (a *App) EndCompulsoryCare(ctx context.Context, actor access.Actor, requestID string, in EndCompulsoryCare) error {
	return done(a.endCompulsoryCare.Handle(ctx, actor, requestID, in))
}

// PermitContactAfterEnd names a former provider who may contact the patient first.
type PermitContactAfterEnd struct {
	PatientID      string
	ProfessionalID string
	OnBehalfOf     *access.Actor
}

// PermitContactAfterEnd records the permission.
func (a *App) PermitContactAfterEnd(ctx context.Context, caller access.Actor, requestID string, in PermitContactAfterEnd) error {
	return done(a.permitContact.Handle(ctx, domain.ActingFor(caller, in.OnBehalfOf), requestID, in))
}

// RevokeContactAfterEnd names the professional whose permission ends.
type RevokeContactAfterEnd struct {
	PatientID      string
	ProfessionalID string
	OnBehalfOf     *access.Actor
}

// RevokeContactAfterEnd takes the permission back.
func (a *App) RevokeContactAfterEnd(ctx context.Context, caller access.Actor, requestID string, in RevokeContactAfterEnd) error {
	return done(a.revokeContact.Handle(ctx, domain.ActingFor(caller, in.OnBehalfOf), requestID, in))
}

// UseEmergencyAccess opens emergency access for the caller, with a reason.
type UseEmergencyAccess struct {
	PatientID string
	Reason    string
}

// UseEmergencyAccess opens time-boxed emergency access and answers it as
// opened, expiry included; it is logged and listed for review.
func (a *App) UseEmergencyAccess(ctx context.Context, actor access.Actor, requestID string, in UseEmergencyAccess) (domain.EmergencyAccess, error) {
	return createdBy(ctx, a.useEmergencyAccess, actor, requestID, in, openedAccess)
}

// ReviewEmergencyAccess is a reviewer's verdict on an emergency access.
type ReviewEmergencyAccess struct {
	PatientID string
	AccessID  string
	Justified bool
	Note      string
}

// ReviewEmergencyAccess records the verdict.
func (a *App) ReviewEmergencyAccess(ctx context.Context, actor access.Actor, requestID string, in ReviewEmergencyAccess) error {
	return done(a.reviewEmergencyAccess.Handle(ctx, actor, requestID, in))
}

// createdBy runs a command and answers with what its commit created, read
// from the state the pipeline answered with under the request's key. On a
// replay that is the state the first run left, so a retry answers the same
// id (and the same expiry) as the first time, never a later state.
func createdBy[C, T any](ctx context.Context, h *command.Handler[domain.PatientState, C], actor access.Actor, requestID string, cmd C,
	answer func(domain.PatientState, string) T) (T, error) {
	res, err := h.Handle(ctx, actor, requestID, cmd)
	if err != nil {
		var zero T
		return zero, err
	}
	id, _ := res.State.CreatedBy(decider.RequestKey(actor.Scope(), requestID))
	return answer(res.State, id), nil
}

func createdID(_ domain.PatientState, id string) string { return id }

func openedAccess(s domain.PatientState, id string) domain.EmergencyAccess {
	e, _ := s.EmergencyAccess(id)
	return e
}

// done answers a command whose answer is only whether it was applied.
func done[S any](_ command.Result[S], err error) error { return err }
