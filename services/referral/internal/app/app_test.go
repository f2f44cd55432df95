package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/testkit"
	"github.com/stafett/stafett/pkg/workdays"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/app"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

const (
	senderOrg = "974760673"
	dpsOrg    = "983974724"
	otherOrg  = "923456783"
)

var dps = domain.Unit{HerID: "80001", OrgNumber: dpsOrg}

// env is the referral application over a real JetStream, with a counting
// fake consent service that permits the DPS's health personnel and nobody
// else, and a counting access log in front of the real one.
type env struct {
	app     *app.App
	store   *eventstore.Store
	checker *accesstest.Checker
	log     *accesstest.Log
	clock   *clock.Fake
}

func start(t *testing.T) *env {
	t.Helper()
	store, auditLog, _ := eventstoretest.OpenWithAudit(t)
	pseudonyms := testkit.Pseudonyms(t)
	zone := testkit.Oslo(t)
	e := &env{
		store: store,
		checker: accesstest.NewChecker(func(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
			if req.GetActorOrgNumber() == dpsOrg {
				return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
			}
			return nil
		}),
		log:   accesstest.NewLog(auditLog),
		clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
	}
	image := decider.NewImage(app.Model(), nil)
	e.app = app.New(app.Deps{
		Store: store, Image: image, Clock: e.clock, IDs: idgen.NewULIDs(), Pseudonyms: pseudonyms,
		Policy: domain.Policy{Calendar: workdays.Norway(), Zone: zone, AssessmentWorkdays: 10, AtRiskWorkdays: 5},
		Guard:  access.NewGuard(e.checker, e.log, e.clock),
	})
	feed, err := image.Run(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Stop)
	return e
}

func sender() access.Actor {
	return access.Actor{ProfessionalID: "ext:" + senderOrg + ":engine", OrgNumber: senderOrg, Role: access.RoleIntegration}
}

func assessor(org string) access.Actor {
	return access.Actor{ProfessionalID: "hpr:5555555", OrgNumber: org, Role: access.RoleAssessor}
}

func receiveInput(externalID string) app.ReceiveReferral {
	return app.ReceiveReferral{
		ExternalID: externalID, PatientNationalID: "31129998949", ReferrerHPR: "1234567", ReferrerOrgNumber: senderOrg,
		Unit: dps, Reason: "low mood for months", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	}
}

func (e *env) receive(t *testing.T, requestID string) domain.Referral {
	t.Helper()
	res, err := e.app.ReceiveReferral(t.Context(), sender(), requestID, receiveInput("ext-"+requestID))
	if err != nil {
		t.Fatal(err)
	}
	return res.State
}

