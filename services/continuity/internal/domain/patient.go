package domain

import (
	"slices"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/ids"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// Unit is a unit: HER-id plus organisation number.
type Unit = ids.Unit

// Relationship is one care relationship.
type Relationship struct {
	ID              string
	ProfessionalID  string
	Role            continuityv1.Role
	Unit            Unit
	Sector          continuityv1.Sector
	ChosenByPatient bool
	StartedAt       time.Time
	EndedAt         time.Time // zero while active
	EndReason       continuityv1.EndReason
	FromHandoffID   string
	Contacts        int
	LastContactAt   time.Time
}

// Active reports whether the relationship has not ended.
func (r Relationship) Active() bool { return r.EndedAt.IsZero() }

// IsKeyRole reports whether a role is one of the named persons a patient
// must not be left without: coordinator, contact person, therapist and
// pathway coordinator, counted together.
func IsKeyRole(r continuityv1.Role) bool {
	switch r {
	case continuityv1.Role_ROLE_COORDINATOR, continuityv1.Role_ROLE_CONTACT_PERSON,
		continuityv1.Role_ROLE_THERAPIST, continuityv1.Role_ROLE_PATHWAY_COORDINATOR:
		return true
	}
	return false
}

// Handoff moves a patient from one relationship to the next.
type Handoff struct {
	ID                 string
	FromRelationshipID string
	ToProfessionalID   string
	ToRole             continuityv1.Role
	ToUnit             Unit
	ToSector           continuityv1.Sector
	PlannedAt          time.Time
	Kind               continuityv1.HandoffKind
	JointMeeting       bool
	CompletedAt        time.Time // zero while planned
	SummaryShared      bool
	CompletedKind      continuityv1.HandoffKind
	ToRelationshipID   string
}

// Completed reports whether the successor took over.
func (h Handoff) Completed() bool { return !h.CompletedAt.IsZero() }

// Preference is what the patient wants kept.
type Preference struct {
	KeepProfessionalID            string
	Closeness                     continuityv1.Closeness
	ContactAfterEnd               bool
	ContactAfterEndProfessionalID string
	ChosenByPatient               bool
	RecordedAt                    time.Time
}

// Member is one planning-group member.
type Member struct {
	ProfessionalID  string
	Role            continuityv1.Role
	ChosenByPatient bool
	ConsentID       string
	AddedAt         time.Time
}

// Goal is a goal in the patient's own words.
type Goal struct {
	ID    string
	Text  string
	SetAt time.Time
}

// PlanService is a service in the plan.
type PlanService struct {
	ID                        string
	Description               string
	ResponsibleProfessionalID string
	ResponsibleUnit           Unit
	From, To                  civil.Date
}

// Review is one plan review.
type Review struct {
	ReviewedOn      civil.Date
	Summary         string
	PatientTookPart bool
	NextReviewOn    civil.Date
	ReviewedBy      string
}

// Plan is the individual plan (Patient and User Rights Act §2-5).
type Plan struct {
	ID                         string
	CreatedAt                  time.Time
	ConsentRecordedBy          string
	CoordinatorID              string
	CoordinatorChosenByPatient bool
	Members                    []Member
	Goals                      []Goal
	Services                   []PlanService
	MeetingPreference          continuityv1.MeetingPreference
	PeriodFrom, PeriodTo       civil.Date
	NextReviewOn               civil.Date
	Reviews                    []Review
}

// Member finds a current member.
func (p Plan) Member(professionalID string) (Member, bool) {
	i := slices.IndexFunc(p.Members, func(m Member) bool { return m.ProfessionalID == professionalID })
	if i < 0 {
		return Member{}, false
	}
	return p.Members[i], true
}

// Patient is the continuity aggregate of one patient. Slices are shared
// between successive states and never written in place: Evolve copies what
// it changes, so a state a reader holds never moves under it.
type Patient struct {
	PatientID     string
	Relationships []Relationship // start order
	Handoffs      []Handoff      // plan order
	// WithoutContact is set by PatientLeftWithoutContact and cleared by
	// PatientContactRestored, so the alert is raised once per loss.
	WithoutContact bool
	Preference     *Preference
	Plan           *Plan
	// Results maps a caller-scoped idempotency key to the id the request
	// produced, so a retried request answers with the original id.
	Results map[string]string
}

// Initial is the state of a patient with no events.
func Initial(patientID string) Patient { return Patient{PatientID: patientID} }

// Exists reports whether anything was recorded for the patient.
func (p Patient) Exists() bool {
	return len(p.Relationships) > 0 || p.Plan != nil || p.Preference != nil
}

// Relationship finds a relationship by id.
func (p Patient) Relationship(id string) (Relationship, bool) {
	i := slices.IndexFunc(p.Relationships, func(r Relationship) bool { return r.ID == id })
	if i < 0 {
		return Relationship{}, false
	}
	return p.Relationships[i], true
}

// Handoff finds a handoff by id.
func (p Patient) Handoff(id string) (Handoff, bool) {
	i := slices.IndexFunc(p.Handoffs, func(h Handoff) bool { return h.ID == id })
	if i < 0 {
		return Handoff{}, false
	}
	return p.Handoffs[i], true
}

// ActiveKeyRelationships counts active relationships in a key role, leaving
// out the one with id except.
func (p Patient) ActiveKeyRelationships(except string) int {
	n := 0
	for _, r := range p.Relationships {
		if r.ID != except && r.Active() && IsKeyRole(r.Role) {
			n++
		}
	}
	return n
}

// completedHandoffFrom reports whether a handoff from the relationship was completed.
func (p Patient) completedHandoffFrom(relationshipID string) bool {
	return slices.ContainsFunc(p.Handoffs, func(h Handoff) bool {
		return h.FromRelationshipID == relationshipID && h.Completed()
	})
}

// ResultOf is the id an earlier request with this key produced.
func (p Patient) ResultOf(key string) (string, bool) {
	if key == "" {
		return "", false
	}
	id, ok := p.Results[key]
	return id, ok
}
