package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

func TestAnIndividualPlanIsMadeOnlyWithThePatientsConsent(t *testing.T) {
	tests := []struct {
		name     string
		by       access.Actor
		consents bool
		ok       bool
	}{
		{"the patient's own request", patient(), false, true},
		{"a professional recording the patient's consent", clinician(), true, true},
		{"a professional without the patient's consent", clinician(), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideCreatePlan(given(), domain.CreatePlan{PlanID: "plan-1", PatientID: patientID, PatientConsents: tt.consents, By: tt.by, At: day(2)})
			if tt.ok {
				wantNoError(t, err)
				return
			}
			wantCondition(t, events, err, domain.ReasonPatientConsent)
		})
	}
}

func TestAPatientHasOneIndividualPlan(t *testing.T) {
	events, err := domain.DecideCreatePlan(given(planCreated()), domain.CreatePlan{PlanID: "plan-2", PatientID: patientID, By: patient(), At: day(3)})
	wantCondition(t, events, err, "")
}

func TestAddingAPlanningGroupMemberRequiresThePatientsChoiceAndConsentToShare(t *testing.T) {
	tests := []struct {
		name      string
		by        access.Actor
		chosen    bool
		consentID string
		reason    string
	}{
		{"the patient, with consent", patient(), false, "c1", ""},
		{"a professional recording the patient's choice, with consent", clinician(), true, "c1", ""},
		{"no consent to share the plan", patient(), false, "", domain.ReasonShareConsent},
		{"a professional's own choice", clinician(), false, "c1", domain.ReasonPatientChoice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := domain.DecideAddMember(given(planCreated()), domain.AddMember{
				PlanID: "plan-1", ProfessionalID: navWorker, Role: continuityv1.Role_ROLE_NAV_CASEWORKER,
				ChosenByPatient: tt.chosen, ConsentID: tt.consentID, By: tt.by, At: day(3),
			})
			if tt.reason != "" {
				wantCondition(t, events, err, tt.reason)
				return
			}
			wantNoError(t, err)
			if m, ok := given(planCreated(), events[0]).Plan.Member(navWorker); !ok || m.ConsentID != tt.consentID {
				t.Fatalf("member = %+v (found %v)", m, ok)
			}
		})
	}
}

func TestRemovingAMemberNamesTheConsentToWithdraw(t *testing.T) {
	p := given(planCreated(), memberAdded(navWorker, "c1"))
	events, err := domain.DecideRemoveMember(p, domain.RemoveMember{PlanID: "plan-1", ProfessionalID: navWorker, By: patient(), At: day(4)})
	wantNoError(t, err)
	if got := events[0].(*continuityv1.PlanningGroupMemberRemoved).GetConsentId(); got != "c1" {
		t.Fatalf("consent id = %q", got)
	}
	if _, ok := given(planCreated(), memberAdded(navWorker, "c1"), events[0]).Plan.Member(navWorker); ok {
		t.Fatal("still a member")
	}
	events, err = domain.DecideRemoveMember(p, domain.RemoveMember{PlanID: "plan-1", ProfessionalID: navWorker, By: clinician(), At: day(4)})
	wantCondition(t, events, err, domain.ReasonPatientChoice)
}

func TestThePatientChoosesTheCoordinatorGoalsAndHowTheGroupWorks(t *testing.T) {
	p := given(planCreated())
	decisions := map[string]func(access.Actor, bool) ([]proto.Message, error){
		"coordinator": func(by access.Actor, chosen bool) ([]proto.Message, error) {
			return domain.DecideAppointCoordinator(p, domain.AppointCoordinator{PlanID: "plan-1", ProfessionalID: nurseHPR, ChosenByPatient: chosen, CoordinatorMayRead: true, By: by})
		},
		"goal": func(by access.Actor, chosen bool) ([]proto.Message, error) {
			return domain.DecideSetGoal(p, domain.SetGoal{PlanID: "plan-1", NewGoalID: "g1", Text: "go back to school", ChosenByPatient: chosen, By: by})
		},
		"meeting preference": func(by access.Actor, chosen bool) ([]proto.Message, error) {
			return domain.DecideSetMeetingPreference(p, domain.SetMeetingPreference{PlanID: "plan-1", Preference: continuityv1.MeetingPreference_MEETING_PREFERENCE_MIXED, ChosenByPatient: chosen, By: by})
		},
		"continuity preference": func(by access.Actor, chosen bool) ([]proto.Message, error) {
			return domain.DecideRecordPreference(p, domain.RecordPreference{PatientID: patientID, KeepProfessionalID: therapistHPR, ChosenByPatient: chosen, By: by})
		},
	}
	for name, decide := range decisions {
		t.Run(name+"/patient", func(t *testing.T) {
			_, err := decide(patient(), false)
			wantNoError(t, err)
		})
		t.Run(name+"/recorded for the patient", func(t *testing.T) {
			_, err := decide(clinician(), true)
			wantNoError(t, err)
		})
		t.Run(name+"/professional's own choice", func(t *testing.T) {
			events, err := decide(clinician(), false)
			wantCondition(t, events, err, domain.ReasonPatientChoice)
		})
	}
}

func TestACoordinatorMustBeAllowedToSeeThePlan(t *testing.T) {
	events, err := domain.DecideAppointCoordinator(given(planCreated()), domain.AppointCoordinator{
		PlanID: "plan-1", ProfessionalID: navWorker, CoordinatorMayRead: false, By: patient(),
	})
	wantCondition(t, events, err, domain.ReasonPlanAccess)
}

func TestPlanCommandsNeedThePlan(t *testing.T) {
	events, err := domain.DecideSetGoal(given(), domain.SetGoal{PlanID: "plan-1", NewGoalID: "g1", Text: "x", By: patient()})
	wantNotFound(t, events, err)
}
