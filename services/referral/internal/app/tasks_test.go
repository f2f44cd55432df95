package app_test

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/testkit"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/app"
)

// tasks is the FHIR edge's application side over env's app and store, and
// its task view.
func (e *env) tasks(t *testing.T) (*app.Tasks, *app.TaskView) {
	t.Helper()
	view, err := app.StartTaskView(t.Context(), e.store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(view.Stop)
	return app.NewTasks(e.app, view), view
}

func TestAFHIRReadOfAMissingReferralCostsWhatADeniedOneCosts(t *testing.T) {
	e := start(t)
	tasks, _ := e.tasks(t)
	r := e.receive(t, "r-1")
	outsider := assessor(otherOrg)
	for _, interaction := range []string{"Task.read", "ServiceRequest.read"} {
		t.Run(interaction, func(t *testing.T) {
			var absentErr, deniedErr error
			absent := e.measure(func() { _, absentErr = tasks.Get(t.Context(), outsider, "01JNOSUCHREFERRALNOSUCHREFX", interaction) })
			denied := e.measure(func() { _, deniedErr = tasks.Get(t.Context(), outsider, r.ID, interaction) })
			testkit.ExpectErr(t, absentErr, testkit.NotFound)
			testkit.ExpectErr(t, deniedErr, testkit.NotFound)
			if absentErr.Error() != deniedErr.Error() {
				t.Fatalf("answers differ: absent %q, denied %q", absentErr, deniedErr)
			}
			if absent != denied || absent != (work{calls: 1, checks: 1}) {
				t.Fatalf("absent did %+v, denied did %+v: want the same, one access check and no log record", absent, denied)
			}
			var got fhirr4.TaskState
			var err error
			permitted := e.measure(func() { got, err = tasks.Get(t.Context(), assessor(dpsOrg), r.ID, interaction) })
			if err != nil || got.ReferralID != r.ID || got.Status != fhirr4.TaskReceived {
				t.Fatalf("the unit's read: %+v, %v", got, err)
			}
			if permitted != (work{calls: 1, checks: 1, records: 1}) {
				t.Fatalf("a permitted read cost %+v, want one check and one log record", permitted)
			}
		})
	}
}

func TestATaskSearchPageIsCutFromTheCallersCandidatesAndCheckedOnce(t *testing.T) {
	e := start(t)
	tasks, view := e.tasks(t)
	mine := e.receive(t, "mine")
	byOwner := app.TaskQuery{Owners: []app.UnitMatch{{HerID: dps.HerID}}, PageSize: 1}
	search := func(q app.TaskQuery, as string) (app.TaskPage, work) {
		t.Helper()
		// The view follows the stream: a search sees what it has folded, so
		// wait for it to hold every commit before searching.
		if err := view.WaitApplied(t.Context(), e.lastSeq(t)); err != nil {
			t.Fatal(err)
		}
		var page app.TaskPage
		w := e.measure(func() {
			var err error
			page, err = tasks.SearchTasks(t.Context(), assessor(as), q)
			if err != nil {
				t.Fatal(err)
			}
		})
		return page, w
	}
	outsiderBefore, costBefore := search(byOwner, otherOrg)
	// Referrals to the DPS the outsider's organisation holds no record of,
	// arriving after its page: they change neither the page, nor its token,
	// nor what the page costs.
	for i := range 20 {
		e.receive(t, fmt.Sprintf("hidden-%d", i))
	}
	outsiderAfter, costAfter := search(byOwner, otherOrg)
	if len(outsiderBefore.Tasks) != 0 || outsiderBefore.NextPageToken != "" ||
		len(outsiderAfter.Tasks) != 0 || outsiderAfter.NextPageToken != "" || costBefore != costAfter {
		t.Fatalf("an outsider's search changed with rows it cannot see: %+v (%+v) → %+v (%+v)",
			outsiderBefore, costBefore, outsiderAfter, costAfter)
	}

	first, cost := search(byOwner, dpsOrg)
	if len(first.Tasks) != 1 || first.Tasks[0].ReferralID != mine.ID || first.NextPageToken == "" {
		t.Fatalf("the unit's first page: %+v", first)
	}
	if cost != (work{calls: 1, checks: 1, records: 1}) {
		t.Fatalf("a page of one cost %+v, want one batched check and one log record", cost)
	}
	wide := byOwner
	wide.PageSize = 5
	five, cost := search(wide, dpsOrg)
	if len(five.Tasks) != 5 || cost != (work{calls: 1, checks: 5, records: 5}) {
		t.Fatalf("a page of five: %d rows for %+v, want one batched call of five checks", len(five.Tasks), cost)
	}

	// A page the consent service denies row by row keeps the shape the
	// candidates give it: the same token, the same check, just no rows.
	e.checker.SetRule(nil)
	denied, cost := search(byOwner, dpsOrg)
	if len(denied.Tasks) != 0 || denied.NextPageToken != first.NextPageToken || cost != (work{calls: 1, checks: 1}) {
		t.Fatalf("a denied page: %+v for %+v, want no rows, the token %q, one check", denied, cost, first.NextPageToken)
	}
}

func TestAConditionalCreateIsReceiveReferralUnderTheSendersIdentifier(t *testing.T) {
	e := start(t)
	tasks, _ := e.tasks(t)
	in := receiveInput("http://gp.example.no/henvisning|h-1")

	first, created, err := tasks.Receive(t.Context(), sender(), in)
	if err != nil || !created {
		t.Fatalf("first create: created %v, %v", created, err)
	}
	seq := e.lastSeq(t)
	var again fhirr4.TaskState
	cost := e.measure(func() { again, created, err = tasks.Receive(t.Context(), sender(), in) })
	if err != nil || created || again.TaskFacts != first.TaskFacts || e.lastSeq(t) != seq {
		t.Fatalf("the same create again: created %v, %v, %+v want %+v, nothing appended", created, err, again, first)
	}
	if cost != (work{}) {
		t.Fatalf("the sender's replay cost %+v, want no read of patient data", cost)
	}

	// The identifier is the referral's identity on every edge: ReceiveReferral
	// over gRPC with the same content under its own request id is the same
	// referral, and different content under the identifier is refused.
	res, err := e.app.ReceiveReferral(t.Context(), sender(), "grpc-1", in)
	if err != nil || !res.Replayed || res.ID != first.ReferralID {
		t.Fatalf("the same referral over gRPC: %+v, %v", res, err)
	}
	urgent := in
	urgent.Urgency = referralv1.Urgency_URGENCY_URGENT
	_, _, err = tasks.Receive(t.Context(), sender(), urgent)
	testkit.ExpectErr(t, err, testkit.Invalid, "request_id")
	_, err = e.app.ReceiveReferral(t.Context(), sender(), "grpc-2", urgent)
	testkit.ExpectErr(t, err, testkit.Invalid, "external_id")
	var ve *errs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	if field, original, ok := ve.Reused(); !ok || field != "external_id" || original != first.ReferralID {
		t.Fatalf("reuse names %q %q (%v), want external_id and %s", field, original, ok, first.ReferralID)
	}
	if e.lastSeq(t) != seq {
		t.Fatal("a refused reuse appended")
	}

	// Another organisation's identifiers are its own.
	other := sender()
	other.OrgNumber, other.ProfessionalID = otherOrg, "ext:"+otherOrg+":engine"
	theirs, created, err := tasks.Receive(t.Context(), other, in)
	if err != nil || !created || theirs.ReferralID == first.ReferralID {
		t.Fatalf("another sender's create: %+v, %v, %v", theirs, created, err)
	}
	if got := tasks.SenderIdentifiers(sender(), "h-1"); len(got) != 1 || got[0] != fhirr4.SenderIdentifierOf(in.ExternalID) {
		t.Fatalf("the sender's identifiers with value h-1: %v", got)
	}
}
