package domain_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/testkit"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

const (
	basic    = pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC
	extended = pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED
	cu       = pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU
	cp       = pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP
	ck       = pathwayv1.ClinicalDecision_CLINICAL_DECISION_CK
)

func TestClinicalDecisionsAreAtMostTwoBasicThenExtendedAfterFirstAttendance(t *testing.T) {
	afterBasic := func(code pathwayv1.ClinicalDecision) domain.Pathway {
		p := attended(t)
		return mustDecide(t, p)(decide(t, p, code, basic))
	}
	afterTwo := func() domain.Pathway {
		p := afterBasic(cu)
		return mustDecide(t, p)(decide(t, p, cp, extended))
	}
	tests := []struct {
		name  string
		given domain.Pathway
		code  pathwayv1.ClinicalDecision
		stage pathwayv1.ClinicalDecisionStage
		want  testkit.Kind
	}{
		{"before the first attendance", started(t), cp, basic, testkit.Precondition},
		{"basic after the first attendance", attended(t), cu, basic, testkit.NoError},
		{"extended first", attended(t), cp, extended, testkit.Precondition},
		{"a second basic decision", afterBasic(cp), ck, basic, testkit.Precondition},
		{"extended after basic CU", afterBasic(cu), cp, extended, testkit.NoError},
		{"extended after a basic decision other than CU", afterBasic(cp), ck, extended, testkit.Precondition},
		{"extended ending in another extended assessment", afterBasic(cu), cu, extended, testkit.Invalid},
		{"a third decision", afterTwo(), ck, extended, testkit.Precondition},
		{"a third decision marked basic", afterTwo(), ck, basic, testkit.Precondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decide(t, tt.given, tt.code, tt.stage)
			testkit.ExpectErr(t, err, tt.want)
		})
	}
}

func TestDecisionsSetTheTargetOfTheNextMilestone(t *testing.T) {
	p := attended(t)
	// First attendance Tuesday 10 March: basic decision due 42 days later.
	if got := p.Milestone(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC).Target.String(); got != "2026-04-21" {
		t.Fatalf("basic decision target %s", got)
	}
	p = mustDecide(t, p)(decide(t, p, cu, basic))
	if got := p.Milestone(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED).Target.String(); got != "2026-05-13" {
		t.Fatalf("extended decision target %s", got)
	}
	p = mustDecide(t, p)(decide(t, p, cp, extended))
	if got := p.Milestone(pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED).Target.String(); got != "2026-04-15" {
		t.Fatalf("treatment plan target %s", got)
	}
}

func treated(t *testing.T) domain.Pathway {
	t.Helper()
	p := attended(t)
	return mustDecide(t, p)(decide(t, p, cp, basic))
}

func TestTreatmentPlanRecordsMenuChoiceAndMode(t *testing.T) {
	tests := []struct {
		name        string
		options     []string
		chosen      string
		mode        pathwayv1.DecisionMode
		wantOutside bool
	}{
		{"choice from the menu, shared", []string{"individual therapy", "group therapy"}, "group therapy", pathwayv1.DecisionMode_DECISION_MODE_SHARED, false},
		{"choice outside the menu is recorded, not rejected", []string{"individual therapy", "medication"}, "peer support group", pathwayv1.DecisionMode_DECISION_MODE_CLIENT_LED, true},
		{"restricted with no choice of the patient's", []string{"inpatient stay"}, "", pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideAgreeTreatmentPlan(treated(t), domain.AgreeTreatmentPlan{
				By: clinician(), OptionsOffered: tt.options, ChosenOption: tt.chosen, Mode: tt.mode, At: testkit.At(t, "2026-04-02 10:00"),
			}, policy(t))
			testkit.ExpectErr(t, err, testkit.NoError)
			plan := testkit.Single[*pathwayv1.TreatmentPlanAgreed](t, events).GetPlan()
			if plan.GetChosenOutsideMenu() != tt.wantOutside || plan.GetChosenOption() != tt.chosen || plan.GetDecisionMode() != tt.mode ||
				!slices.Equal(plan.GetOptionsOffered(), tt.options) {
				t.Fatalf("plan: %v", plan)
			}
		})
	}
	t.Run("needs a clinical decision first", func(t *testing.T) {
		_, err := domain.DecideAgreeTreatmentPlan(attended(t), domain.AgreeTreatmentPlan{
			By: clinician(), OptionsOffered: []string{"a"}, ChosenOption: "a", Mode: pathwayv1.DecisionMode_DECISION_MODE_SHARED, At: testkit.At(t, "2026-04-02 10:00"),
		}, policy(t))
		testkit.ExpectErr(t, err, testkit.Precondition)
	})
}

