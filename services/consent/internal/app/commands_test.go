package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
)

func TestARetryAnswersWhatTheFirstRequestAnsweredAndAppendsNothing(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	first, err := e.app.GrantConsent(t.Context(), me, "grant-1", grantToStranger(pid))
	if err != nil {
		t.Fatal(err)
	}
	// Later commits of the same patient must not change what the retry says.
	if _, err := e.app.GrantConsent(t.Context(), me, "grant-2", grantToStranger(pid)); err != nil {
		t.Fatal(err)
	}
	before := e.lastSeq()
	again, err := e.app.GrantConsent(t.Context(), me, "grant-1", grantToStranger(pid))
	if err != nil || again != first {
		t.Fatalf("retry answered %q %v, want %q", again, err, first)
	}
	if e.lastSeq() != before {
		t.Fatal("the retry appended")
	}
	// After a restart, with the write model folded from the stream again.
	e.restart()
	if again, err := e.app.GrantConsent(t.Context(), me, "grant-1", grantToStranger(pid)); err != nil || again != first {
		t.Fatalf("retry after a restart answered %q %v, want %q", again, err, first)
	}
	if e.lastSeq() != before {
		t.Fatal("the retry after a restart appended")
	}
}

func TestAnEmergencyAccessAnswersItsExpiryFromTheCommitThatOpenedIt(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	opened, err := e.app.UseEmergencyAccess(t.Context(), stranger(), "em-1", app.UseEmergencyAccess{PatientID: pid, Reason: "unconscious in A&E"})
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(4 * time.Hour); opened.ID == "" || !opened.ExpiresAt.Equal(want) || opened.ProfessionalID != strangerID {
		t.Fatalf("opened %+v, want an access by %s expiring at %v", opened, strangerID, want)
	}
	// A retry hours later, when another access has been opened since, still
	// answers the first access and its expiry.
	e.clock.Advance(5 * time.Hour)
	if _, err := e.app.UseEmergencyAccess(t.Context(), stranger(), "em-2", app.UseEmergencyAccess{PatientID: pid, Reason: "again"}); err != nil {
		t.Fatal(err)
	}
	again, err := e.app.UseEmergencyAccess(t.Context(), stranger(), "em-1", app.UseEmergencyAccess{PatientID: pid, Reason: "unconscious in A&E"})
	if err != nil || again != opened {
		t.Fatalf("retry answered %+v %v, want %+v", again, err, opened)
	}
}

func TestARequestIDReusedForADifferentRequestIsRefusedAndAppendsNothing(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	if _, err := e.app.GrantConsent(t.Context(), me, "grant-1", grantToStranger(pid)); err != nil {
		t.Fatal(err)
	}
	other := grantToStranger(pid)
	other.Categories = []consentv1.Category{consentv1.Category_CATEGORY_ALL}
	before := e.lastSeq()
	_, err := e.app.GrantConsent(t.Context(), me, "grant-1", other)
	testkit.ExpectErr(t, err, testkit.Invalid, "request_id")
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Conditions) != 1 || ve.Conditions[0].Reason != errs.ReasonRequestIDReused {
		t.Fatalf("reuse answered %v, want %s", err, errs.ReasonRequestIDReused)
	}
	if e.lastSeq() != before {
		t.Fatal("a reused request id appended")
	}
}

func TestAServiceRecordsThePatientsChoiceForThemAndNoOneElseCanNameAnyone(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	forPatient := &access.Actor{PatientID: pid, Role: access.RolePatient}

	grant := grantToStranger(pid)
	grant.OnBehalfOf = forPatient
	before := e.lastSeq()
	id, err := e.app.GrantConsent(t.Context(), suiteService(), "via-continuity", grant)
	if err != nil {
		t.Fatalf("the suite's service recording the patient's consent: %v", err)
	}
	rec, err := e.store.Get(t.Context(), before+1)
	if err != nil {
		t.Fatal(err)
	}
	if a := rec.Commit.GetActor(); a.GetPatientId() != pid || a.GetService() != "stafett-suite" || a.GetRole() != string(access.RolePatient) {
		t.Fatalf("commit actor %v: want the patient, carried by the service", a)
	}
	d, err := e.app.CheckAccess(t.Context(), suiteService(), app.CheckAccessRequest{
		ActorProfessionalID: strangerID, ActorOrgNumber: otherOrg, PatientID: pid, Category: consentv1.Category_CATEGORY_PLAN,
	})
	if err != nil || !d.Permit || d.ConsentID != id {
		t.Fatalf("the consent granted on the patient's behalf: %+v %v", d, err)
	}

	// A clinician naming the patient acts as themself: with no access, the
	// patient does not exist for them.
	before = e.lastSeq()
	_, err = e.app.GrantConsent(t.Context(), stranger(), "naming-the-patient", grant)
	testkit.ExpectErr(t, err, testkit.NotFound)
	if e.lastSeq() != before {
		t.Fatal("a refused grant appended")
	}
	// A service naming no one has no access of its own to record anything.
	grant.OnBehalfOf = nil
	_, err = e.app.GrantConsent(t.Context(), suiteService(), "naming-no-one", grant)
	testkit.ExpectErr(t, err, testkit.NotFound)
}