func (e *env) lastSeq(t *testing.T) uint64 {
	t.Helper()
	seq, err := e.store.LastSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// work is what one request cost: consent calls, checks and log records.
type work struct{ calls, checks, records int }

func (e *env) measure(f func()) work {
	calls0, checks0 := e.checker.Counts()
	records0 := e.log.Records()
	f()
	calls, checks := e.checker.Counts()
	return work{calls - calls0, checks - checks0, e.log.Records() - records0}
}

func TestDeniedCostsWhatAbsentCosts(t *testing.T) {
	e := start(t)
	r := e.receive(t, "r-1")
	outsider := assessor(otherOrg)
	for _, tc := range []struct {
		name string
		run  func(id string) error
	}{
		{"GetReferral", func(id string) error { _, err := e.app.GetReferral(t.Context(), outsider, id); return err }},
		{"RequestInformation", func(id string) error {
			_, err := e.app.RequestInformation(t.Context(), outsider, "ri-"+id, app.RequestInformation{ReferralID: id, What: "notes"})
			return err
		}},
		{"AssessReferral", func(id string) error {
			_, err := e.app.AssessReferral(t.Context(), outsider, "as-"+id, app.AssessReferral{ReferralID: id, NoRight: &app.NoRight{Reason: "r", FollowUp: "f"}})
			return err
		}},
		{"WithdrawReferral", func(id string) error {
			_, err := e.app.WithdrawReferral(t.Context(), outsider, "wd-"+id, app.WithdrawReferral{ReferralID: id, Reason: "r"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var absentErr, deniedErr error
			absent := e.measure(func() { absentErr = tc.run("01JNOSUCHREFERRALNOSUCHREFX") })
			denied := e.measure(func() { deniedErr = tc.run(r.ID) })
			testkit.ExpectErr(t, absentErr, testkit.NotFound)
			testkit.ExpectErr(t, deniedErr, testkit.NotFound)
			if absentErr.Error() != deniedErr.Error() {
				t.Fatalf("answers differ: absent %q, denied %q", absentErr, deniedErr)
			}
			if absent != denied || absent.calls != 1 {
				t.Fatalf("absent did %+v, denied did %+v: want the same, one access check", absent, denied)
			}
		})
	}
}

func TestListsRevealNothingTheyHide(t *testing.T) {
	e := start(t)
	mine := e.receive(t, "mine")
	// Referrals to the DPS that an outsider organisation may not see, arriving
	// after the caller's page: they must change neither the page, nor its
	// token, nor the work a page costs.
	list := func(actor access.Actor) (app.ReferralPage, work) {
		var page app.ReferralPage
		w := e.measure(func() {
			var err error
			page, err = e.app.ListReferrals(t.Context(), actor, app.ListReferrals{Unit: dps, PageSize: 1})
			if err != nil {
				t.Fatal(err)
			}
		})
		return page, w
	}
	outsiderBefore, costBefore := list(assessor(otherOrg))
	for i := range 20 {
		e.receive(t, fmt.Sprintf("hidden-%d", i))
	}
	outsiderAfter, costAfter := list(assessor(otherOrg))
	if len(outsiderBefore.Referrals) != 0 || outsiderBefore.NextPageToken != "" ||
		len(outsiderAfter.Referrals) != 0 || outsiderAfter.NextPageToken != "" || costBefore != costAfter {
		t.Fatalf("an outsider's listing changed with rows it cannot see: %+v (%+v) → %+v (%+v)",
			outsiderBefore, costBefore, outsiderAfter, costAfter)
	}
	page, cost := list(assessor(dpsOrg))
	if len(page.Referrals) != 1 || page.Referrals[0].ID != mine.ID || page.NextPageToken == "" {
		t.Fatalf("the unit's first page: %+v", page)
	}
	if cost.calls != 1 || cost.checks != 1 || cost.records != 1 {
		t.Fatalf("a page of one cost %+v, want one batched check and one log record", cost)
	}
}

func TestAReplayIsNotARead(t *testing.T) {
	e := start(t)
	first, err := e.app.ReceiveReferral(t.Context(), sender(), "r-1", receiveInput("ext-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AssessReferral(t.Context(), assessor(dpsOrg), "a-1", app.AssessReferral{
		ReferralID: first.ID, RightGranted: &app.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11, Priority: referralv1.Priority_PRIORITY_NORMAL},
	}); err != nil {
		t.Fatal(err)
	}
	var again app.Result
	cost := e.measure(func() {
		again, err = e.app.ReceiveReferral(t.Context(), sender(), "r-1", receiveInput("ext-1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.State.Status != referralv1.ReferralStatus_REFERRAL_STATUS_RECEIVED || again.State.Assessment != nil {
		t.Fatalf("the replay answered the current state: %+v", again.State)
	}
	if cost != (work{}) {
		t.Fatalf("the replay read as %+v, want no access check and no log record", cost)
	}
}

func TestARequestIDReusedForADifferentRequestIsRefused(t *testing.T) {
	e := start(t)
	first := e.receive(t, "r-1")
	before := e.lastSeq(t)
	urgent := receiveInput("ext-r-1")
	urgent.Urgency = referralv1.Urgency_URGENCY_URGENT
	_, err := e.app.ReceiveReferral(t.Context(), sender(), "r-1", urgent)
	testkit.ExpectErr(t, err, testkit.Invalid, "request_id")
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Conditions) != 1 || ve.Conditions[0].Reason != errs.ReasonRequestIDReused ||
		ve.Conditions[0].Metadata["original_id"] != first.ID {
		t.Fatalf("reuse error %+v, want REQUEST_ID_REUSED naming %s", ve, first.ID)
	}
	if e.lastSeq(t) != before {
		t.Fatal("a refused reuse appended")
	}
	// The same external id under another request id is the same referral.
	again, err := e.app.ReceiveReferral(t.Context(), sender(), "r-2", receiveInput("ext-r-1"))
	if err != nil || again.ID != first.ID || e.lastSeq(t) != before {
		t.Fatalf("the same external id made %v (%v), want %s and nothing appended", again.ID, err, first.ID)
	}
}

func TestConcurrentDuplicatesMakeExactlyOneReferral(t *testing.T) {
	e := start(t)
	const n = 8
	var wg sync.WaitGroup
	made := make([]string, n)
	failures := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// One request id, each with another external id: one wins, the
			// rest are refused as reuse.
			res, err := e.app.ReceiveReferral(t.Context(), sender(), "same", receiveInput(fmt.Sprintf("ext-%d", i)))
			made[i], failures[i] = res.ID, err
		})
	}
	wg.Wait()
	created := map[string]bool{}
	for i := range n {
		if failures[i] == nil {
			created[made[i]] = true
			continue
		}
		testkit.ExpectErr(t, failures[i], testkit.Invalid, "request_id")
	}
	if len(created) != 1 {
		t.Fatalf("made %d referrals, want exactly one", len(created))
	}
	records, _, err := e.store.Load(t.Context(), eventstore.AllFilter, 0)
	if err != nil || len(records) != 1 {
		t.Fatalf("%d commits (%v), want one", len(records), err)
	}
}

func TestEveryInputIsBounded(t *testing.T) {
	e := start(t)
	year2 := time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)
	future := e.clock.Now().Add(time.Hour)
	for _, tc := range []struct {
		name  string
		field string
		edit  func(*app.ReceiveReferral)
	}{
		{"a 1 MiB reason", "reason", func(in *app.ReceiveReferral) { in.Reason = string(make([]byte, 1<<20)) }},
		{"an unknown urgency", "urgency", func(in *app.ReceiveReferral) { in.Urgency = 999 }},
		{"received in year 2", "received_at", func(in *app.ReceiveReferral) { in.ReceivedAt = &year2 }},
		{"received after now", "received_at", func(in *app.ReceiveReferral) { in.ReceivedAt = &future }},
		{"a 200-byte external id", "external_id", func(in *app.ReceiveReferral) { in.ExternalID = string(make([]byte, 200)) }},
		{"invalid UTF-8", "reason", func(in *app.ReceiveReferral) { in.Reason = "\xff\xfe" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := receiveInput("ext-" + tc.name)
			tc.edit(&in)
			_, err := e.app.ReceiveReferral(t.Context(), sender(), "bounded-"+tc.name, in)
			testkit.ExpectErr(t, err, testkit.Invalid, tc.field)
			if e.lastSeq(t) != 0 {
				t.Fatal("a refused referral was appended")
			}
		})
	}
}
