package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
)

func TestListConsentsPagesOverActiveConsentsOldestFirst(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	var granted []string
	for i := range 3 {
		id, err := e.app.GrantConsent(t.Context(), me, fmt.Sprintf("g%d", i), grantToStranger(pid))
		if err != nil {
			t.Fatal(err)
		}
		granted = append(granted, id)
		e.clock.Advance(time.Minute)
	}
	if err := e.app.WithdrawConsent(t.Context(), me, "w", app.WithdrawConsent{PatientID: pid, ConsentID: granted[1]}); err != nil {
		t.Fatal(err)
	}
	list := func(inactive bool, token string) app.ConsentPage {
		t.Helper()
		page, err := e.app.ListConsents(t.Context(), me, app.ListConsents{PatientID: pid, IncludeInactive: inactive, PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	ids := func(p app.ConsentPage) (out []string) {
		for _, c := range p.Consents {
			out = append(out, c.ID)
		}
		return out
	}
	if active := list(false, ""); fmt.Sprint(ids(active)) != fmt.Sprint([]string{granted[0], granted[2]}) || active.NextPageToken != "" {
		t.Fatalf("active consents %v, token %q", ids(active), active.NextPageToken)
	}
	first := list(true, "")
	if fmt.Sprint(ids(first)) != fmt.Sprint(granted[:2]) || first.NextPageToken == "" {
		t.Fatalf("first page %v, token %q", ids(first), first.NextPageToken)
	}
	if second := list(true, first.NextPageToken); fmt.Sprint(ids(second)) != fmt.Sprint(granted[2:]) || second.NextPageToken != "" {
		t.Fatalf("second page %v, token %q", ids(second), second.NextPageToken)
	}
}

func TestTheAccessLogPagesAndItsOwnReadsAreLogged(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	for range 2 {
		if _, err := e.app.GetLegalStatus(t.Context(), me, pid); err != nil {
			t.Fatal(err)
		}
	}
	first, err := e.app.ListAccessLog(t.Context(), me, app.ListAccessLog{PatientID: pid, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Entries) != 2 || first.NextPageToken == "" {
		t.Fatalf("first page: %d entries, token %q", len(first.Entries), first.NextPageToken)
	}
	second, err := e.app.ListAccessLog(t.Context(), me, app.ListAccessLog{PatientID: pid, PageSize: 2, PageToken: first.NextPageToken})
	if err != nil {
		t.Fatal(err)
	}
	// The read of the first page was logged before it was answered; the
	// second read is logged too, so the second page holds both.
	var ops []string
	for _, en := range second.Entries {
		ops = append(ops, en.GetOperation())
		if en.GetBasis() != consentv1.Basis_BASIS_OWN_DATA || en.GetActorPatientId() != pid {
			t.Fatalf("entry %v", en)
		}
	}
	want := []string{"stafett.consent.v1.ConsentService/ListAccessLog", "stafett.consent.v1.ConsentService/ListAccessLog"}
	if fmt.Sprint(ops) != fmt.Sprint(want) || second.NextPageToken != "" {
		t.Fatalf("second page %v, token %q", ops, second.NextPageToken)
	}
}

// TestAnOrganisationListsOnlyTheEmergencyAccessesItsProfessionalsOpened: the
// review list's candidates are the organisation's own, so accesses opened
// elsewhere never appear, and never make a next page appear.
func TestAnOrganisationListsOnlyTheEmergencyAccessesItsProfessionalsOpened(t *testing.T) {
	e := newEnv(t)
	mine, theirs := e.patientID(patientNID), e.patientID(otherNID)
	open := func(by string, pid string) string {
		t.Helper()
		opener := stranger()
		if by == dpsOrg {
			opener = clinician()
		}
		opened, err := e.app.UseEmergencyAccess(t.Context(), opener, "em-"+by+pid, app.UseEmergencyAccess{PatientID: pid, Reason: "unconscious"})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		return opened.ID
	}
	ours := open(dpsOrg, mine)
	open(otherOrg, theirs)
	open(otherOrg, mine)
	page, err := e.app.ListEmergencyAccesses(t.Context(), colleague(), app.ListEmergencyAccesses{UnreviewedOnly: true, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Accesses) != 1 || page.Accesses[0].ID != ours || page.Accesses[0].PatientID != mine || page.NextPageToken != "" {
		t.Fatalf("the DPS's review list: %+v, token %q", page.Accesses, page.NextPageToken)
	}
	if err := e.app.ReviewEmergencyAccess(t.Context(), colleague(), "review", app.ReviewEmergencyAccess{PatientID: mine, AccessID: ours, Justified: true, Note: "documented"}); err != nil {
		t.Fatal(err)
	}
	if page, err := e.app.ListEmergencyAccesses(t.Context(), colleague(), app.ListEmergencyAccesses{UnreviewedOnly: true}); err != nil || len(page.Accesses) != 0 {
		t.Fatalf("after the review: %+v %v", page.Accesses, err)
	}
	elsewhere, err := e.app.ListEmergencyAccesses(t.Context(), stranger(), app.ListEmergencyAccesses{PageSize: 1})
	if err != nil || len(elsewhere.Accesses) != 1 || elsewhere.NextPageToken == "" {
		t.Fatalf("the other organisation's first page: %+v %q %v", elsewhere.Accesses, elsewhere.NextPageToken, err)
	}
	rest, err := e.app.ListEmergencyAccesses(t.Context(), stranger(), app.ListEmergencyAccesses{PageSize: 1, PageToken: elsewhere.NextPageToken})
	if err != nil || len(rest.Accesses) != 1 || rest.Accesses[0].ID == elsewhere.Accesses[0].ID || rest.NextPageToken != "" {
		t.Fatalf("the other organisation's second page: %+v %q %v", rest.Accesses, rest.NextPageToken, err)
	}
	_, err = e.app.ListEmergencyAccesses(t.Context(), e.patient(patientNID), app.ListEmergencyAccesses{})
	testkit.ExpectErr(t, err, testkit.Invalid, "patient_id")
}

// barriers counts the read barriers a call runs: each is one stream-info
// request for the event stream. A marker published after the call on the
// same connection arrives after every request the call made.
func (e *env) barriers(t *testing.T, run func(context.Context) error) int {
	t.Helper()
	const prefix = "$JS.API.STREAM.INFO."
	msgs := make(chan *nats.Msg, 64)
	sub, err := e.nc.ChanSubscribe(prefix+">", msgs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Publish(prefix+"marker", nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case m := <-msgs:
			switch m.Subject {
			case prefix + "marker":
				return n
			case prefix + eventstore.StreamName:
				n++
			}
		case <-deadline.C:
			t.Fatal("the marker never arrived")
		}
	}
}

func TestEveryCallRunsOneReadBarrier(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	check := app.CheckAccessRequest{ActorProfessionalID: clinicianID, ActorOrgNumber: dpsOrg, PatientID: pid, Category: consentv1.Category_CATEGORY_REFERRAL}
	calls := map[string]func(context.Context) error{
		"CheckAccess": func(ctx context.Context) error {
			_, err := e.app.CheckAccess(ctx, suiteService(), check)
			return err
		},
		"BatchCheckAccess of three": func(ctx context.Context) error {
			_, err := e.app.BatchCheckAccess(ctx, suiteService(), []app.CheckAccessRequest{check, check, check})
			return err
		},
		"GetLegalStatus, checked and logged": func(ctx context.Context) error {
			_, err := e.app.GetLegalStatus(ctx, clinician(), pid)
			return err
		},
		"GrantConsent": func(ctx context.Context) error {
			_, err := e.app.GrantConsent(ctx, clinician(), "barrier-grant", grantToStranger(pid))
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if n := e.barriers(t, call); n != 1 {
				t.Fatalf("%s ran %d read barriers, want 1", name, n)
			}
		})
	}
}