// TestAConsentWithdrawalGovernsEveryLaterCheck: right after the withdrawal
// returns, CheckAccess (one barrier behind the withdrawal's commit) denies.
func TestAConsentWithdrawalGovernsEveryLaterCheck(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	check := app.CheckAccessRequest{ActorProfessionalID: strangerID, ActorOrgNumber: otherOrg, PatientID: pid, Category: consentv1.Category_CATEGORY_PLAN}
	for i := range 5 {
		id, err := e.app.GrantConsent(t.Context(), me, "grant-"+string(rune('a'+i)), grantToStranger(pid))
		if err != nil {
			t.Fatal(err)
		}
		if d, err := e.app.CheckAccess(t.Context(), suiteService(), check); err != nil || !d.Permit {
			t.Fatalf("right after the grant: %+v %v", d, err)
		}
		if err := e.app.WithdrawConsent(t.Context(), me, "withdraw-"+string(rune('a'+i)), app.WithdrawConsent{PatientID: pid, ConsentID: id}); err != nil {
			t.Fatal(err)
		}
		if d, err := e.app.CheckAccess(t.Context(), suiteService(), check); err != nil || d.Permit {
			t.Fatalf("right after the withdrawal: %+v %v", d, err)
		}
		if ds, err := e.app.BatchCheckAccess(t.Context(), suiteService(), []app.CheckAccessRequest{check, check}); err != nil || ds[0].Permit || ds[1].Permit {
			t.Fatalf("batched, right after the withdrawal: %+v %v", ds, err)
		}
	}
}

func TestOnlyServicesMayCheckAccess(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	check := app.CheckAccessRequest{ActorProfessionalID: clinicianID, ActorOrgNumber: dpsOrg, PatientID: pid, Category: consentv1.Category_CATEGORY_REFERRAL}
	for _, who := range []access.Actor{clinician(), e.patient(patientNID), {Service: "stafett-suite"}} {
		_, err := e.app.CheckAccess(t.Context(), who, check)
		testkit.ExpectErr(t, err, testkit.Permission)
		_, err = e.app.BatchCheckAccess(t.Context(), who, []app.CheckAccessRequest{check})
		testkit.ExpectErr(t, err, testkit.Permission)
	}
}

func TestBatchCheckAccessAnswersInRequestOrder(t *testing.T) {
	e := newEnv(t)
	known, unknown := e.patientID(patientNID), e.patientID(otherNID)
	e.referred(known)
	ask := func(pid, professional, org string) app.CheckAccessRequest {
		return app.CheckAccessRequest{ActorProfessionalID: professional, ActorOrgNumber: org, PatientID: pid, Category: consentv1.Category_CATEGORY_REFERRAL}
	}
	ds, err := e.app.BatchCheckAccess(t.Context(), suiteService(), []app.CheckAccessRequest{
		ask(known, clinicianID, dpsOrg), ask(unknown, clinicianID, dpsOrg), ask(known, strangerID, otherOrg), ask(known, colleagueID, dpsOrg),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, false, true}
	for i := range want {
		if ds[i].Permit != want[i] || (want[i] && ds[i].Basis != consentv1.Basis_BASIS_CARE_TEAM) {
			t.Fatalf("answer %d = %+v, want permit %v", i, ds[i], want[i])
		}
	}
	_, err = e.app.BatchCheckAccess(t.Context(), suiteService(), make([]app.CheckAccessRequest, app.MaxBatch+1))
	testkit.ExpectErr(t, err, testkit.Invalid, "checks")
}
