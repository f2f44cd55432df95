package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

func pathwayStarted(pathwayID, referralID, org string) *pathwayv1.PathwayStarted {
	return &pathwayv1.PathwayStarted{PathwayId: pathwayID, ReferralId: referralID, PatientId: patientID,
		Unit: &eventsv1.UnitRef{HerId: unitHer, OrgNumber: org}}
}

func coordinatorAssigned(pathwayID, hpr string) *pathwayv1.PathwayCoordinatorAssigned {
	return &pathwayv1.PathwayCoordinatorAssigned{PathwayId: pathwayID, ProfessionalId: hpr}
}

func pathwayTransferred(pathwayID, referralID, from, to, next string) *pathwayv1.PathwayTransferred {
	return &pathwayv1.PathwayTransferred{PathwayId: pathwayID, ReferralId: referralID, NewPathwayId: next,
		FromUnit: &eventsv1.UnitRef{OrgNumber: from}, ToUnit: &eventsv1.UnitRef{OrgNumber: to}}
}

func pathwayCompleted(pathwayID, referralID string) *pathwayv1.PathwayCompleted {
	return &pathwayv1.PathwayCompleted{PathwayId: pathwayID, ReferralId: referralID}
}

// grantedWithPathway is a referral granted at the receiving unit whose
// pathway started there with a coordinator from elsewhere.
func grantedWithPathway() []proto.Message {
	return []proto.Message{
		received("r1", unitOrg, "1990-01-01"), granted("r1"),
		pathwayStarted("p1", "r1", unitOrg), coordinatorAssigned("p1", coordinatorHPR),
	}
}

func TestActivePathwayPutsItsUnitAndCoordinatorInTheCareTeam(t *testing.T) {
	runAccess(t, []accessCase{
		{name: "unit personnel", given: grantedWithPathway(), actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "pathway coordinator from another organisation", given: grantedWithPathway(), actor: coordinatorHPR, org: otherOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "stranger", given: grantedWithPathway(), actor: strangerHPR, org: otherOrg, cat: catPathway, permit: false, basis: basisNone},
	})
}

func TestCompletedPathwayClosesItsReferralAndLeavesTheCareTeam(t *testing.T) {
	given := append(grantedWithPathway(), pathwayCompleted("p1", "r1"))
	s := fold(domain.Initial(patientID), given...)
	if len(s.ActivePathways) != 0 {
		t.Fatalf("active pathways after completion: %v", s.ActivePathways)
	}
	if s.Referrals["r1"].Open {
		t.Fatal("the granted referral stayed open after its pathway completed")
	}
	runAccess(t, []accessCase{
		{name: "unit loses care-team access", given: given, actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: false, basis: basisNone},
		{name: "coordinator loses care-team access", given: given, actor: coordinatorHPR, org: otherOrg, cat: catPathway, permit: false, basis: basisNone},
		{name: "unit keeps its referral record", given: given, actor: clinicianHPR, org: unitOrg, cat: catReferral, permit: true, basis: basisRecorder},
	})
}

func TestTransferMovesTheCareTeamToTheNewUnit(t *testing.T) {
	given := append(grantedWithPathway(),
		pathwayTransferred("p1", "r1", unitOrg, newUnitOrg, "p2"),
		pathwayStarted("p2", "r1", newUnitOrg))
	s := fold(domain.Initial(patientID), given...)
	if _, ok := s.ActivePathways["p1"]; ok {
		t.Fatal("the transferred pathway is still active")
	}
	if s.ActivePathways["p2"].Unit.OrgNumber != newUnitOrg {
		t.Fatalf("linked pathway: %+v", s.ActivePathways["p2"])
	}
	if s.Referrals["r1"].Open {
		t.Fatal("the referral stayed open at the old unit after the transfer")
	}
	runAccess(t, []accessCase{
		{name: "new unit is in the team", given: given, actor: "hpr:3333333", org: newUnitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "old unit is not", given: given, actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: false, basis: basisNone},
		{name: "old coordinator is not", given: given, actor: coordinatorHPR, org: otherOrg, cat: catPathway, permit: false, basis: basisNone},
	})
}

func TestPathwayFoldNeverChangesAnEarlierState(t *testing.T) {
	before := fold(domain.Initial(patientID), grantedWithPathway()...)
	coordinator := before.ActivePathways["p1"].CoordinatorProfessionalID
	after := fold(before, coordinatorAssigned("p1", "hpr:4444444"), pathwayCompleted("p1", "r1"))
	if before.ActivePathways["p1"].CoordinatorProfessionalID != coordinator || !before.Referrals["r1"].Open {
		t.Fatalf("the earlier state moved: %+v %+v", before.ActivePathways, before.Referrals)
	}
	if len(after.ActivePathways) != 0 {
		t.Fatalf("after: %+v", after.ActivePathways)
	}
}
