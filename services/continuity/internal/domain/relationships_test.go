package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

func TestEndingTheLastKeyRelationshipWithoutACompletedHandoffLeavesThePatientWithoutContactOnce(t *testing.T) {
	tests := []struct {
		name  string
		given []proto.Message
		end   string
		alert bool
	}{
		{"the only therapist leaves", []proto.Message{started("r1", therapistHPR, therapist)}, "r1", true},
		{"a contact person remains", []proto.Message{started("r1", therapistHPR, therapist), started("r2", nurseHPR, contact)}, "r1", false},
		{"key roles count together: the last of therapist and contact person leaves", []proto.Message{
			started("r1", therapistHPR, therapist), started("r2", nurseHPR, contact), ended("r2")}, "r1", true},
		{"a non-key relationship remaining does not count", []proto.Message{
			started("r1", therapistHPR, therapist), started("r2", nurseHPR, nurse)}, "r1", true},
		{"a non-key relationship ending is no loss", []proto.Message{
			started("r1", therapistHPR, therapist), started("r2", nurseHPR, nurse)}, "r2", false},
		{"a planned but not completed handoff does not help", []proto.Message{
			started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, true)}, "r1", true},
		{"a completed handoff passes the patient on", append([]proto.Message{
			started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, true)}, completed("h1", "r1", "r2")...), "r1", false},
		{"already without contact: no second alert", []proto.Message{
			started("r1", therapistHPR, therapist), started("r2", nurseHPR, nurse), leftWithoutContact("r0")}, "r1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideEndRelationship(given(tt.given...), domain.EndRelationship{
				RelationshipID: tt.end, Reason: left, EndedAt: day(10), By: clinician(),
			})
			wantNoError(t, err)
			if got := count[*continuityv1.RelationshipEnded](events); got != 1 {
				t.Fatalf("RelationshipEnded count = %d", got)
			}
			want := 0
			if tt.alert {
				want = 1
			}
			if got := count[*continuityv1.PatientLeftWithoutContact](events); got != want {
				t.Fatalf("PatientLeftWithoutContact count = %d, want %d", got, want)
			}
		})
	}
}

func TestANewKeyRelationshipClearsPatientLeftWithoutContact(t *testing.T) {
	alone := given(started("r1", therapistHPR, therapist), ended("r1"), leftWithoutContact("r1"))
	tests := []struct {
		name    string
		role    continuityv1.Role
		cleared bool
	}{
		{"a contact person", contact, true},
		{"a nurse is not a named key person", nurse, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideStartRelationship(alone, domain.StartRelationship{
				RelationshipID: "r2", PatientID: patientID, ProfessionalID: nurseHPR, Role: tt.role, Unit: dps(), StartedAt: day(11), By: clinician(),
			})
			wantNoError(t, err)
			if got := count[*continuityv1.PatientContactRestored](events) == 1; got != tt.cleared {
				t.Fatalf("cleared = %v, want %v", got, tt.cleared)
			}
			if after := given(append([]proto.Message{started("r1", therapistHPR, therapist), ended("r1"), leftWithoutContact("r1")}, events...)...); after.WithoutContact == tt.cleared {
				t.Fatalf("WithoutContact = %v after %v", after.WithoutContact, events)
			}
		})
	}
}

func TestTheSameProfessionalCannotHoldTheSameRoleTwiceAtOnce(t *testing.T) {
	events, err := domain.DecideStartRelationship(given(started("r1", therapistHPR, therapist)), domain.StartRelationship{
		RelationshipID: "r2", PatientID: patientID, ProfessionalID: therapistHPR, Role: therapist, Unit: dps(), StartedAt: day(3), By: clinician(),
	})
	wantCondition(t, events, err, "")
}

func TestARelationshipEndsOnceAndOnlyIfItExists(t *testing.T) {
	events, err := domain.DecideEndRelationship(given(started("r1", therapistHPR, therapist), ended("r1")),
		domain.EndRelationship{RelationshipID: "r1", Reason: left, EndedAt: day(11)})
	wantCondition(t, events, err, "")
	events, err = domain.DecideEndRelationship(given(), domain.EndRelationship{RelationshipID: "nope", Reason: left, EndedAt: day(11)})
	wantNotFound(t, events, err)
}

func TestContactsAreCountedOnlyWithinTheRelationship(t *testing.T) {
	p := given(started("r1", therapistHPR, therapist), ended("r1"))
	tests := []struct {
		name string
		at   int
		ok   bool
	}{
		{"during", 5, true},
		{"before it started", 1, false},
		{"after it ended", 12, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideRecordContact(p, domain.RecordContact{RelationshipID: "r1", OccurredAt: day(tt.at), Kind: continuityv1.ContactKind_CONTACT_KIND_CONSULTATION})
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if tt.ok {
				if after := given(append([]proto.Message{started("r1", therapistHPR, therapist), ended("r1")}, events...)...); after.Relationships[0].Contacts != 1 {
					t.Fatalf("contacts = %d", after.Relationships[0].Contacts)
				}
			}
		})
	}
}

// TestEvolveDoesNotMutateEarlierStates guards the copy-on-write contract the
// memory image relies on: a reader holding an older state sees it unchanged.
func TestEvolveDoesNotMutateEarlierStates(t *testing.T) {
	s1 := given(started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, true), planCreated(), memberAdded(navWorker, "c1"))
	s2 := s1
	for _, e := range append([]proto.Message{ended("r1"),
		&continuityv1.PlanningGroupMemberRemoved{PlanId: "plan-1", ProfessionalId: navWorker},
		&continuityv1.PlanGoalSet{PlanId: "plan-1", GoalId: "g1", Text: "sleep through the night"}},
		completed("h1", "r1", "r2")...) {
		s2 = domain.Evolve(s2, e, nil)
	}
	if !s1.Relationships[0].Active() || s1.Handoffs[0].Completed() || len(s1.Plan.Members) != 1 || len(s1.Plan.Goals) != 0 || len(s1.Relationships) != 1 {
		t.Fatal("evolving s1 changed it")
	}
	if s2.Relationships[0].Active() || !s2.Handoffs[0].Completed() || len(s2.Plan.Members) != 0 || len(s2.Plan.Goals) != 1 || len(s2.Relationships) != 2 {
		t.Fatal("s2 lacks the changes")
	}
}
