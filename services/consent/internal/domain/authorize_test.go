package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// The actors of the authorization tables.
func self() access.Actor { return access.Actor{PatientID: patientID, Role: access.RolePatient} }

func otherPatient() access.Actor {
	return access.Actor{PatientID: "pt_someone_else", Role: access.RolePatient}
}

func stranger() access.Actor {
	return access.Actor{ProfessionalID: strangerHPR, OrgNumber: otherOrg, Role: access.RoleClinician}
}

func nav() access.Actor {
	return access.Actor{ProfessionalID: navOfficer, OrgNumber: navOrg, Role: access.RoleCoordinator}
}

func suiteService() access.Actor {
	return access.Actor{Role: access.RoleService, Service: "stafett-suite"}
}

// careTeamOf is a patient whose referral is open at the clinician's unit,
// and who consented to NAV for everything.
func careTeamOf() domain.PatientState {
	return fold(domain.Initial(patientID), received("r1", unitOrg, "1990-01-01"),
		consentTo("c-nav", toUnit(navOrg), time.Time{}, catAll))
}

type authorizeCase struct {
	name  string
	state domain.PatientState
	actor access.Actor
	want  testkit.Kind
}

func runAuthorize(t *testing.T, authorize func(domain.PatientState, access.Actor) error, cases []authorizeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testkit.ExpectErr(t, authorize(tc.state, tc.actor), tc.want)
		})
	}
}

func TestOnlyThePatientOrAProfessionalWithAccessRecordsThePatientsChoices(t *testing.T) {
	now := noon(t)
	team := careTeamOf()
	unknown := domain.Initial(patientID)
	runAuthorize(t, func(s domain.PatientState, a access.Actor) error { return domain.AuthorizeRecordChoice(s, a, now) }, []authorizeCase{
		{"the patient themself", team, self(), testkit.NoError},
		{"the patient themself, nothing known of them yet", unknown, self(), testkit.NoError},
		{"the care team records the patient's choice", team, clinician(), testkit.NoError},
		{"an organisation the patient consented to", team, nav(), testkit.NoError},
		{"another patient: as if absent", team, otherPatient(), testkit.NotFound},
		{"a stranger: as if absent", team, stranger(), testkit.NotFound},
		{"a stranger, unknown patient: the same", unknown, stranger(), testkit.NotFound},
		{"a service on its own behalf", team, suiteService(), testkit.NotFound},
	})
}

func TestPatientsDoNotRecordWhatProfessionalsEstablish(t *testing.T) {
	now := noon(t)
	team := careTeamOf()
	runAuthorize(t, func(s domain.PatientState, a access.Actor) error {
		return domain.AuthorizeProfessionalRecord(s, a, now)
	}, []authorizeCase{
		{"the care team", team, clinician(), testkit.NoError},
		{"the patient themself", team, self(), testkit.Permission},
		{"another patient, the same refusal", team, otherPatient(), testkit.Permission},
		{"a stranger: as if absent", team, stranger(), testkit.NotFound},
		{"a stranger, unknown patient: the same", domain.Initial(patientID), stranger(), testkit.NotFound},
	})
}

func TestOnlyHealthPersonnelAssessCapacity(t *testing.T) {
	now := noon(t)
	team := careTeamOf()
	runAuthorize(t, func(s domain.PatientState, a access.Actor) error {
		return domain.AuthorizeRecordCapacityAssessment(s, a, now)
	}, []authorizeCase{
		{"health personnel in the care team", team, clinician(), testkit.NoError},
		{"NAV, even with a consent", team, nav(), testkit.Permission},
		{"NAV, unknown patient: the same refusal", domain.Initial(patientID), nav(), testkit.Permission},
		{"the patient", team, self(), testkit.Permission},
		{"health personnel without access: as if absent", team, stranger(), testkit.NotFound},
	})
}

func TestOnlyHealthPersonnelUseEmergencyAccess(t *testing.T) {
	runAuthorize(t, func(_ domain.PatientState, a access.Actor) error { return domain.AuthorizeUseEmergencyAccess(a) }, []authorizeCase{
		{"health personnel with no other basis", domain.Initial(patientID), stranger(), testkit.NoError},
		{"NAV", domain.Initial(patientID), nav(), testkit.Permission},
		{"the patient", domain.Initial(patientID), self(), testkit.Permission},
		{"a service", domain.Initial(patientID), suiteService(), testkit.Permission},
	})
}

