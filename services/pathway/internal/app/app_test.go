package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

func TestProcessManagerStartsExactlyOnePathwayPerGrantedReferralUnderRedeliveryAndRestart(t *testing.T) {
	e := newEnv(t)
	e.assess("ref-a", true, "1990-01-01")
	e.assess("ref-none", false, "1990-01-01")
	last := e.assess("ref-b", true, "1990-01-01")

	// Two process managers at once: one instance's redelivery racing another's.
	second := e.start()
	e.runProcessManager(e.app)
	e.runProcessManager(second)
	for _, a := range []*app.App{e.app, second} {
		if err := a.WaitReferralsProcessed(t.Context(), last); err != nil {
			t.Fatal(err)
		}
	}
	// A restart replays every referral event into a fresh write model.
	restarted := e.start()
	e.runProcessManager(restarted)
	if err := restarted.WaitReferralsProcessed(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	// And one more plain redelivery of the same record.
	if err := restarted.HandleReferralRecord(t.Context(), e.record(last)); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []string{"ref-a", "ref-b"} {
		if n := e.commits(domain.PathwayIDForReferral(ref)); n != 1 {
			t.Errorf("%s: %d pathway commits, want exactly 1", ref, n)
		}
	}
	if n := e.commits(domain.PathwayIDForReferral("ref-none")); n != 0 {
		t.Errorf("a referral with no right started %d pathways", n)
	}
	p, err := restarted.GetPathway(t.Context(), clinician(), domain.PathwayIDForReferral("ref-a"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_ACTIVE || p.ReferralID != "ref-a" || p.Unit.OrgNumber != unitOrg || p.BirthDate.String() != "1990-01-01" {
		t.Fatalf("pathway %+v", p)
	}
}

func TestReadsAreCheckedWithConsentLoggedAndADenialLooksLikeAbsence(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")

	if _, err := e.app.GetPathway(t.Context(), clinician(), id); err != nil {
		t.Fatal(err)
	}
	entries, _, err := e.audit.List(t.Context(), e.patient, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("access log entries %d, want 1", len(entries))
	}

	_, denied := e.app.GetPathway(t.Context(), stranger(), id)
	_, missing := e.app.GetPathway(t.Context(), stranger(), "pw-nothing")
	var nf *errs.NotFoundError
	if !errors.As(denied, &nf) || denied.Error() != missing.Error() {
		t.Fatalf("denied %v, missing %v: must be the same NotFound", denied, missing)
	}

	byPatient, err := e.app.ListPathways(t.Context(), stranger(), app.ListPathways{PatientID: e.patient})
	if err != nil || len(byPatient.Pathways) != 0 {
		t.Fatalf("a stranger listing the patient: %v %v", byPatient, err)
	}
	unit := domain.Unit{HerID: unitHer, OrgNumber: unitOrg}
	byUnit, err := e.app.ListPathways(t.Context(), clinician(), app.ListPathways{Unit: &unit})
	if err != nil || len(byUnit.Pathways) != 1 {
		t.Fatalf("the unit listing its pathways: %v %v", byUnit, err)
	}

	e.checker.Fail(context.DeadlineExceeded)
	if _, err := e.app.GetPathway(t.Context(), clinician(), id); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("consent unreachable: got %v, want unavailable", err)
	}
}

func TestMedicationFreeRequestIsUnavailableWhenConsentCannotAnswer(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	e.legal.err = errs.Unavailable("consent legal status", errors.New("connection refused"))
	before := e.lastSeq()
	_, err := e.app.RequestMedicationFreeTreatment(t.Context(), clinician(), "m1", app.RequestMedicationFreeTreatment{PathwayID: id})
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("got %v, want unavailable", err)
	}
	if e.lastSeq() != before {
		t.Fatal("a request decided without the legal status appended")
	}
}

func TestStrangerAskingForMedicationFreeTreatmentLearnsNothingAndConsentIsNotAsked(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	_, err := e.app.RequestMedicationFreeTreatment(t.Context(), stranger(), "m1", app.RequestMedicationFreeTreatment{PathwayID: id})
	var nf *errs.NotFoundError
	if !errors.As(err, &nf) || e.legal.asked != 0 {
		t.Fatalf("got %v, consent asked %d times", err, e.legal.asked)
	}
}

func TestMedicationFreeGrantedOnceAndARetryReturnsTheOriginal(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	in := app.RequestMedicationFreeTreatment{PathwayID: id, ChosenByPatient: true}
	p, err := e.app.RequestMedicationFreeTreatment(t.Context(), clinician(), "m1", in)
	if err != nil || !p.State.MedicationFreeGranted {
		t.Fatalf("%+v %v", p, err)
	}
	before := e.lastSeq()
	if _, err := e.app.RequestMedicationFreeTreatment(t.Context(), clinician(), "m1", in); err != nil || e.lastSeq() != before {
		t.Fatalf("retry: %v, appended %v", err, e.lastSeq() != before)
	}
}

func TestInvalidCommandsNameTheFieldAndAppendNothing(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	shared := pathwayv1.DecisionMode_DECISION_MODE_SHARED
	restricted := pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED
	plan := func(options []string, chosen string, mode pathwayv1.DecisionMode, reason string) func() error {
		return func() error {
			_, err := e.app.AgreeTreatmentPlan(t.Context(), clinician(), "p", app.AgreeTreatmentPlan{PathwayID: id,
				OptionsOffered: options, ChosenOption: chosen, DecisionMode: mode, RestrictionReason: reason})
			return err
		}
	}
	future := e.clock.Now().Add(time.Hour)
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"restricted without a reason", plan([]string{"a"}, "", restricted, ""), "restriction_reason"},
		{"a restriction reason on a shared decision", plan([]string{"a"}, "a", shared, "because"), "restriction_reason"},
		{"no menu", plan(nil, "a", shared, ""), "options_offered"},
		{"no choice in a shared decision", plan([]string{"a"}, "", shared, ""), "chosen_option"},
		{"no decision mode", plan([]string{"a"}, "a", pathwayv1.DecisionMode_DECISION_MODE_UNSPECIFIED, ""), "decision_mode"},
		{"no request id", func() error {
			_, err := e.app.CompletePathway(t.Context(), clinician(), "", app.CompletePathway{PathwayID: id})
			return err
		}, "request_id"},
		{"unknown clinical decision code", func() error {
			_, err := e.app.RecordClinicalDecision(t.Context(), clinician(), "c", app.RecordClinicalDecision{PathwayID: id,
				Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC})
			return err
		}, "code"},
		{"a coordinator who is not health personnel", func() error {
			_, err := e.app.AssignPathwayCoordinator(t.Context(), clinician(), "a", app.AssignPathwayCoordinator{PathwayID: id,
				ProfessionalID: "ext:889640782:case-17"})
			return err
		}, "professional_id"},
		{"a postponement date that is no date", func() error {
			_, err := e.app.RecordPatientPostponement(t.Context(), clinician(), "pp", app.RecordPatientPostponement{PathwayID: id,
				FromDate: "2026-02-30", UntilDate: "2026-03-20"})
			return err
		}, "from_date"},
		{"a postponement that ends before it starts", func() error {
			_, err := e.app.RecordPatientPostponement(t.Context(), clinician(), "pp", app.RecordPatientPostponement{PathwayID: id,
				FromDate: "2026-03-10", UntilDate: "2026-03-09"})
			return err
		}, "until_date"},
		{"a first attendance in the future", func() error {
			_, err := e.app.RecordFirstAttendance(t.Context(), clinician(), "f", app.RecordFirstAttendance{PathwayID: id, AttendedAt: &future})
			return err
		}, "attended_at"},
		{"a transfer to an invalid unit", func() error {
			_, err := e.app.TransferPathway(t.Context(), clinician(), "t", app.TransferPathway{PathwayID: id,
				To: domain.Unit{HerID: "1", OrgNumber: "983974725"}})
			return err
		}, "to_unit.org_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.lastSeq()
			err := tt.run()
			var ve *errs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error", err)
			}
			found := false
			for _, v := range ve.Violations {
				found = found || v.Field == tt.field
			}
			if !found {
				t.Fatalf("no violation of %s in %v", tt.field, ve.Violations)
			}
			if e.lastSeq() != before {
				t.Fatal("a rejected command appended")
			}
		})
	}
}

