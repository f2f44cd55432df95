package domain

import (
	"maps"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// handoffFactPrefix keys a planned handoff's successor in
// ActiveCareRelationships, apart from real relationship ids.
const handoffFactPrefix = "handoff:"

// evolveContinuityFacts folds the continuity context's events: health
// personnel (hpr:) with an active care relationship are the patient's care
// team (§25), and so is a planned handoff's successor who is health
// personnel, so the handoff summary can reach them as cooperating personnel
// unless the patient objected. NAV, school and other ext: professionals are
// never folded in: they reach patient data only by consent.
func evolveContinuityFacts(s PatientState, event proto.Message) PatientState {
	switch e := event.(type) {
	case *continuityv1.RelationshipStarted:
		if isHealthPersonnel(e.GetProfessionalId()) {
			s = putCareRelationship(s, CareRelationshipFact{
				ID: e.GetRelationshipId(), ProfessionalID: e.GetProfessionalId(), OrgNumber: e.GetUnit().GetOrgNumber(),
			})
		}
	case *continuityv1.RelationshipEnded:
		s = dropCareRelationship(s, e.GetRelationshipId())
	case *continuityv1.HandoffPlanned:
		if isHealthPersonnel(e.GetToProfessionalId()) {
			s = putCareRelationship(s, CareRelationshipFact{
				ID: handoffFactPrefix + e.GetHandoffId(), ProfessionalID: e.GetToProfessionalId(), OrgNumber: e.GetToUnit().GetOrgNumber(),
				OnlyFor: []consentv1.Category{consentv1.Category_CATEGORY_RELATIONSHIPS},
			})
		}
	case *continuityv1.HandoffCompleted:
		// The successor's own relationship starts in the same commit and
		// takes over from the planned-handoff fact.
		s = dropCareRelationship(s, handoffFactPrefix+e.GetHandoffId())
	}
	return s
}

func isHealthPersonnel(professionalID string) bool {
	p, err := ids.ParseProfessionalID(professionalID)
	return err == nil && p.IsHealthPersonnel()
}

func putCareRelationship(s PatientState, f CareRelationshipFact) PatientState {
	m := maps.Clone(s.ActiveCareRelationships)
	if m == nil {
		m = map[string]CareRelationshipFact{}
	}
	m[f.ID] = f
	s.ActiveCareRelationships = m
	return s
}

func dropCareRelationship(s PatientState, id string) PatientState {
	if _, ok := s.ActiveCareRelationships[id]; !ok {
		return s
	}
	m := maps.Clone(s.ActiveCareRelationships)
	delete(m, id)
	s.ActiveCareRelationships = m
	return s
}