func TestEmergencyAccessIsReviewedWhereItWasUsedByAnotherProfessional(t *testing.T) {
	opened := fold(domain.Initial(patientID), &consentv1.EmergencyAccessOpened{AccessId: "e1", PatientId: patientID,
		ProfessionalId: strangerHPR, OrgNumber: otherOrg, Reason: "unconscious",
		OpenedAt: timestamppb.New(noon(t)), ExpiresAt: timestamppb.New(noon(t).Add(4 * time.Hour))})
	colleague := access.Actor{ProfessionalID: coordinatorHPR, OrgNumber: otherOrg, Role: access.RoleClinician}
	navAtOpenersOrg := access.Actor{ProfessionalID: "ext:912345679:clerk", OrgNumber: otherOrg}
	for _, tc := range []struct {
		name     string
		actor    access.Actor
		accessID string
		want     testkit.Kind
	}{
		{"a colleague at the opener's organisation", colleague, "e1", testkit.NoError},
		{"the opener themself", stranger(), "e1", testkit.Precondition},
		{"health personnel elsewhere: as if absent", clinician(), "e1", testkit.NotFound},
		{"an access that does not exist", colleague, "nope", testkit.NotFound},
		{"not health personnel", navAtOpenersOrg, "e1", testkit.Permission},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testkit.ExpectErr(t, domain.AuthorizeReviewEmergencyAccess(opened, tc.actor, tc.accessID), tc.want)
		})
	}
}

func TestOnlyServicesMayAskThePolicyDecisionPoint(t *testing.T) {
	runAuthorize(t, func(_ domain.PatientState, a access.Actor) error { return domain.AuthorizeCheckAccess(a) }, []authorizeCase{
		{"the suite's service", domain.Initial(patientID), suiteService(), testkit.NoError},
		{"a clinician", domain.Initial(patientID), clinician(), testkit.Permission},
		{"a patient", domain.Initial(patientID), self(), testkit.Permission},
		{"a service name without the service role", domain.Initial(patientID), access.Actor{Service: "stafett-suite"}, testkit.Permission},
	})
}

func TestAServiceActsForTheEndUserItNamesAndNoOneElseDoes(t *testing.T) {
	named := &access.Actor{PatientID: patientID, Role: access.RolePatient}
	for _, tc := range []struct {
		name   string
		caller access.Actor
		named  *access.Actor
		want   access.Actor
	}{
		{"a service naming the patient acts as the patient, carried by the service",
			suiteService(), named, access.Actor{PatientID: patientID, Role: access.RolePatient, Service: "stafett-suite"}},
		{"a service naming no one is itself", suiteService(), nil, suiteService()},
		{"a clinician naming the patient stays the clinician", clinician(), named, clinician()},
		{"a service cannot name another service", suiteService(), &access.Actor{Role: access.RoleService, Service: "other"},
			access.Actor{Service: "stafett-suite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := domain.ActingFor(tc.caller, tc.named); got != tc.want {
				t.Fatalf("ActingFor = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestAWithdrawnConsentGovernsEveryLaterCheck: once the withdrawal is folded,
// neither a read (CheckAccess) nor a command the consent authorized
// (AuthorizeRecordChoice) passes on it.
func TestAWithdrawnConsentGovernsEveryLaterCheck(t *testing.T) {
	now := noon(t)
	granted := fold(domain.Initial(patientID), consentTo("c1", toProfessional(strangerHPR), time.Time{}, catAll))
	withdrawnState := fold(granted, &consentv1.ConsentWithdrawn{ConsentId: "c1", WithdrawnAt: timestamppb.New(now.Add(-time.Minute))})
	for _, tc := range []struct {
		name  string
		state domain.PatientState
		want  bool
	}{
		{"granted", granted, true},
		{"withdrawn", withdrawnState, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cat := range []consentv1.Category{catReferral, catPathway, catPlan, consentv1.Category_CATEGORY_CONSENT} {
				d := domain.CheckAccess(tc.state, domain.AccessRequest{ActorProfessionalID: strangerHPR, ActorOrgNumber: otherOrg, Category: cat, Now: now})
				if d.Permit != tc.want {
					t.Fatalf("%v: permit %v, want %v", cat, d.Permit, tc.want)
				}
			}
			err := domain.AuthorizeRecordChoice(tc.state, stranger(), now)
			if (err == nil) != tc.want {
				t.Fatalf("recording a choice: %v, want permitted %v", err, tc.want)
			}
		})
	}
}
