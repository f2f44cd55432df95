package domain_test

// Shared fixtures: parties, a clock, and a way to fold events into a state
// through Evolve exactly as the memory image will. Built fresh per call; no
// package-level mutable state.

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

const (
	patientID = "pt_patient"

	unitOrg    = "983974899" // the receiving DPS
	unitHer    = "8100001"
	newUnitOrg = "974600951" // the unit a referral is forwarded to
	otherOrg   = "912345679" // an organisation with nothing to do with the patient
	navOrg     = "889640782" // NAV

	clinicianHPR   = "hpr:1234567" // works at the receiving DPS
	coordinatorHPR = "hpr:2222222"
	strangerHPR    = "hpr:9999999"
	navOfficer     = "ext:889640782:case-17"
)

// noon is the instant most cases happen at: 1 March 2026, 13:00 in Oslo
// (12:00 UTC).
func noon(t *testing.T) time.Time { return testkit.At(t, "2026-03-01 13:00") }

func policy(t *testing.T) domain.Policy {
	return domain.Policy{EmergencyAccessDuration: 4 * time.Hour, Zone: testkit.Oslo(t)}
}

func clinician() access.Actor {
	return access.Actor{ProfessionalID: clinicianHPR, OrgNumber: unitOrg, Role: access.RoleClinician}
}

// fold applies events one commit each, the way the stream delivers them.
func fold(s domain.PatientState, events ...proto.Message) domain.PatientState {
	for _, e := range events {
		s = domain.Evolve(s, e, &eventsv1.Commit{PatientId: patientID, Actor: &eventsv1.Actor{ProfessionalId: clinicianHPR}})
	}
	return s
}

// decided applies what a decider returned, failing the test on error.
func decided(t *testing.T, s domain.PatientState, events []proto.Message, err error) domain.PatientState {
	t.Helper()
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	return fold(s, events...)
}

// decidedBy is decided for a decider call written inline:
// decidedBy(t, s)(domain.DecideX(s, cmd)).
func decidedBy(t *testing.T, s domain.PatientState) func([]proto.Message, error) domain.PatientState {
	return func(events []proto.Message, err error) domain.PatientState {
		t.Helper()
		return decided(t, s, events, err)
	}
}

func received(referralID, org, birth string) *referralv1.ReferralReceived {
	return &referralv1.ReferralReceived{
		ReferralId: referralID, PatientId: patientID, PatientBirthDate: birth,
		ReceivingUnit: &eventsv1.UnitRef{HerId: unitHer, OrgNumber: org},
		ReceivedAt:    timestamppb.New(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)),
	}
}

func noRight(referralID string) *referralv1.ReferralAssessed {
	return &referralv1.ReferralAssessed{ReferralId: referralID, PatientId: patientID,
		Outcome: &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{Reason: "not needed"}}}
}

func granted(referralID string) *referralv1.ReferralAssessed {
	return &referralv1.ReferralAssessed{ReferralId: referralID, PatientId: patientID,
		Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{}}}
}

func withdrawn(referralID string) *referralv1.ReferralWithdrawn {
	return &referralv1.ReferralWithdrawn{ReferralId: referralID}
}

func forwarded(referralID, from, to string) *referralv1.ReferralForwarded {
	return &referralv1.ReferralForwarded{ReferralId: referralID,
		FromUnit: &eventsv1.UnitRef{OrgNumber: from}, ToUnit: &eventsv1.UnitRef{OrgNumber: to}}
}

func consentTo(id string, grantee *consentv1.Grantee, until time.Time, cats ...consentv1.Category) *consentv1.ConsentGranted {
	e := &consentv1.ConsentGranted{ConsentId: id, PatientId: patientID, Grantee: grantee, Categories: cats,
		Purpose: consentv1.Purpose_PURPOSE_COORDINATION}
	if !until.IsZero() {
		e.ValidUntil = timestamppb.New(until)
	}
	return e
}

func toProfessional(id string) *consentv1.Grantee {
	return &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: id}}
}

func toUnit(org string) *consentv1.Grantee {
	return &consentv1.Grantee{Grantee: &consentv1.Grantee_Unit{Unit: &eventsv1.UnitRef{OrgNumber: org}}}
}

func toCareTeam() *consentv1.Grantee {
	return &consentv1.Grantee{Grantee: &consentv1.Grantee_CareTeam{CareTeam: true}}
}

func objectionAgainstProfessional(id, who string, cats ...consentv1.Category) *consentv1.ObjectionRecorded {
	return &consentv1.ObjectionRecorded{ObjectionId: id, PatientId: patientID, Categories: cats,
		Against: &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_ProfessionalId{ProfessionalId: who}}}
}

func objectionAgainstUnit(id, org string, cats ...consentv1.Category) *consentv1.ObjectionRecorded {
	return &consentv1.ObjectionRecorded{ObjectionId: id, PatientId: patientID, Categories: cats,
		Against: &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_Unit{Unit: &eventsv1.UnitRef{OrgNumber: org}}}}
}
