package domain_test

// Shared fixtures for the pathway decider tests: the production policy, the
// parties and event builders for "given"; dates, instants and assertions come
// from pkg/testkit. Built fresh per call; no package-level mutable state.

import (
	"testing"
	_ "time/tzdata" // Europe/Oslo must not depend on the host's zoneinfo.

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"
	"github.com/stafett/stafett/pkg/workdays"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

const (
	pathwayID  = "pw-ref-1"
	referralID = "ref-1"
	patientID  = "pt_patient"

	unitOrg     = "983974899"
	unitHer     = "8100001"
	newUnitOrg  = "974600951"
	newUnitHer  = "8200002"
	strangerOrg = "912345679"

	clinicianHPR   = "hpr:1234567"
	coordinatorHPR = "hpr:2222222"
	strangerHPR    = "hpr:9999999"
)

// policy is the production configuration with the default targets.
func policy(t *testing.T) domain.Policy {
	t.Helper()
	return domain.Policy{Calendar: workdays.Norway(), Zone: testkit.Oslo(t), PostponementFlagWorkdays: 7}
}

func unit() domain.Unit    { return domain.Unit{HerID: unitHer, OrgNumber: unitOrg} }
func newUnit() domain.Unit { return domain.Unit{HerID: newUnitHer, OrgNumber: newUnitOrg} }

func clinician() access.Actor {
	return access.Actor{ProfessionalID: clinicianHPR, OrgNumber: unitOrg, Role: access.RoleClinician}
}
func stranger() access.Actor {
	return access.Actor{ProfessionalID: strangerHPR, OrgNumber: strangerOrg, Role: access.RoleClinician}
}

// coordinatorElsewhere is the pathway coordinator, employed by another organisation.
func coordinatorElsewhere() access.Actor {
	return access.Actor{ProfessionalID: coordinatorHPR, OrgNumber: strangerOrg, Role: access.RoleCoordinator}
}

// startCommand starts a D11 pathway on Tuesday 3 March 2026 for a patient born 1990.
func startCommand(t *testing.T) domain.Start {
	t.Helper()
	return domain.Start{
		PathwayID: pathwayID, ReferralID: referralID, PatientID: patientID, Type: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		Unit: unit(), BirthDate: testkit.Date(t, "1990-05-17"), CareStartDeadline: testkit.Date(t, "2026-04-30"), At: testkit.At(t, "2026-03-03 10:00"),
	}
}

// fold applies events one commit each, the way the stream delivers them.
func fold(p domain.Pathway, events ...proto.Message) domain.Pathway {
	for _, e := range events {
		p = domain.Evolve(p, e, &eventsv1.Commit{PatientId: patientID})
	}
	return p
}

// mustDecide applies what a decider returned, failing the test on error.
func mustDecide(t *testing.T, p domain.Pathway) func([]proto.Message, error) domain.Pathway {
	return func(events []proto.Message, err error) domain.Pathway {
		t.Helper()
		if err != nil {
			t.Fatalf("decide: %v", err)
		}
		return fold(p, events...)
	}
}

// started is a pathway the process manager just started.
func started(t *testing.T) domain.Pathway {
	t.Helper()
	return mustDecide(t, domain.Initial(pathwayID))(domain.DecideStart(domain.Initial(pathwayID), startCommand(t), policy(t)))
}

// attended is a started pathway whose first attendance was on 10 March.
func attended(t *testing.T) domain.Pathway {
	t.Helper()
	p := started(t)
	return mustDecide(t, p)(domain.DecideFirstAttendance(p, domain.RecordFirstAttendance{
		By: clinician(), AttendedAt: testkit.At(t, "2026-03-10 09:00"), At: testkit.At(t, "2026-03-10 12:00"),
	}, policy(t)))
}

func decide(t *testing.T, p domain.Pathway, code pathwayv1.ClinicalDecision, stage pathwayv1.ClinicalDecisionStage) ([]proto.Message, error) {
	t.Helper()
	return domain.DecideClinicalDecision(p, domain.RecordClinicalDecision{By: clinician(), Code: code, Stage: stage, At: testkit.At(t, "2026-04-01 10:00")}, policy(t))
}