func TestCheckDeadlinesAppendsMilestoneOverdueOnceWhenTheClockPassesATarget(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	if _, err := e.app.AssignPathwayCoordinator(t.Context(), clinician(), "c", app.AssignPathwayCoordinator{PathwayID: id, ProfessionalID: "hpr:2222222"}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.app.CheckDeadlines(t.Context()); err != nil || n != 0 {
		t.Fatalf("before the target: %d %v", n, err)
	}
	// Started Tuesday 3 March: first attendance due Tuesday 17 March.
	e.clock.Set(time.Date(2026, 3, 18, 8, 0, 0, 0, time.UTC))
	for i, want := range []int{1, 0} {
		n, err := e.app.CheckDeadlines(t.Context())
		if err != nil || n != want {
			t.Fatalf("check %d: %d pathways changed (%v), want %d", i, n, err, want)
		}
	}
	p, err := e.app.GetPathway(t.Context(), clinician(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Milestone(pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE).Overdue() || p.Milestone(pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED).Overdue() {
		t.Fatalf("milestones %+v", p.Milestones)
	}
}

func TestTransferStartsOneLinkedPathwayAndARetryFinishesNotDuplicates(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	in := app.TransferPathway{PathwayID: id, To: domain.Unit{HerID: "8200002", OrgNumber: newUnitOrg}, Reason: "moved"}
	res, err := e.app.TransferPathway(t.Context(), clinician(), "t1", in)
	if err != nil {
		t.Fatal(err)
	}
	old, next := res.Pathway.State, res.NewPathway
	if old.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED || next.PreviousID != id || old.NextID != next.ID || next.Unit.OrgNumber != newUnitOrg {
		t.Fatalf("old %+v next %+v", old, next)
	}
	retried, err := e.app.TransferPathway(t.Context(), clinician(), "t1", in)
	again := retried.NewPathway
	if err != nil || again.ID != next.ID || e.commits(next.ID) != 1 {
		t.Fatalf("retry: %v, %s vs %s, %d commits", err, again.ID, next.ID, e.commits(next.ID))
	}
	newUnitClinician := personnel(newUnitOrg, "hpr:7777777")
	if _, err := e.app.CompletePathway(t.Context(), newUnitClinician, "c", app.CompletePathway{PathwayID: next.ID}); err != nil {
		t.Fatalf("the new unit acts on its linked pathway: %v", err)
	}
}

func TestDecisionStatisticsShowPerUnitHowOftenDecisionsWereShared(t *testing.T) {
	e := newEnv(t)
	for i, mode := range []pathwayv1.DecisionMode{pathwayv1.DecisionMode_DECISION_MODE_SHARED, pathwayv1.DecisionMode_DECISION_MODE_PROFESSIONAL_LED} {
		ref := []string{"ref-1", "ref-2"}[i]
		id := e.startedPathway(ref, "1990-01-01")
		attended := e.clock.Now()
		steps := []func() error{
			func() error {
				_, err := e.app.RecordFirstAttendance(t.Context(), clinician(), "f", app.RecordFirstAttendance{PathwayID: id, AttendedAt: &attended})
				return err
			},
			func() error {
				_, err := e.app.RecordClinicalDecision(t.Context(), clinician(), "d", app.RecordClinicalDecision{PathwayID: id,
					Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC})
				return err
			},
			func() error {
				_, err := e.app.AgreeTreatmentPlan(t.Context(), clinician(), "p", app.AgreeTreatmentPlan{PathwayID: id,
					OptionsOffered: []string{"therapy"}, ChosenOption: "therapy", DecisionMode: mode})
				return err
			},
			func() error {
				_, err := e.app.RecordEvaluation(t.Context(), clinician(), "e", app.RecordEvaluation{PathwayID: id,
					PatientTookPart: i == 0, FeedbackToolUsed: i == 0, FeedbackTool: map[bool]string{true: "FIT"}[i == 0]})
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	unit := domain.Unit{HerID: unitHer, OrgNumber: unitOrg}
	st, err := e.app.GetDecisionStatistics(t.Context(), clinician(), unit)
	if err != nil {
		t.Fatal(err)
	}
	if st.TreatmentPlans != 2 || st.SharedShare() != 0.5 || st.Evaluations != 2 || st.EvaluationsTookPart != 1 || st.EvaluationsWithTool != 1 {
		t.Fatalf("statistics %+v", st)
	}
	if _, err := e.app.GetDecisionStatistics(t.Context(), stranger(), unit); !errors.Is(err, errs.ErrPermission) {
		t.Fatalf("another unit's statistics: %v", err)
	}
	// One patient is behind these counts: ops must not see them.
	ops := access.Actor{OrgNumber: strangerOrg, Role: access.RoleOps}
	if st, err := e.app.GetDecisionStatistics(t.Context(), ops, unit); err != nil || !st.Suppressed || st.TreatmentPlans != 0 {
		t.Fatalf("ops, fewer than 5 patients: %+v %v", st, err)
	}
}