func TestEvaluationRecordsParticipationAndFeedbackToolAndSetsTheNextTarget(t *testing.T) {
	p := treated(t)
	events, err := domain.DecideEvaluation(p, domain.RecordEvaluation{
		By: clinician(), PatientTookPart: true, FeedbackToolUsed: true, FeedbackTool: "FIT", At: testkit.At(t, "2026-05-04 10:00"),
	}, policy(t))
	testkit.ExpectErr(t, err, testkit.NoError)
	ev := testkit.Single[*pathwayv1.EvaluationRecorded](t, events)
	if !ev.GetEvaluation().GetPatientTookPart() || !ev.GetEvaluation().GetFeedbackToolUsed() {
		t.Fatalf("evaluation: %v", ev)
	}
	p = fold(p, events...)
	if got := p.Milestone(pathwayv1.Milestone_MILESTONE_EVALUATION).Target.String(); got != "2026-06-15" {
		t.Fatalf("next evaluation target %s", got)
	}
}

func TestMedicationFreeTreatmentNamesEveryUnmetCondition(t *testing.T) {
	capable := domain.LegalFacts{MedicationCapacity: true}
	bornOn := func(t *testing.T, birth string) domain.Pathway {
		cmd := startCommand(t)
		cmd.BirthDate = testkit.Date(t, birth)
		return mustDecide(t, domain.Initial(pathwayID))(domain.DecideStart(domain.Initial(pathwayID), cmd, policy(t)))
	}
	tests := []struct {
		name  string
		birth string
		legal domain.LegalFacts
		want  []string
	}{
		{"adult with capacity is granted", "1990-05-17", capable, nil},
		{"18 today is granted", "2008-04-01", capable, nil},
		{"17, turning 18 tomorrow", "2008-04-02", capable, []string{domain.ReasonUnder18}},
		{"lacking capacity for medication decisions", "1990-05-17", domain.LegalFacts{}, []string{domain.ReasonLacksCapacity}},
		{"under compulsory care", "1990-05-17", domain.LegalFacts{MedicationCapacity: true, CompulsoryCare: true}, []string{domain.ReasonCompulsoryCare}},
		{"every condition unmet at once", "2010-01-01", domain.LegalFacts{CompulsoryCare: true},
			[]string{domain.ReasonUnder18, domain.ReasonLacksCapacity, domain.ReasonCompulsoryCare}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideMedicationFree(bornOn(t, tt.birth), domain.RequestMedicationFree{
				By: clinician(), Legal: tt.legal, At: testkit.At(t, "2026-04-01 10:00"),
			}, policy(t))
			if tt.want == nil {
				testkit.ExpectErr(t, err, testkit.NoError)
				if len(events) != 2 || !fold(bornOn(t, tt.birth), events...).MedicationFreeGranted {
					t.Fatalf("not granted: %v", events)
				}
				return
			}
			var pe *errs.PreconditionError
			if !errors.As(err, &pe) {
				t.Fatalf("want a precondition error, got %v", err)
			}
			var reasons []string
			for _, c := range pe.Conditions {
				if c.Domain != "stafett.pathway" {
					t.Errorf("condition domain %q", c.Domain)
				}
				reasons = append(reasons, c.Reason)
			}
			if !slices.Equal(reasons, tt.want) || len(events) != 0 {
				t.Fatalf("reasons %v, want %v (events %v)", reasons, tt.want, events)
			}
		})
	}
	t.Run("no birth date anywhere is refused, not guessed", func(t *testing.T) {
		cmd := startCommand(t)
		cmd.BirthDate = civil.Date{}
		p := mustDecide(t, domain.Initial(pathwayID))(domain.DecideStart(domain.Initial(pathwayID), cmd, policy(t)))
		_, err := domain.DecideMedicationFree(p, domain.RequestMedicationFree{By: clinician(), Legal: capable, At: testkit.At(t, "2026-04-01 10:00")}, policy(t))
		var pe *errs.PreconditionError
		if !errors.As(err, &pe) || pe.Conditions[0].Reason != domain.ReasonAgeUnknown {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPostponementOverSevenWorkingDaysFlagsTheTimingWithoutMovingTargets(t *testing.T) {
	tests := []struct {
		name        string
		from, until string
		wantDays    int32
		wantFlagged bool
	}{
		// Monday 9 March to Wednesday 18 March: 7 working days.
		{"seven working days is not flagged", "2026-03-09", "2026-03-18", 7, false},
		{"eight working days is flagged", "2026-03-09", "2026-03-19", 8, true},
		// Easter 2026: Maundy Thursday 2 April to Easter Monday 6 April are holidays.
		{"holidays do not count", "2026-03-27", "2026-04-08", 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := started(t)
			events, err := domain.DecidePostponement(p, domain.RecordPostponement{
				By: clinician(), From: testkit.Date(t, tt.from), Until: testkit.Date(t, tt.until), At: testkit.At(t, "2026-03-05 10:00"),
			}, policy(t))
			testkit.ExpectErr(t, err, testkit.NoError)
			pp := testkit.Single[*pathwayv1.PatientPostponementRecorded](t, events).GetPostponement()
			if pp.GetWorkingDays() != tt.wantDays || pp.GetTimingFlagged() != tt.wantFlagged {
				t.Fatalf("postponement: %v", pp)
			}
			after := fold(p, events...)
			if after.TimingFlagged != tt.wantFlagged || !sameMilestones(p, after) {
				t.Fatalf("flag %v, targets moved: %v → %v", after.TimingFlagged, p.Milestones, after.Milestones)
			}
		})
	}
}

func sameMilestones(a, b domain.Pathway) bool {
	if len(a.Milestones) != len(b.Milestones) {
		return false
	}
	for k, v := range a.Milestones {
		if b.Milestones[k] != v {
			return false
		}
	}
	return true
}

func TestMissedTargetIsReportedOnceAsMilestoneOverdue(t *testing.T) {
	p := started(t)
	// The coordinator and first-attendance targets are Tuesday 17 March.
	if events := domain.DecideDeadlines(p, testkit.At(t, "2026-03-17 23:00"), policy(t)); len(events) != 0 {
		t.Fatalf("reported on the target day itself: %v", events)
	}
	events := domain.DecideDeadlines(p, testkit.At(t, "2026-03-18 08:00"), policy(t))
	if len(events) != 2 {
		t.Fatalf("want coordinator and first attendance overdue, got %v", events)
	}
	for i, want := range []pathwayv1.Milestone{pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED, pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE} {
		ev := events[i].(*pathwayv1.MilestoneOverdue)
		if ev.GetMilestone() != want || ev.GetTargetDate() != "2026-03-17" || ev.GetCause() != "" {
			t.Errorf("event %d: %v", i, ev)
		}
	}
	p = fold(p, events...)
	if again := domain.DecideDeadlines(p, testkit.At(t, "2026-04-30 08:00"), policy(t)); len(again) != 0 {
		t.Fatalf("reported twice: %v", again)
	}
	if !p.Milestone(pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE).Overdue() {
		t.Fatal("the milestone is not marked overdue")
	}
}

func TestOverdueCarriesThePostponementFlagAndIsNoLegalBreach(t *testing.T) {
	p := started(t)
	p = mustDecide(t, p)(domain.DecidePostponement(p, domain.RecordPostponement{
		By: clinician(), From: testkit.Date(t, "2026-03-04"), Until: testkit.Date(t, "2026-03-31"), At: testkit.At(t, "2026-03-04 10:00"),
	}, policy(t)))
	events := domain.DecideDeadlines(p, testkit.At(t, "2026-03-18 08:00"), policy(t))
	for _, e := range events {
		if !e.(*pathwayv1.MilestoneOverdue).GetPatientPostponed() {
			t.Fatalf("overdue without the postponement flag: %v", e)
		}
	}
	if p.Milestone(pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE).Target.String() != "2026-03-17" {
		t.Fatal("the postponement moved the target")
	}
}

func TestReachedMilestonesAndClosedPathwaysAreNeverOverdue(t *testing.T) {
	p := attended(t)
	p = mustDecide(t, p)(domain.DecideAssignCoordinator(p, domain.AssignCoordinator{By: clinician(), ProfessionalID: coordinatorHPR, At: testkit.At(t, "2026-03-10 12:00")}, policy(t)))
	if events := domain.DecideDeadlines(p, testkit.At(t, "2026-03-20 08:00"), policy(t)); len(events) != 0 {
		t.Fatalf("reached milestones reported: %v", events)
	}
	done := mustDecide(t, started(t))(domain.DecideComplete(started(t), domain.Complete{By: clinician(), At: testkit.At(t, "2026-03-05 10:00")}, policy(t)))
	if events := domain.DecideDeadlines(done, testkit.At(t, "2026-06-01 08:00"), policy(t)); len(events) != 0 {
		t.Fatalf("a completed pathway reported: %v", events)
	}
}

func TestTransferClosesThePathwayAndTheLinkedOneKeepsTheTiming(t *testing.T) {
	p := attended(t)
	p = mustDecide(t, p)(decide(t, p, cu, basic))
	events, err := domain.DecideTransfer(p, domain.Transfer{By: clinician(), To: newUnit(), NewPathwayID: "pw-2", Reason: "closer to home", At: testkit.At(t, "2026-04-02 10:00")}, policy(t))
	testkit.ExpectErr(t, err, testkit.NoError)
	old := fold(p, events...)
	if old.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED || old.NextID != "pw-2" {
		t.Fatalf("old: %+v", old)
	}
	startEvents, err := domain.DecideStartTransferred(domain.Initial("pw-2"), old, testkit.At(t, "2026-04-02 10:00"))
	testkit.ExpectErr(t, err, testkit.NoError)
	next := fold(domain.Initial("pw-2"), startEvents...)
	if next.Unit != newUnit() || next.PreviousID != pathwayID || next.StartedOn != old.StartedOn || next.FirstAttended != old.FirstAttended ||
		len(next.Decisions) != 1 || next.Milestone(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED).Target != old.Milestone(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED).Target {
		t.Fatalf("linked pathway: %+v", next)
	}
	// Only one decision may follow on the linked pathway, as on the old one.
	next = mustDecide(t, next)(domain.DecideClinicalDecision(next, domain.RecordClinicalDecision{By: access.Actor{ProfessionalID: "hpr:7", OrgNumber: newUnitOrg}, Code: cp, Stage: extended, At: testkit.At(t, "2026-04-10 10:00")}, policy(t)))
	_, err = domain.DecideClinicalDecision(next, domain.RecordClinicalDecision{By: access.Actor{ProfessionalID: "hpr:7", OrgNumber: newUnitOrg}, Code: ck, Stage: extended, At: testkit.At(t, "2026-04-11 10:00")}, policy(t))
	testkit.ExpectErr(t, err, testkit.Precondition)
	if again, _ := domain.DecideStartTransferred(next, old, testkit.At(t, "2026-04-12 10:00")); len(again) != 0 {
		t.Fatal("the linked pathway started twice")
	}
	t.Run("the old unit can act on it no more", func(t *testing.T) {
		_, err := domain.DecideComplete(old, domain.Complete{By: clinician(), At: testkit.At(t, "2026-04-03 10:00")}, policy(t))
		testkit.ExpectErr(t, err, testkit.Precondition)
	})
	t.Run("to the same unit is invalid", func(t *testing.T) {
		_, err := domain.DecideTransfer(p, domain.Transfer{By: clinician(), To: unit(), NewPathwayID: "x", At: testkit.At(t, "2026-04-02 10:00")}, policy(t))
		testkit.ExpectErr(t, err, testkit.Invalid)
	})
}

func TestTheEvaluationMilestoneShowsTheNextTargetAndTheLatestEvaluation(t *testing.T) {
	evaluation := func(p domain.Pathway) (domain.MilestoneStatus, bool) {
		for _, s := range p.MilestoneStatuses() {
			if s.Milestone == pathwayv1.Milestone_MILESTONE_EVALUATION {
				return s, true
			}
		}
		return domain.MilestoneStatus{}, false
	}
	p := treated(t)
	if _, ok := evaluation(p); ok {
		t.Fatal("an evaluation milestone before any plan")
	}
	p = mustDecide(t, p)(domain.DecideAgreeTreatmentPlan(p, domain.AgreeTreatmentPlan{
		By: clinician(), OptionsOffered: []string{"a"}, ChosenOption: "a", Mode: pathwayv1.DecisionMode_DECISION_MODE_SHARED, At: testkit.At(t, "2026-04-02 10:00"),
	}, policy(t)))
	// The first evaluation is due 42 days after the plan of 2 April.
	if s, ok := evaluation(p); !ok || s.Target.String() != "2026-05-14" || !s.Actual.IsZero() {
		t.Fatalf("after the plan: %+v", s)
	}
	for _, on := range []string{"2026-05-04 10:00", "2026-06-01 10:00"} {
		p = mustDecide(t, p)(domain.DecideEvaluation(p, domain.RecordEvaluation{By: clinician(), PatientTookPart: true, At: testkit.At(t, on)}, policy(t)))
	}
	// The next is due 42 days after the latest, on 1 June.
	if s, ok := evaluation(p); !ok || s.Target.String() != "2026-07-13" || s.Actual.String() != "2026-06-01" {
		t.Fatalf("after two evaluations: %+v", s)
	}
	var order []pathwayv1.Milestone
	for _, s := range p.MilestoneStatuses() {
		order = append(order, s.Milestone)
	}
	if !slices.IsSorted(order) {
		t.Fatalf("milestones out of pathway order: %v", order)
	}
}
