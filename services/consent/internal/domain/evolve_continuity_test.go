package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

const (
	therapistHPR = "hpr:3333333"
	successorHPR = "hpr:4444444"
	navSuccessor = "ext:889640782:case-18"
)

func relationshipStarted(id, professional string) *continuityv1.RelationshipStarted {
	return &continuityv1.RelationshipStarted{
		RelationshipId: id, PatientId: patientID, ProfessionalId: professional, Role: continuityv1.Role_ROLE_THERAPIST,
		Unit: &eventsv1.UnitRef{HerId: "81", OrgNumber: otherOrg},
	}
}

func relationshipEnded(id string) *continuityv1.RelationshipEnded {
	return &continuityv1.RelationshipEnded{RelationshipId: id, PatientId: patientID, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT}
}

func handoffPlanned(id, from, to string) *continuityv1.HandoffPlanned {
	return &continuityv1.HandoffPlanned{
		HandoffId: id, PatientId: patientID, FromRelationshipId: from, ToProfessionalId: to,
		ToRole: continuityv1.Role_ROLE_THERAPIST, ToUnit: &eventsv1.UnitRef{HerId: "82", OrgNumber: newUnitOrg},
	}
}

func accessOf(s domain.PatientState, professional, org string, cat consentv1.Category) domain.AccessDecision {
	return domain.CheckAccess(s, domain.AccessRequest{ActorProfessionalID: professional, ActorOrgNumber: org, Category: cat})
}

func TestHealthPersonnelWithAnActiveCareRelationshipAreInTheCareTeam(t *testing.T) {
	tests := []struct {
		name         string
		events       []proto.Message
		professional string
		permit       bool
	}{
		{"active relationship", []proto.Message{relationshipStarted("r1", therapistHPR)}, therapistHPR, true},
		{"ended relationship", []proto.Message{relationshipStarted("r1", therapistHPR), relationshipEnded("r1")}, therapistHPR, false},
		{"NAV case worker with a relationship", []proto.Message{relationshipStarted("r1", navOfficer)}, navOfficer, false},
		{"planned successor who is health personnel", []proto.Message{
			relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", successorHPR)}, successorHPR, true},
		{"planned successor who is not health personnel", []proto.Message{
			relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", navSuccessor)}, navSuccessor, false},
		{"completed handoff: the successor's own relationship counts", []proto.Message{
			relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", successorHPR),
			&continuityv1.HandoffCompleted{HandoffId: "h1", PatientId: patientID, ToRelationshipId: "r2", ToProfessionalId: successorHPR},
			relationshipStarted("r2", successorHPR), relationshipEnded("r1")}, successorHPR, true},
		{"completed handoff, successor's relationship ended", []proto.Message{
			relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", successorHPR),
			&continuityv1.HandoffCompleted{HandoffId: "h1", PatientId: patientID, ToRelationshipId: "r2", ToProfessionalId: successorHPR},
			relationshipStarted("r2", successorHPR), relationshipEnded("r2")}, successorHPR, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fold(domain.Initial(patientID), tt.events...)
			d := accessOf(s, tt.professional, "", consentv1.Category_CATEGORY_RELATIONSHIPS)
			if d.Permit != tt.permit || (tt.permit && d.Basis != consentv1.Basis_BASIS_CARE_TEAM) {
				t.Fatalf("decision = %+v, want permit %v on the care-team basis", d, tt.permit)
			}
		})
	}
}

func TestAnObjectionKeepsThePlannedSuccessorFromTheHandoffSummary(t *testing.T) {
	s := fold(domain.Initial(patientID), relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", successorHPR),
		objectionAgainstProfessional("o1", successorHPR, consentv1.Category_CATEGORY_RELATIONSHIPS))
	if d := accessOf(s, successorHPR, "", consentv1.Category_CATEGORY_RELATIONSHIPS); d.Permit {
		t.Fatalf("decision = %+v, want deny", d)
	}
}

func TestAPlannedSuccessorReceivesTheHandoffSummaryButNotTheRestOfTheRecord(t *testing.T) {
	s := fold(domain.Initial(patientID), relationshipStarted("r1", therapistHPR), handoffPlanned("h1", "r1", successorHPR))
	for _, cat := range []consentv1.Category{consentv1.Category_CATEGORY_PATHWAY, consentv1.Category_CATEGORY_PLAN, consentv1.Category_CATEGORY_CONSENT} {
		if d := accessOf(s, successorHPR, "", cat); d.Permit {
			t.Fatalf("%v: decision = %+v, want deny until the handoff completes", cat, d)
		}
	}
	if d := accessOf(s, successorHPR, "", consentv1.Category_CATEGORY_RELATIONSHIPS); !d.Permit {
		t.Fatalf("relationships: decision = %+v, want permit", d)
	}
}

func TestContinuityFoldDoesNotMutateEarlierStates(t *testing.T) {
	s1 := fold(domain.Initial(patientID), relationshipStarted("r1", therapistHPR))
	s2 := fold(s1, relationshipEnded("r1"), handoffPlanned("h1", "r1", successorHPR))
	if _, ok := s1.ActiveCareRelationships["r1"]; !ok || len(s1.ActiveCareRelationships) != 1 {
		t.Fatalf("evolving s1 changed it: %v", s1.ActiveCareRelationships)
	}
	if _, ok := s2.ActiveCareRelationships["r1"]; ok || len(s2.ActiveCareRelationships) != 1 {
		t.Fatalf("s2 = %v, want only the planned successor", s2.ActiveCareRelationships)
	}
}
