package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// ActingFor is who a command is by: the caller, or — when the caller is one
// of the suite's own services and names one — the end user it records a
// choice for (the continuity service passing on what the patient chose
// there). The end user then passes the same rules as if they had asked here
// themselves, and the commit still names the service that carried it.
//
// Only the suite's service key can make a service identity, and the
// authentication interceptor refuses on_behalf_of from anyone else, so a
// named end user from any other caller never gets here; if one did, it is
// ignored and the caller acts as themself. A service may not name another
// service: services record nothing of their own here.
func ActingFor(caller access.Actor, onBehalfOf *access.Actor) access.Actor {
	if !caller.IsService() || onBehalfOf == nil {
		return caller
	}
	end := *onBehalfOf
	if end.Role == access.RoleService {
		end.Role = ""
	}
	end.Service = caller.Service
	return end
}

// AuthorizeRecordChoice decides who may record a choice that is the
// patient's (a consent, an objection, contact after the relationship ends):
// the patient themself, or a professional with access to the patient's
// consent information recording what the patient chose (DESIGN §6.3). To
// anyone else the patient does not exist.
func AuthorizeRecordChoice(s PatientState, actor access.Actor, now time.Time) error {
	if actor.IsPatientSelf(s.PatientID) {
		return nil
	}
	return authorizeProfessional(s, actor, now)
}

// AuthorizeProfessionalRecord decides who may record what professionals
// establish about the patient (a representative, compulsory care): a
// professional with access to the patient's consent information. A patient,
// this one or another, is refused the same way whoever the patient id names.
func AuthorizeProfessionalRecord(s PatientState, actor access.Actor, now time.Time) error {
	if actor.IsPatient() {
		return errs.Permission("patients cannot record this themselves")
	}
	return authorizeProfessional(s, actor, now)
}

// AuthorizeRecordCapacityAssessment: assessing capacity to consent is a
// clinical judgement (Patient and User Rights Act §4-3), so only health
// personnel (hpr:) with access to the patient's consent information record
// one. Who is not health personnel is refused before the patient is looked
// at, so the refusal says nothing about the patient.
func AuthorizeRecordCapacityAssessment(s PatientState, actor access.Actor, now time.Time) error {
	if !actor.IsHealthPersonnel() {
		return errs.Permission("only health personnel assess capacity to consent")
	}
	return AuthorizeProfessionalRecord(s, actor, now)
}

// AuthorizeUseEmergencyAccess lets any health personnel open emergency
// access, to any patient: it exists for when no other basis does. NAV,
// schools and child welfare reach patient data by consent alone, and an
// emergency door would bypass that.
func AuthorizeUseEmergencyAccess(actor access.Actor) error {
	if !actor.IsHealthPersonnel() {
		return errs.Permission("only health personnel may use emergency access")
	}
	return nil
}

// AuthorizeReviewEmergencyAccess: an emergency access is reviewed where it
// was used, by health personnel of the organisation whose professional
// opened it, and never by that professional (reviewing your own emergency
// access would defeat the review). An access opened elsewhere is, to the
// reviewer, an access that does not exist.
func AuthorizeReviewEmergencyAccess(s PatientState, actor access.Actor, accessID string) error {
	if !actor.IsHealthPersonnel() {
		return errs.Permission("only health personnel review emergency access")
	}
	e, ok := s.EmergencyAccess(accessID)
	if !ok || e.OrgNumber == "" || e.OrgNumber != actor.OrgNumber {
		return errs.NotFound("emergency access")
	}
	if e.ProfessionalID == actor.ProfessionalID {
		return errs.Precondition("an emergency access is reviewed by someone other than who opened it")
	}
	return nil
}

// AuthorizeCheckAccess lets only the suite's own services ask the policy
// decision point: to anyone else it would answer whether a person is a
// patient (Health Personnel Act §21).
func AuthorizeCheckAccess(actor access.Actor) error {
	if !actor.IsService() {
		return errs.Permission("only services may check access")
	}
	return nil
}

// authorizeProfessional permits an actor the access rules give the
// patient's consent information (CheckAccess, CATEGORY_CONSENT); for anyone
// else the patient does not exist.
func authorizeProfessional(s PatientState, actor access.Actor, now time.Time) error {
	d := CheckAccess(s, AccessRequest{
		ActorProfessionalID: actor.ProfessionalID, ActorOrgNumber: actor.OrgNumber,
		Category: consentv1.Category_CATEGORY_CONSENT, Now: now,
	})
	if !d.Permit {
		return errs.NotFound("patient")
	}
	return nil
}
