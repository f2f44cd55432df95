package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// refusedAsInvalid runs a command that must be refused as INVALID_ARGUMENT on
// field, appending nothing.
func (e *env) refusedAsInvalid(t *testing.T, field string, run func(context.Context) error) {
	t.Helper()
	before := e.lastSeq()
	testkit.ExpectErr(t, run(t.Context()), testkit.Invalid, field)
	if after := e.lastSeq(); after != before {
		t.Fatalf("a refused command appended %d commit(s)", after-before)
	}
}

func grantToStranger(pid string) app.GrantConsent {
	return app.GrantConsent{
		PatientID: pid, Grantee: domain.Party{ProfessionalID: strangerID},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
	}
}

func at(t time.Time) *time.Time { return &t }

func TestGrantConsentRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	cases := []struct {
		name  string
		edit  func(*app.GrantConsent)
		field string
	}{
		{"no grantee", func(c *app.GrantConsent) { c.Grantee = domain.Party{} }, "grantee"},
		{"two grantees", func(c *app.GrantConsent) { c.Grantee.CareTeam = true }, "grantee"},
		{"bad professional id", func(c *app.GrantConsent) { c.Grantee.ProfessionalID = "hpr:0123" }, "grantee.professional_id"},
		{"bad unit org number", func(c *app.GrantConsent) { c.Grantee = domain.Party{Unit: domain.Unit{OrgNumber: "123456789"}} }, "grantee.unit.org_number"},
		{"no categories", func(c *app.GrantConsent) { c.Categories = nil }, "categories"},
		{"unspecified category", func(c *app.GrantConsent) { c.Categories = []consentv1.Category{0} }, "categories"},
		{"unknown category", func(c *app.GrantConsent) { c.Categories = []consentv1.Category{999} }, "categories"},
		{"more categories than there are", func(c *app.GrantConsent) { c.Categories = make([]consentv1.Category, 100) }, "categories"},
		{"no purpose", func(c *app.GrantConsent) { c.Purpose = 0 }, "purpose"},
		{"unknown purpose", func(c *app.GrantConsent) { c.Purpose = 999 }, "purpose"},
		{"method 999", func(c *app.GrantConsent) { c.Method = 999 }, "method"},
		{"valid_until 2^62 seconds", func(c *app.GrantConsent) { c.ValidUntil = at(time.Unix(1<<62, 0)) }, "valid_until"},
		{"valid_until 0001-01-01 is not 'no expiry'", func(c *app.GrantConsent) { c.ValidUntil = at(time.Time{}) }, "valid_until"},
		{"valid_until before 1900", func(c *app.GrantConsent) { c.ValidUntil = at(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)) }, "valid_until"},
		{"valid_until on 2100-01-01", func(c *app.GrantConsent) { c.ValidUntil = at(errs.LatestInstant) }, "valid_until"},
		{"valid_until already passed", func(c *app.GrantConsent) { c.ValidUntil = at(e.clock.Now().Add(-time.Minute)) }, "valid_until"},
		{"not a patient id", func(c *app.GrantConsent) { c.PatientID = "31129998949" }, "patient_id"},
		{"no patient", func(c *app.GrantConsent) { c.PatientID = "" }, "patient_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := grantToStranger(pid)
			tc.edit(&cmd)
			e.refusedAsInvalid(t, tc.field, func(ctx context.Context) error {
				_, err := e.app.GrantConsent(ctx, clinician(), "grant-"+tc.name, cmd)
				return err
			})
		})
	}
	ok := grantToStranger(pid)
	ok.ValidUntil, ok.Method = at(time.Date(2099, 12, 31, 23, 59, 0, 0, time.UTC)), consentv1.ConsentMethod_CONSENT_METHOD_WRITTEN
	if _, err := e.app.GrantConsent(t.Context(), clinician(), "grant-ok", ok); err != nil {
		t.Fatalf("valid command rejected: %v", err)
	}
}

