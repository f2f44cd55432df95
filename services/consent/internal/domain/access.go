package domain

import (
	"slices"
	"time"

	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// AccessRequest is one question to the policy decision point.
type AccessRequest struct {
	ActorProfessionalID string
	ActorOrgNumber      string
	// ActorIsPatientSelf is set by the caller when the authenticated patient
	// is the one whose data is asked for.
	ActorIsPatientSelf bool
	Category           consentv1.Category
	// Purpose is recorded in the access log; it never denies by itself.
	Purpose consentv1.Purpose
	Now     time.Time
}

// AccessDecision is the answer: permit or deny, and on which basis.
type AccessDecision struct {
	Permit    bool
	Basis     consentv1.Basis
	ConsentID string // set when Basis is BASIS_CONSENT
}

// Decision is the wire form of Permit.
func (d AccessDecision) Decision() consentv1.Decision {
	if d.Permit {
		return consentv1.Decision_DECISION_PERMIT
	}
	return consentv1.Decision_DECISION_DENY
}

func deny() AccessDecision { return AccessDecision{} }

func permit(b consentv1.Basis) AccessDecision { return AccessDecision{Permit: true, Basis: b} }

// CheckAccess decides whether an actor may read one category of the
// patient's data (DESIGN §6.3). The bases are tried in a fixed order so the
// answer, and the basis written to the access log, are deterministic:
//
//  1. the patient's own data;
//  2. a consent (§22) naming the actor, the actor's organisation, or the care
//     team the actor is in, for the category, not withdrawn, not expired;
//  3. an emergency access this professional opened and that is still open;
//  4. the care team under §25 — the receiving unit while a referral is open,
//     the active pathway's unit and coordinator, health personnel with an
//     active care relationship — unless an objection covers the category and
//     names the professional or their unit;
//  5. a unit that holds its own record of a referral, for CATEGORY_REFERRAL;
//     the organisation that sent a referral holds the record it wrote, for
//     whoever there asks (its integration engine follows the referral's
//     status; the referral service opens only the records it sent).
//
// Bases 3–5 (but the sender's) and care-team consents need an hpr: id: NAV, schools,
// educational-psychological services and child welfare (ext:) reach patient
// data only by a consent naming them or their organisation. Everything else
// is denied, and an unknown patient looks the same as a denied one.
func CheckAccess(s PatientState, req AccessRequest) AccessDecision {
	if req.ActorIsPatientSelf {
		return permit(consentv1.Basis_BASIS_OWN_DATA)
	}
	// CATEGORY_ALL is a way to write consents and objections, not something
	// to ask for: a read always concerns concrete data.
	if req.Category == consentv1.Category_CATEGORY_UNSPECIFIED || req.Category == consentv1.Category_CATEGORY_ALL {
		return deny()
	}
	// The sender's own record: its integration engine follows the status of
	// what it sent, with whatever client id its token carries.
	if req.Category == consentv1.Category_CATEGORY_REFERRAL && req.ActorOrgNumber != "" {
		for _, r := range s.Referrals {
			if r.Sender == req.ActorOrgNumber {
				return permit(consentv1.Basis_BASIS_RECORD_HOLDER)
			}
		}
	}
	actor, err := ids.ParseProfessionalID(req.ActorProfessionalID)
	if err != nil {
		return deny()
	}
	org := req.ActorOrgNumber
	if org == "" && !actor.IsHealthPersonnel() {
		org = actor.OrgNumber()
	}
	a := actorRef{id: req.ActorProfessionalID, org: org, health: actor.IsHealthPersonnel()}
	inTeam := a.health && InCareTeam(s, a.id, a.org, req.Category)

	for _, c := range s.Consents {
		if !c.ActiveAt(req.Now) || !covers(c.Categories, req.Category) {
			continue
		}
		switch {
		case c.Grantee.ProfessionalID != "" && c.Grantee.ProfessionalID == a.id,
			c.Grantee.Unit.OrgNumber != "" && c.Grantee.Unit.OrgNumber == a.org:
			return AccessDecision{Permit: true, Basis: consentv1.Basis_BASIS_CONSENT, ConsentID: c.ID}
		case c.Grantee.CareTeam && inTeam && !objected(s, a, req.Category):
			// A consent to "the care team" is generic; an objection naming
			// someone is the patient's more specific, so it wins.
			return AccessDecision{Permit: true, Basis: consentv1.Basis_BASIS_CONSENT, ConsentID: c.ID}
		}
	}
	if !a.health {
		return deny()
	}
	if slices.ContainsFunc(s.EmergencyAccesses, func(e EmergencyAccess) bool {
		return e.ProfessionalID == a.id && e.OpenAt(req.Now)
	}) {
		return permit(consentv1.Basis_BASIS_EMERGENCY)
	}
	if inTeam && !objected(s, a, req.Category) {
		return permit(consentv1.Basis_BASIS_CARE_TEAM)
	}
	// The unit keeps its own record of a referral it received after the
	// referral closed there or moved on. While the referral is open at the
	// unit, its access is the care team's (§25), which an objection overrides.
	// The referral service still checks that the record asked for is one the
	// unit held: this basis opens that record, not the patient's others.
	if req.Category == consentv1.Category_CATEGORY_REFERRAL && a.org != "" {
		for _, r := range s.Referrals {
			openHere := r.Open && r.Unit.OrgNumber == a.org
			if slices.Contains(r.RecordHolders, a.org) && !openHere {
				return permit(consentv1.Basis_BASIS_RECORD_HOLDER)
			}
		}
	}
	return deny()
}

type actorRef struct {
	id     string
	org    string
	health bool
}

// InCareTeam reports whether health personnel professionalID at
// organisation orgNumber is cooperating personnel in the patient's care
// team (§25). Callers pass only hpr: ids; CheckAccess enforces that.
func InCareTeam(s PatientState, professionalID, orgNumber string, category consentv1.Category) bool {
	for _, r := range s.Referrals {
		if r.Open && orgNumber != "" && r.Unit.OrgNumber == orgNumber {
			return true
		}
	}
	for _, p := range s.ActivePathways {
		if (orgNumber != "" && p.Unit.OrgNumber == orgNumber) || p.CoordinatorProfessionalID == professionalID {
			return true
		}
	}
	for _, c := range s.ActiveCareRelationships {
		if c.ProfessionalID == professionalID && (c.OnlyFor == nil || slices.Contains(c.OnlyFor, category)) {
			return true
		}
	}
	return false
}

// objected reports whether an objection in force covers the category and
// names the actor or the actor's unit.
func objected(s PatientState, a actorRef, category consentv1.Category) bool {
	return slices.ContainsFunc(s.Objections, func(o Objection) bool {
		if o.Lifted() || !covers(o.Categories, category) {
			return false
		}
		return (o.Against.ProfessionalID != "" && o.Against.ProfessionalID == a.id) ||
			(o.Against.Unit.OrgNumber != "" && o.Against.Unit.OrgNumber == a.org)
	})
}
