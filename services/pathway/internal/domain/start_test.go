package domain_test

import (
	"testing"

	"github.com/stafett/stafett/pkg/testkit"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

func TestStartingAnExistingPathwayAgainDecidesNothing(t *testing.T) {
	events, err := domain.DecideStart(started(t), startCommand(t), policy(t))
	testkit.ExpectErr(t, err, testkit.NoError)
	if len(events) != 0 {
		t.Fatalf("a redelivered assessment started again: %v", events)
	}
}

func TestPathwayIDIsDerivedFromTheReferral(t *testing.T) {
	if domain.PathwayIDForReferral("ref-1") != domain.PathwayIDForReferral("ref-1") ||
		domain.PathwayIDForReferral("ref-1") == domain.PathwayIDForReferral("ref-2") {
		t.Fatal("the pathway id must be a function of the referral id alone")
	}
}

func TestStartSetsTargetsFromTheConfiguredTable(t *testing.T) {
	tests := []struct {
		name            string
		targets         map[eventsv1.PathwayType]domain.Targets
		wantCoordinator string
		wantFirst       string
	}{
		// Started Tuesday 3 March 2026: ten working days later is Tuesday 17 March.
		{name: "defaults: 10 working days", wantCoordinator: "2026-03-17", wantFirst: "2026-03-17"},
		{
			name: "configured per pathway type",
			targets: map[eventsv1.PathwayType]domain.Targets{eventsv1.PathwayType_PATHWAY_TYPE_D11: {
				Coordinator: domain.Target{Days: 2, Workdays: true}, FirstAttendance: domain.Target{Days: 7},
			}},
			wantCoordinator: "2026-03-05", wantFirst: "2026-03-10",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := policy(t)
			pol.Targets = tt.targets
			events, err := domain.DecideStart(domain.Initial(pathwayID), startCommand(t), pol)
			testkit.ExpectErr(t, err, testkit.NoError)
			p := fold(domain.Initial(pathwayID), events...)
			if got := p.Milestone(pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED).Target.String(); got != tt.wantCoordinator {
				t.Errorf("coordinator target %s, want %s", got, tt.wantCoordinator)
			}
			if got := p.Milestone(pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE).Target.String(); got != tt.wantFirst {
				t.Errorf("first attendance target %s, want %s", got, tt.wantFirst)
			}
			if p.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_ACTIVE || p.Unit != unit() || p.BirthDate.String() != "1990-05-17" {
				t.Errorf("started: %+v", p)
			}
		})
	}
}

func TestEvolveNeverChangesAnEarlierState(t *testing.T) {
	before := attended(t)
	milestones := len(before.Milestones)
	after := mustDecide(t, before)(decide(t, before, pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC))
	if len(before.Decisions) != 0 || len(before.Milestones) != milestones {
		t.Fatalf("the earlier state moved: %+v", before)
	}
	if len(after.Decisions) != 1 {
		t.Fatalf("after: %+v", after.Decisions)
	}
}