// TestEveryFreeTextFieldIsBoundedByTheLimitTable: a reason or a note one byte
// over its errs.Limit is refused (a megabyte never reaches the NATS payload
// limit and INTERNAL), one at the limit is recorded.
func TestEveryFreeTextFieldIsBoundedByTheLimitTable(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	limit := int(errs.LimitNote)
	fields := []struct {
		field string
		run   func(ctx context.Context, requestID, text string) error
	}{
		{"reason", func(ctx context.Context, requestID, text string) error {
			_, err := e.app.UseEmergencyAccess(ctx, stranger(), requestID, app.UseEmergencyAccess{PatientID: pid, Reason: text})
			return err
		}},
		{"note", func(ctx context.Context, requestID, text string) error {
			_, err := e.app.RecordCapacityAssessment(ctx, clinician(), requestID, app.RecordCapacityAssessment{
				PatientID: pid, Domain: consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT, Note: text,
			})
			return err
		}},
	}
	for _, f := range fields {
		t.Run(f.field, func(t *testing.T) {
			for name, text := range map[string]string{
				"one byte over": strings.Repeat("x", limit+1),
				"a mebibyte":    strings.Repeat("x", 1<<20),
				"not UTF-8":     "\xff\xfe",
			} {
				e.refusedAsInvalid(t, f.field, func(ctx context.Context) error { return f.run(ctx, f.field+name, text) })
			}
			if err := f.run(t.Context(), f.field+"-at-limit", strings.Repeat("x", limit)); err != nil {
				t.Fatalf("%s at the limit refused: %v", f.field, err)
			}
		})
	}
	t.Run("review note", func(t *testing.T) {
		opened, err := e.app.UseEmergencyAccess(t.Context(), clinician(), "open-for-review", app.UseEmergencyAccess{PatientID: pid, Reason: "unconscious"})
		if err != nil {
			t.Fatal(err)
		}
		review := app.ReviewEmergencyAccess{PatientID: pid, AccessID: opened.ID, Justified: true, Note: strings.Repeat("x", limit+1)}
		e.refusedAsInvalid(t, "note", func(ctx context.Context) error {
			return e.app.ReviewEmergencyAccess(ctx, colleague(), "review-long", review)
		})
		review.Note = " "
		e.refusedAsInvalid(t, "note", func(ctx context.Context) error {
			return e.app.ReviewEmergencyAccess(ctx, colleague(), "review-blank", review)
		})
	})
	t.Run("reason is required", func(t *testing.T) {
		e.refusedAsInvalid(t, "reason", func(ctx context.Context) error { return fields[0].run(ctx, "blank-reason", "  ") })
	})
}

func TestUnknownEnumNumbersAreRefused(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	cases := []struct {
		field string
		run   func(ctx context.Context) error
	}{
		{"categories", func(ctx context.Context) error {
			_, err := e.app.RecordObjection(ctx, clinician(), "o", app.RecordObjection{PatientID: pid,
				Against: domain.Party{ProfessionalID: strangerID}, Categories: []consentv1.Category{999}})
			return err
		}},
		{"domain", func(ctx context.Context) error {
			_, err := e.app.RecordCapacityAssessment(ctx, clinician(), "a", app.RecordCapacityAssessment{PatientID: pid, Domain: 999})
			return err
		}},
		{"role", func(ctx context.Context) error {
			_, err := e.app.RegisterRepresentative(ctx, clinician(), "r", app.RegisterRepresentative{PatientID: pid, PersonID: e.patientID(otherNID), Role: 999})
			return err
		}},
		{"kind", func(ctx context.Context) error {
			_, err := e.app.StartCompulsoryCare(ctx, clinician(), "k", app.StartCompulsoryCare{PatientID: pid, Kind: 999, DecisionMaker: clinicianID, StartsOn: "2026-03-02"})
			return err
		}},
		{"category", func(ctx context.Context) error {
			_, err := e.app.CheckAccess(ctx, suiteService(), app.CheckAccessRequest{PatientID: pid, ActorProfessionalID: strangerID, Category: 999})
			return err
		}},
		{"checks[1].purpose", func(ctx context.Context) error {
			_, err := e.app.BatchCheckAccess(ctx, suiteService(), []app.CheckAccessRequest{
				{PatientID: pid, Category: consentv1.Category_CATEGORY_PLAN},
				{PatientID: pid, Category: consentv1.Category_CATEGORY_PLAN, Purpose: 999},
			})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) { e.refusedAsInvalid(t, tc.field, tc.run) })
	}
}

