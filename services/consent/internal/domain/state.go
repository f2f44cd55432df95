package domain

import (
	"slices"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// Unit is a unit: HER-id plus organisation number.
type Unit = ids.Unit

// Party is a grantee of a consent or the target of an objection: exactly one
// of a named professional, a unit, or (grantees only) the care team.
type Party struct {
	ProfessionalID string
	Unit           Unit
	CareTeam       bool
}

// Consent is one consent (§22).
type Consent struct {
	ID              string
	Grantee         Party
	Categories      []consentv1.Category
	Purpose         consentv1.Purpose
	ValidUntil      time.Time // zero: until withdrawn
	Method          consentv1.ConsentMethod
	RecordedBy      string
	GrantedAt       time.Time
	WithdrawnAt     time.Time // zero: not withdrawn
	ChosenByPatient bool
}

// Withdrawn reports whether the consent was withdrawn.
func (c Consent) Withdrawn() bool { return !c.WithdrawnAt.IsZero() }

// ActiveAt reports whether the consent applies at now: not withdrawn and not
// expired. valid_until is exclusive, so a consent valid until 12:00 no longer
// applies at 12:00.
func (c Consent) ActiveAt(now time.Time) bool {
	return !c.Withdrawn() && (c.ValidUntil.IsZero() || now.Before(c.ValidUntil))
}

// Objection is the patient's objection to §25 sharing with someone.
type Objection struct {
	ID         string
	Against    Party
	Categories []consentv1.Category
	RecordedBy string
	RecordedAt time.Time
	LiftedAt   time.Time // zero: in force
}

// Lifted reports whether the objection was lifted.
func (o Objection) Lifted() bool { return !o.LiftedAt.IsZero() }

// CapacityAssessment is one assessment of capacity to consent in a domain.
type CapacityAssessment struct {
	ID          string
	Domain      consentv1.CapacityDomain
	HasCapacity bool
	AssessedBy  string
	AssessedAt  time.Time
	Note        string
}

// Representative is a parent or guardian.
type Representative struct {
	ID                     string
	PersonID               string
	Role                   consentv1.RepresentativeRole
	ParentalResponsibility bool
	RegisteredBy           string
	RegisteredAt           time.Time
}

// CompulsoryCareEpisode is one period of compulsory observation (§3-2) or
// compulsory care (§3-3). EndedOn is the last day; zero while ongoing.
type CompulsoryCareEpisode struct {
	ID            string
	Kind          consentv1.CompulsoryCareKind
	DecisionMaker string
	StartsOn      civil.Date
	EndedOn       civil.Date
	RecordedBy    string
}

// Ended reports whether the episode has an end date.
func (e CompulsoryCareEpisode) Ended() bool { return !e.EndedOn.IsZero() }

// ActiveOn reports whether the episode covers the date on (both ends inclusive).
func (e CompulsoryCareEpisode) ActiveOn(on civil.Date) bool {
	return !on.Before(e.StartsOn) && (!e.Ended() || !on.After(e.EndedOn))
}

// EmergencyAccess is one opened emergency access.
type EmergencyAccess struct {
	ID             string
	ProfessionalID string
	OrgNumber      string
	Reason         string
	OpenedAt       time.Time
	ExpiresAt      time.Time
	Reviewed       bool
	Justified      bool
	ReviewNote     string
	ReviewedBy     string
	ReviewedAt     time.Time
}

// OpenAt reports whether the access is in its time box at now.
func (e EmergencyAccess) OpenAt(now time.Time) bool {
	return !now.Before(e.OpenedAt) && now.Before(e.ExpiresAt)
}

// ReferralFact is what the consent context needs to know about one of the
// patient's referrals: where it is, whether it is open, and which units hold
// a record of it.
type ReferralFact struct {
	ID   string
	Unit Unit // the current receiving unit
	// Open while received, being assessed, or granted and its pathway not
	// completed or transferred. NoRight and withdrawal close it; pathway
	// completion or transfer closes a granted one.
	Open bool
	// RightGranted marks a referral that stays open until its pathway ends.
	RightGranted bool
	// RecordHolders are the organisation numbers that received the referral
	// at some point (the current unit and every unit it was forwarded from).
	// They keep their own record of it (BASIS_RECORD_HOLDER).
	RecordHolders []string
	// Sender is the organisation that sent the referral: it keeps the
	// record it wrote (BASIS_RECORD_HOLDER), whoever there asks.
	Sender string
}

// PathwayFact is an active care pathway, folded from the pathway context's
// events (evolve_pathway.go): its unit and coordinator are the care team.
type PathwayFact struct {
	ID                        string
	Unit                      Unit
	CoordinatorProfessionalID string
}

// CareRelationshipFact is an active care relationship with health personnel,
// or a planned handoff's successor, folded from the continuity context's
// events (evolve_continuity.go).
type CareRelationshipFact struct {
	ID             string
	ProfessionalID string
	OrgNumber      string
	// OnlyFor limits which categories this fact opens; nil means all. A
	// planned handoff's successor is cooperating personnel for the handoff
	// summary (relationships), not yet for the rest of the patient's data.
	OnlyFor []consentv1.Category
}

// PatientState is the consent aggregate of one patient. Maps and slices are
// shared between successive states and never written in place: Evolve clones
// what it changes, so a state a reader holds never moves under it.
type PatientState struct {
	PatientID string
	// BirthDate comes from ReferralReceived; zero when no referral was seen.
	BirthDate civil.Date

	Consents            []Consent // grant order
	Objections          []Objection
	CapacityAssessments []CapacityAssessment // assessment order; the latest per domain counts
	Representatives     []Representative
	CompulsoryCare      []CompulsoryCareEpisode
	// ContactAfterEnd maps a professional id to when contact was permitted.
	ContactAfterEnd   map[string]time.Time
	EmergencyAccesses []EmergencyAccess

	// Care-team facts folded from other contexts.
	Referrals map[string]ReferralFact
	// ActivePathways by pathway id (evolve_pathway.go).
	ActivePathways map[string]PathwayFact
	// ActiveCareRelationships by relationship id, and planned handoffs'
	// successors by "handoff:<id>" (evolve_continuity.go).
	ActiveCareRelationships map[string]CareRelationshipFact

	// Created maps the idempotency key of each of the patient's own commits
	// to the id of what it created or changed (a consent id, an episode id),
	// so the state a commit left behind answers what that command answered,
	// on its first run and on every replay.
	Created map[string]string
}

// Initial is the state of a patient with no events.
func Initial(patientID string) PatientState { return PatientState{PatientID: patientID} }

// CreatedBy is the id the commit applied under an idempotency key created
// or changed.
func (s PatientState) CreatedBy(key string) (string, bool) {
	id, ok := s.Created[key]
	return id, ok && key != ""
}

// Consent finds a consent by id.
func (s PatientState) Consent(id string) (Consent, bool) {
	i := slices.IndexFunc(s.Consents, func(c Consent) bool { return c.ID == id })
	if i < 0 {
		return Consent{}, false
	}
	return s.Consents[i], true
}

// Objection finds an objection by id.
func (s PatientState) Objection(id string) (Objection, bool) {
	i := slices.IndexFunc(s.Objections, func(o Objection) bool { return o.ID == id })
	if i < 0 {
		return Objection{}, false
	}
	return s.Objections[i], true
}

// Episode finds a compulsory care episode by id.
func (s PatientState) Episode(id string) (CompulsoryCareEpisode, bool) {
	i := slices.IndexFunc(s.CompulsoryCare, func(e CompulsoryCareEpisode) bool { return e.ID == id })
	if i < 0 {
		return CompulsoryCareEpisode{}, false
	}
	return s.CompulsoryCare[i], true
}

// EmergencyAccess finds an emergency access by id.
func (s PatientState) EmergencyAccess(id string) (EmergencyAccess, bool) {
	i := slices.IndexFunc(s.EmergencyAccesses, func(e EmergencyAccess) bool { return e.ID == id })
	if i < 0 {
		return EmergencyAccess{}, false
	}
	return s.EmergencyAccesses[i], true
}

// ContactAfterEndPermitted reports whether the patient lets the professional
// contact them first after the relationship ended. Off by default.
func (s PatientState) ContactAfterEndPermitted(professionalID string) bool {
	_, ok := s.ContactAfterEnd[professionalID]
	return ok
}

// ActiveConsents are the consents that apply at now, in grant order.
func (s PatientState) ActiveConsents(now time.Time) []Consent {
	var out []Consent
	for _, c := range s.Consents {
		if c.ActiveAt(now) {
			out = append(out, c)
		}
	}
	return out
}

// covers reports whether a list of categories includes category c, directly
// or through CATEGORY_ALL.
func covers(cats []consentv1.Category, c consentv1.Category) bool {
	return slices.Contains(cats, consentv1.Category_CATEGORY_ALL) || slices.Contains(cats, c)
}
