package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

func TestCompletingAHandoffStartsTheSuccessorsRelationshipInTheSameCommit(t *testing.T) {
	p := given(started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, false))
	events, err := domain.DecideCompleteHandoff(p, domain.CompleteHandoff{
		HandoffID: "h1", NewRelationshipID: "r2", CompletedAt: day(8), SummaryShared: true, SummaryPermitted: true,
	})
	wantNoError(t, err)
	after := given(append([]proto.Message{started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, false)}, events...)...)
	r2, ok := after.Relationship("r2")
	if !ok || r2.ProfessionalID != successorHPR || r2.FromHandoffID != "h1" || !r2.Active() {
		t.Fatalf("successor relationship = %+v (found %v)", r2, ok)
	}
	if h, _ := after.Handoff("h1"); !h.Completed() || h.ToRelationshipID != "r2" {
		t.Fatalf("handoff = %+v", h)
	}
}

func TestAWarmHandoffIsWarmOnlyWithOverlapOrAJointMeetingAndTheSummaryShared(t *testing.T) {
	tests := []struct {
		name     string
		kind     continuityv1.HandoffKind
		joint    bool
		fromEnds bool
		summary  bool
		want     continuityv1.HandoffKind
	}{
		{"overlap and summary", warm, false, false, true, warm},
		{"joint meeting after the predecessor left", warm, true, true, true, warm},
		{"no overlap, no joint meeting", warm, false, true, true, cold},
		{"no summary shared", warm, true, false, false, cold},
		{"planned cold stays cold", cold, true, false, true, cold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			history := []proto.Message{started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, tt.kind, tt.joint)}
			if tt.fromEnds {
				history = append(history, &continuityv1.RelationshipEnded{RelationshipId: "r1", Reason: left, EndedAt: planned("", "", "", 0, false).PlannedAt})
			}
			events, err := domain.DecideCompleteHandoff(given(history...), domain.CompleteHandoff{
				HandoffID: "h1", NewRelationshipID: "r2", CompletedAt: day(8), SummaryShared: tt.summary, SummaryPermitted: true,
			})
			wantNoError(t, err)
			if got := events[0].(*continuityv1.HandoffCompleted).GetKind(); got != tt.want {
				t.Fatalf("kind = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTheSummaryIsSharedOnlyWithASuccessorWhoMayReceiveIt(t *testing.T) {
	p := given(started("r1", therapistHPR, therapist), planned("h1", "r1", navWorker, warm, true))
	events, err := domain.DecideCompleteHandoff(p, domain.CompleteHandoff{
		HandoffID: "h1", NewRelationshipID: "r2", CompletedAt: day(8), SummaryShared: true, SummaryPermitted: false,
	})
	wantCondition(t, events, err, domain.ReasonShareConsent)
}

func TestCompletingAHandoffAfterThePatientWasLeftAloneRestoresContact(t *testing.T) {
	p := given(started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, false), ended("r1"), leftWithoutContact("r1"))
	events, err := domain.DecideCompleteHandoff(p, domain.CompleteHandoff{HandoffID: "h1", NewRelationshipID: "r2", CompletedAt: day(11)})
	wantNoError(t, err)
	if count[*continuityv1.PatientContactRestored](events) != 1 {
		t.Fatalf("events = %v, want PatientContactRestored", events)
	}
}

func TestAHandoffIsPlannedFromAnActiveRelationshipOneAtATime(t *testing.T) {
	tests := []struct {
		name  string
		given []proto.Message
	}{
		{"ended relationship", []proto.Message{started("r1", therapistHPR, therapist), ended("r1")}},
		{"already planned", []proto.Message{started("r1", therapistHPR, therapist), planned("h1", "r1", successorHPR, warm, true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecidePlanHandoff(given(tt.given...), domain.PlanHandoff{
				HandoffID: "h2", FromRelationshipID: "r1", ToProfessionalID: nurseHPR, ToRole: therapist, ToUnit: dps(), PlannedAt: day(6), Kind: warm,
			})
			wantCondition(t, events, err, "")
		})
	}
}