// TestRequiredFieldsAndWellFormedIDsAreChecked holds the checks that moved
// from the deciders to the app's Validate steps.
func TestRequiredFieldsAndWellFormedIDsAreChecked(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	me := e.patient(patientNID)
	plan := []consentv1.Category{consentv1.Category_CATEGORY_PLAN}
	cases := []struct {
		field string
		run   func(ctx context.Context) error
	}{
		{"against.care_team", func(ctx context.Context) error {
			_, err := e.app.RecordObjection(ctx, me, "o-team", app.RecordObjection{PatientID: pid, Against: domain.Party{CareTeam: true}, Categories: plan})
			return err
		}},
		{"against", func(ctx context.Context) error {
			_, err := e.app.RecordObjection(ctx, me, "o-none", app.RecordObjection{PatientID: pid, Categories: plan})
			return err
		}},
		{"domain", func(ctx context.Context) error {
			_, err := e.app.RecordCapacityAssessment(ctx, clinician(), "a-none", app.RecordCapacityAssessment{PatientID: pid})
			return err
		}},
		{"professional_id", func(ctx context.Context) error {
			return e.app.PermitContactAfterEnd(ctx, me, "p-someone", app.PermitContactAfterEnd{PatientID: pid, ProfessionalID: "someone"})
		}},
		{"person_id", func(ctx context.Context) error {
			_, err := e.app.RegisterRepresentative(ctx, clinician(), "r-nid", app.RegisterRepresentative{
				PatientID: pid, PersonID: parentNID, Role: consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_GUARDIAN,
			})
			return err
		}},
		{"decision_maker", func(ctx context.Context) error {
			_, err := e.app.StartCompulsoryCare(ctx, clinician(), "s-none", app.StartCompulsoryCare{
				PatientID: pid, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION, StartsOn: "2026-03-02",
			})
			return err
		}},
		{"consent_id", func(ctx context.Context) error {
			return e.app.WithdrawConsent(ctx, me, "w-none", app.WithdrawConsent{PatientID: pid})
		}},
		{"request_id", func(ctx context.Context) error {
			return e.app.WithdrawConsent(ctx, me, " ", app.WithdrawConsent{PatientID: pid, ConsentID: "c"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) { e.refusedAsInvalid(t, tc.field, tc.run) })
	}
}

func TestDatesMustBeRealAndPlausible(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	e.referred(pid)
	for _, d := range []string{"", "2026-02-30", "02.03.2026", "0002-03-02", "2100-01-02"} {
		t.Run("starts_on "+d, func(t *testing.T) {
			e.refusedAsInvalid(t, "starts_on", func(ctx context.Context) error {
				_, err := e.app.StartCompulsoryCare(ctx, clinician(), "start-"+d, app.StartCompulsoryCare{
					PatientID: pid, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION, DecisionMaker: clinicianID, StartsOn: d,
				})
				return err
			})
		})
	}
	episode, err := e.app.StartCompulsoryCare(t.Context(), clinician(), "start", app.StartCompulsoryCare{
		PatientID: pid, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION, DecisionMaker: clinicianID, StartsOn: "2026-03-02",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.refusedAsInvalid(t, "ended_on", func(ctx context.Context) error {
		return e.app.EndCompulsoryCare(ctx, clinician(), "end", app.EndCompulsoryCare{PatientID: pid, EpisodeID: episode, EndedOn: "9999-12-31"})
	})
}

func TestNegativePageSizesAndForeignTokensAreRefusedByEveryListing(t *testing.T) {
	e := newEnv(t)
	pid := e.patientID(patientNID)
	me := e.patient(patientNID)
	listings := map[string]func(ctx context.Context, size int, token string) error{
		"ListConsents": func(ctx context.Context, size int, token string) error {
			_, err := e.app.ListConsents(ctx, me, app.ListConsents{PatientID: pid, PageSize: size, PageToken: token})
			return err
		},
		"ListAccessLog": func(ctx context.Context, size int, token string) error {
			_, err := e.app.ListAccessLog(ctx, me, app.ListAccessLog{PatientID: pid, PageSize: size, PageToken: token})
			return err
		},
		"ListEmergencyAccesses by patient": func(ctx context.Context, size int, token string) error {
			_, err := e.app.ListEmergencyAccesses(ctx, me, app.ListEmergencyAccesses{PatientID: pid, PageSize: size, PageToken: token})
			return err
		},
		"ListEmergencyAccesses by organisation": func(ctx context.Context, size int, token string) error {
			_, err := e.app.ListEmergencyAccesses(ctx, clinician(), app.ListEmergencyAccesses{PageSize: size, PageToken: token})
			return err
		},
	}
	for name, list := range listings {
		t.Run(name, func(t *testing.T) {
			testkit.ExpectErr(t, list(t.Context(), -1, ""), testkit.Invalid, "page_size")
			testkit.ExpectErr(t, list(t.Context(), 10, "not-a-token"), testkit.Invalid, "page_token")
			if err := list(t.Context(), 0, ""); err != nil {
				t.Fatalf("the first page: %v", err)
			}
		})
	}
}
