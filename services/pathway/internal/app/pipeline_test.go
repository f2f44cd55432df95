package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// A pathway id is "pw-" and a referral id, so an outsider who knows a
// referral id can name its pathway whether a right was granted or not. The
// answer and the work done must not tell which.
func TestGetPathwayDeniedCostsWhatAbsentCosts(t *testing.T) {
	e := newEnv(t)
	granted := e.startedPathway("ref-granted", "1990-01-01")
	noRight := e.handled("ref-no-right", e.assess("ref-no-right", false, "1990-01-01"))
	if e.commits(noRight) != 0 {
		t.Fatal("a referral without a right started a pathway")
	}

	var deniedErr, absentErr, absentToTheUnitErr error
	denied := e.measure(func() { _, deniedErr = e.app.GetPathway(t.Context(), stranger(), granted) })
	absent := e.measure(func() { _, absentErr = e.app.GetPathway(t.Context(), stranger(), noRight) })
	absentToTheUnit := e.measure(func() { _, absentToTheUnitErr = e.app.GetPathway(t.Context(), clinician(), noRight) })

	want := work{calls: 1, checks: 1}
	for name, got := range map[string]work{"denied": denied, "absent": absent, "absent, asked by the unit": absentToTheUnit} {
		if got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	for _, err := range []error{deniedErr, absentErr, absentToTheUnitErr} {
		testkit.ExpectErr(t, err, testkit.NotFound)
		if err.Error() != deniedErr.Error() {
			t.Fatalf("%q differs from %q", err, deniedErr)
		}
	}
	if got := e.measure(func() {
		if _, err := e.app.GetPathway(t.Context(), clinician(), granted); err != nil {
			t.Fatal(err)
		}
	}); got != (work{calls: 1, checks: 1, records: 1}) {
		t.Fatalf("a permitted read: %+v, want one check and one record", got)
	}
}

// Whether a patient has a pathway at all tells whether a right was granted:
// a listing by patient is as empty, and as costly, for a patient with no
// pathway as for one whose pathways the caller may not see.
func TestListPathwaysByPatientDeniedCostsWhatNoPathwayCosts(t *testing.T) {
	e := newEnv(t)
	e.startedPathway("ref-1", "1990-01-01")
	e.clock.Advance(time.Hour)
	e.startedPathway("ref-2", "1990-01-01")

	list := func(actor access.Actor, patientID string) (app.PathwayPage, work) {
		var page app.PathwayPage
		cost := e.measure(func() {
			var err error
			page, err = e.app.ListPathways(t.Context(), actor, app.ListPathways{PatientID: patientID, PageSize: 1})
			if err != nil {
				t.Fatal(err)
			}
		})
		return page, cost
	}
	want := work{calls: 1, checks: 1}
	for name, c := range map[string]struct {
		actor   access.Actor
		patient string
	}{
		"denied":                        {stranger(), e.patient},
		"no pathway":                    {stranger(), e.otherPatient},
		"no pathway, asked by the unit": {clinician(), e.otherPatient},
	} {
		page, cost := list(c.actor, c.patient)
		if len(page.Pathways) != 0 || page.NextPageToken != "" || cost != want {
			t.Errorf("%s: %d pathways, token %q, %+v; want none, no token, %+v", name, len(page.Pathways), page.NextPageToken, cost, want)
		}
	}
	page, cost := list(clinician(), e.patient)
	if len(page.Pathways) != 1 || page.NextPageToken == "" || cost != (work{calls: 1, checks: 1, records: 1}) {
		t.Fatalf("permitted: %d pathways, token %q, %+v", len(page.Pathways), page.NextPageToken, cost)
	}
}

// A unit's listing pages over the pathways at its own organisation's units:
// however many pathways other organisations hold, the page, its token and
// the work are the same, and the page costs one batched check.
func TestListPathwaysByUnitDecidesVisibilityBeforePaging(t *testing.T) {
	e := newEnv(t)
	elsewhere := &eventsv1.UnitRef{HerId: "8300003", OrgNumber: strangerOrg}
	list := func(actor access.Actor, unit domain.Unit, token string) (app.PathwayPage, work) {
		var page app.PathwayPage
		cost := e.measure(func() {
			var err error
			page, err = e.app.ListPathways(t.Context(), actor, app.ListPathways{Unit: &unit, PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
		})
		return page, cost
	}
	ours := domain.Unit{HerID: unitHer, OrgNumber: unitOrg}

	emptyPage, emptyCost := list(clinician(), ours, "")
	for i := range 5 {
		e.clock.Advance(time.Minute)
		e.startedPathwayAt("ref-elsewhere-"+string(rune('a'+i)), elsewhere)
	}
	hiddenPage, hiddenCost := list(clinician(), ours, "")
	if len(emptyPage.Pathways)+len(hiddenPage.Pathways) != 0 || emptyPage.NextPageToken != hiddenPage.NextPageToken || emptyCost != hiddenCost {
		t.Fatalf("pathways elsewhere showed: %+v %+v, %+v vs %+v", emptyPage, hiddenPage, emptyCost, hiddenCost)
	}

	for _, ref := range []string{"ref-1", "ref-2", "ref-3"} {
		e.clock.Advance(time.Minute)
		e.startedPathway(ref, "1990-01-01")
	}
	first, cost := list(clinician(), ours, "")
	if len(first.Pathways) != 2 || first.NextPageToken == "" || cost != (work{calls: 1, checks: 2, records: 2}) {
		t.Fatalf("first page: %d pathways, token %q, %+v; want 2, a token, one call of two checks", len(first.Pathways), first.NextPageToken, cost)
	}
	second, _ := list(clinician(), ours, first.NextPageToken)
	if len(second.Pathways) != 1 || second.NextPageToken != "" || second.Pathways[0].ID != domain.PathwayIDForReferral("ref-3") {
		t.Fatalf("second page: %+v", second)
	}
	// Another organisation naming our unit sees nothing and gets no token,
	// exactly as for a unit with no pathways.
	theirs, theirCost := list(stranger(), ours, "")
	if len(theirs.Pathways) != 0 || theirs.NextPageToken != "" || theirCost != emptyCost {
		t.Fatalf("another organisation: %+v, %+v", theirs, theirCost)
	}
	// A row the consent service denies (an objection, say) drops out of its
	// page; the page is still cut from the candidates, so paging stays put.
	e.checker.SetRule(func(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse { return nil })
	denied, cost := list(clinician(), ours, "")
	if len(denied.Pathways) != 0 || denied.NextPageToken != first.NextPageToken || cost != (work{calls: 1, checks: 2}) {
		t.Fatalf("denied rows: %+v, %+v", denied, cost)
	}
}

// A command on a pathway an outsider can name costs the same whether the
// pathway exists or not: one access check, no record, no append, and the
// legal status is never asked.
func TestACommandOnAnAbsentPathwayCostsWhatADeniedOneCosts(t *testing.T) {
	e := newEnv(t)
	granted := e.startedPathway("ref-granted", "1990-01-01")
	absent := domain.PathwayIDForReferral("ref-never-assessed")
	commands := map[string]func(id string) error{
		"CompletePathway": func(id string) error {
			_, err := e.app.CompletePathway(t.Context(), stranger(), "c", app.CompletePathway{PathwayID: id})
			return err
		},
		"RequestMedicationFreeTreatment": func(id string) error {
			_, err := e.app.RequestMedicationFreeTreatment(t.Context(), stranger(), "m", app.RequestMedicationFreeTreatment{PathwayID: id})
			return err
		},
	}
	for name, run := range commands {
		t.Run(name, func(t *testing.T) {
			var deniedErr, absentErr error
			denied := e.measure(func() { deniedErr = run(granted) })
			missing := e.measure(func() { absentErr = run(absent) })
			if want := (work{calls: 1, checks: 1}); denied != want || missing != want {
				t.Fatalf("denied %+v, absent %+v, want %+v each", denied, missing, want)
			}
			testkit.ExpectErr(t, deniedErr, testkit.NotFound)
			if deniedErr.Error() != absentErr.Error() {
				t.Fatalf("%q differs from %q", deniedErr, absentErr)
			}
		})
	}
	if e.legal.asked != 0 {
		t.Fatalf("the legal status was asked %d times for someone who may not act", e.legal.asked)
	}
}

// A command's answer is the pathway: the consent service is asked and the
// read logged before anything is appended, and a refusal appends nothing.
func TestACommandsAnswerIsCheckedAndLoggedBeforeItAppends(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	assign := func(requestID string) error {
		_, err := e.app.AssignPathwayCoordinator(t.Context(), clinician(), requestID, app.AssignPathwayCoordinator{PathwayID: id, ProfessionalID: "hpr:2222222"})
		return err
	}

	e.checker.Fail(errors.New("connection refused"))
	var err error
	if got := e.measure(func() { err = assign("a1") }); got.commits != 0 || got.records != 0 || !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("consent unreachable: %v, %+v", err, got)
	}
	e.checker.Fail(nil)
	e.checker.SetRule(nil)
	if got := e.measure(func() { err = assign("a2") }); got != (work{calls: 1, checks: 1}) {
		t.Fatalf("denied by consent: %+v", got)
	}
	testkit.ExpectErr(t, err, testkit.NotFound)
	e.checker.SetRule(careTeam)
	if got := e.measure(func() { err = assign("a3") }); err != nil || got != (work{calls: 1, checks: 1, records: 1, commits: 1}) {
		t.Fatalf("permitted: %v, %+v", err, got)
	}
}

// RequestMedicationFreeTreatment runs through the pipeline like every
// command: a retry answers the first answer without asking the consent
// service again, and its request id reused for a different request is
// refused rather than answered with the original.
func TestRequestMedicationFreeTreatmentGoesThroughThePipeline(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	request := func(requestID string, chosen bool) (app.Result, work, error) {
		var res app.Result
		var err error
		cost := e.measure(func() {
			res, err = e.app.RequestMedicationFreeTreatment(t.Context(), clinician(), requestID, app.RequestMedicationFreeTreatment{PathwayID: id, ChosenByPatient: chosen})
		})
		return res, cost, err
	}
	first, cost, err := request("m1", true)
	if err != nil || !first.State.MedicationFreeGranted || cost != (work{calls: 1, checks: 1, records: 1, commits: 1}) || e.legal.asked != 1 {
		t.Fatalf("first: %v, %+v, asked %d", err, cost, e.legal.asked)
	}
	again, cost, err := request("m1", true)
	if err != nil || !again.Replayed || cost.commits != 0 || e.legal.asked != 1 || !again.State.MedicationFreeGranted {
		t.Fatalf("retry: %v, %+v, asked %d", err, cost, e.legal.asked)
	}
	_, cost, err = request("m1", false)
	testkit.ExpectErr(t, err, testkit.Invalid, "request_id")
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Conditions) != 1 || ve.Conditions[0].Reason != errs.ReasonRequestIDReused || cost.commits != 0 {
		t.Fatalf("reused: %v, %+v", err, cost)
	}
	// Granted already: a new request has nothing left to decide.
	if res, cost, err := request("m2", true); err != nil || !res.State.MedicationFreeGranted || cost.commits != 0 || e.legal.asked != 1 {
		t.Fatalf("after the grant: %v, %+v, asked %d", err, cost, e.legal.asked)
	}
}

func TestARefusedMedicationFreeRequestAppendsNothingAndIsDecidedAgainOnRetry(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "2010-01-01")
	for range 2 {
		var err error
		cost := e.measure(func() {
			_, err = e.app.RequestMedicationFreeTreatment(t.Context(), clinician(), "m1", app.RequestMedicationFreeTreatment{PathwayID: id})
		})
		testkit.ExpectErr(t, err, testkit.Precondition)
		if cost.commits != 0 || cost.records != 0 {
			t.Fatalf("refused: %+v", cost)
		}
	}
	if e.legal.asked != 2 {
		t.Fatalf("legal status asked %d times, want once per decision", e.legal.asked)
	}
}

// Completing a pathway or transferring it ends the unit's care-team access
// to the patient. The retry of that very request must still get the first
// success: it answers the first answer to whoever may act on the pathway,
// without a check that the command itself has made fail.
func TestARetryOfACompletionOrTransferAnswersTheFirstAnswerAfterTheUnitsAccessEnded(t *testing.T) {
	e := newEnv(t)
	completed := e.startedPathway("ref-1", "1990-01-01")
	transferred := e.startedPathway("ref-2", "1990-01-01")
	complete := func(actor access.Actor) (app.Result, error) {
		return e.app.CompletePathway(t.Context(), actor, "c1", app.CompletePathway{PathwayID: completed, Reason: "done"})
	}
	transfer := func(actor access.Actor) (app.Transferred, error) {
		return e.app.TransferPathway(t.Context(), actor, "t1", app.TransferPathway{PathwayID: transferred, To: domain.Unit{HerID: "8200002", OrgNumber: newUnitOrg}})
	}
	firstCompletion, err := complete(clinician())
	if err != nil {
		t.Fatal(err)
	}
	firstTransfer, err := transfer(clinician())
	if err != nil {
		t.Fatal(err)
	}
	// What the consent service now answers the unit that let the pathways go.
	e.checker.SetRule(func(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
		if req.GetActorOrgNumber() == newUnitOrg {
			return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
		}
		return nil
	})
	if _, err := e.app.GetPathway(t.Context(), clinician(), completed); err == nil {
		t.Fatal("the unit still reads the completed pathway: the test does not end its access")
	}
	colleague := personnel(unitOrg, "hpr:3333333")
	for _, actor := range []access.Actor{clinician(), colleague} {
		var again app.Result
		cost := e.measure(func() { again, err = complete(actor) })
		if err != nil || !again.Replayed || again.State.Status != firstCompletion.State.Status || cost != (work{}) {
			t.Fatalf("completion retried by %s: %v, %+v", actor.ProfessionalID, err, cost)
		}
		var retried app.Transferred
		cost = e.measure(func() { retried, err = transfer(actor) })
		if err != nil || retried.NewPathway.ID != firstTransfer.NewPathway.ID || cost != (work{}) {
			t.Fatalf("transfer retried by %s: %v, %+v", actor.ProfessionalID, err, cost)
		}
	}
	// The first answer goes again only to whom may act on the pathway: not
	// to a token of the same organisation that is not health personnel.
	engine := access.Actor{ProfessionalID: "ext:" + unitOrg + ":engine", OrgNumber: unitOrg, Role: access.RoleIntegration}
	_, err = complete(engine)
	testkit.ExpectErr(t, err, testkit.NotFound)
	// Any other command's retry is a read like any other, checked again.
	e.checker.SetRule(careTeam)
	id := e.startedPathway("ref-3", "1990-01-01")
	assign := func() error {
		_, err := e.app.AssignPathwayCoordinator(t.Context(), clinician(), "a1", app.AssignPathwayCoordinator{PathwayID: id, ProfessionalID: "hpr:2222222"})
		return err
	}
	if err := assign(); err != nil {
		t.Fatal(err)
	}
	e.checker.SetRule(nil)
	testkit.ExpectErr(t, assign(), testkit.NotFound)
}

// Every input of every command and query is bounded: free text by the one
// limit table, enums to the numbers the schema defines, instants and dates
// to 1900–2100, page sizes to non-negative. Nothing of it is checked with the
// consent service or appended.
func TestEveryCommandsInputIsBounded(t *testing.T) {
	e := newEnv(t)
	id := e.startedPathway("ref-1", "1990-01-01")
	long := func(l errs.Limit) string { return strings.Repeat("x", int(l)+1) }
	instant := func(s string) *time.Time {
		ts, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &ts
	}
	farFuture := time.Unix(1<<62, 0)
	c := clinician()
	plan := func(edit func(*app.AgreeTreatmentPlan)) func() error {
		in := app.AgreeTreatmentPlan{PathwayID: id, OptionsOffered: []string{"therapy"}, ChosenOption: "therapy", DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_SHARED}
		edit(&in)
		return func() error { _, err := e.app.AgreeTreatmentPlan(t.Context(), c, "p", in); return err }
	}
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"a request id over 128 characters", func() error {
			_, err := e.app.CompletePathway(t.Context(), c, long(errs.MaxRequestIDLen), app.CompletePathway{PathwayID: id})
			return err
		}, "request_id"},
		{"a pathway id over the id limit", func() error {
			_, err := e.app.CompletePathway(t.Context(), c, "c", app.CompletePathway{PathwayID: long(errs.LimitID)})
			return err
		}, "pathway_id"},
		{"a completion reason over the note limit", func() error {
			_, err := e.app.CompletePathway(t.Context(), c, "c", app.CompletePathway{PathwayID: id, Reason: long(errs.LimitNote)})
			return err
		}, "reason"},
		{"a completion reason that is not UTF-8", func() error {
			_, err := e.app.CompletePathway(t.Context(), c, "c", app.CompletePathway{PathwayID: id, Reason: "\xff\xfe"})
			return err
		}, "reason"},
		{"a transfer reason over the note limit", func() error {
			_, err := e.app.TransferPathway(t.Context(), c, "t", app.TransferPathway{PathwayID: id, To: domain.Unit{HerID: "8200002", OrgNumber: newUnitOrg}, Reason: long(errs.LimitNote)})
			return err
		}, "reason"},
		{"an option over the label limit", plan(func(in *app.AgreeTreatmentPlan) { in.OptionsOffered = []string{long(errs.LimitLabel)} }), "options_offered[0]"},
		{"more than 50 options", plan(func(in *app.AgreeTreatmentPlan) { in.OptionsOffered = make([]string, 51) }), "options_offered"},
		{"a chosen option over the label limit", plan(func(in *app.AgreeTreatmentPlan) { in.ChosenOption = long(errs.LimitLabel) }), "chosen_option"},
		{"a restriction reason over the note limit", plan(func(in *app.AgreeTreatmentPlan) {
			in.DecisionMode, in.RestrictionReason = pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED, long(errs.LimitNote)
		}), "restriction_reason"},
		{"an unknown decision mode", plan(func(in *app.AgreeTreatmentPlan) { in.DecisionMode = 999 }), "decision_mode"},
		{"a feedback tool over the label limit", func() error {
			_, err := e.app.RecordEvaluation(t.Context(), c, "e", app.RecordEvaluation{PathwayID: id, FeedbackToolUsed: true, FeedbackTool: long(errs.LimitLabel)})
			return err
		}, "feedback_tool"},
		{"an unknown clinical decision code", func() error {
			_, err := e.app.RecordClinicalDecision(t.Context(), c, "d", app.RecordClinicalDecision{PathwayID: id, Code: 999, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC})
			return err
		}, "code"},
		{"an unknown clinical decision stage", func() error {
			_, err := e.app.RecordClinicalDecision(t.Context(), c, "d", app.RecordClinicalDecision{PathwayID: id, Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, Stage: 999})
			return err
		}, "stage"},
		{"no attendance instant", func() error {
			_, err := e.app.RecordFirstAttendance(t.Context(), c, "f", app.RecordFirstAttendance{PathwayID: id})
			return err
		}, "attended_at"},
		{"an attendance on 0001-01-01, not read as unset", func() error {
			_, err := e.app.RecordFirstAttendance(t.Context(), c, "f", app.RecordFirstAttendance{PathwayID: id, AttendedAt: instant("0001-01-01")})
			return err
		}, "attended_at"},
		{"an attendance in 1899", func() error {
			_, err := e.app.RecordFirstAttendance(t.Context(), c, "f", app.RecordFirstAttendance{PathwayID: id, AttendedAt: instant("1899-12-31")})
			return err
		}, "attended_at"},
		{"an attendance 2^62 seconds after 1970", func() error {
			_, err := e.app.RecordFirstAttendance(t.Context(), c, "f", app.RecordFirstAttendance{PathwayID: id, AttendedAt: &farFuture})
			return err
		}, "attended_at"},
		{"a postponement from year 1", func() error {
			_, err := e.app.RecordPatientPostponement(t.Context(), c, "pp", app.RecordPatientPostponement{PathwayID: id, FromDate: "0001-01-01", UntilDate: "2026-03-20"})
			return err
		}, "from_date"},
		{"a postponement until year 9999", func() error {
			_, err := e.app.RecordPatientPostponement(t.Context(), c, "pp", app.RecordPatientPostponement{PathwayID: id, FromDate: "2026-03-10", UntilDate: "9999-12-31"})
			return err
		}, "until_date"},
		{"a coordinator id that is no professional id", func() error {
			_, err := e.app.AssignPathwayCoordinator(t.Context(), c, "a", app.AssignPathwayCoordinator{PathwayID: id, ProfessionalID: "hpr:" + long(errs.LimitID)})
			return err
		}, "professional_id"},
		{"a query for a pathway id over the id limit", func() error {
			_, err := e.app.GetPathway(t.Context(), c, long(errs.LimitID))
			return err
		}, "pathway_id"},
		{"a listing with an unknown status", func() error {
			_, err := e.app.ListPathways(t.Context(), c, app.ListPathways{PatientID: e.patient, Status: 999})
			return err
		}, "status"},
		{"a listing with a negative page size", func() error {
			_, err := e.app.ListPathways(t.Context(), c, app.ListPathways{PatientID: e.patient, PageSize: -1})
			return err
		}, "page_size"},
		{"a listing with a page token this service never issued", func() error {
			_, err := e.app.ListPathways(t.Context(), c, app.ListPathways{PatientID: e.patient, PageToken: "not a token"})
			return err
		}, "page_token"},
		{"a listing by something that is no patient id", func() error {
			_, err := e.app.ListPathways(t.Context(), c, app.ListPathways{PatientID: "31129998949"})
			return err
		}, "patient_id"},
		{"a listing by neither patient nor unit", func() error {
			_, err := e.app.ListPathways(t.Context(), c, app.ListPathways{})
			return err
		}, "subject"},
		{"statistics for an invalid unit", func() error {
			_, err := e.app.GetDecisionStatistics(t.Context(), c, domain.Unit{HerID: "x", OrgNumber: "1"})
			return err
		}, "unit.her_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			cost := e.measure(func() { err = tt.run() })
			testkit.ExpectErr(t, err, testkit.Invalid, tt.field)
			if cost != (work{}) {
				t.Fatalf("an invalid request did work: %+v", cost)
			}
		})
	}
}
