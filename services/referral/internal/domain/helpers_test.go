package domain_test

// Shared fixtures for the referral decider tests: a policy with the real
// Norwegian calendar, the parties involved, event builders for the "given"
// part of a scenario and assertions for the "then" part. Everything is built
// fresh per call; there is no package-level mutable state.

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Oslo must not depend on the host's zoneinfo.

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/workdays"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

const (
	referralID = "ref-1"
	patientID  = "pat-1"

	senderOrg   = "974600951" // the GP office's integration engine
	unitOrg     = "983974899" // the receiving DPS
	unitHer     = "8100001"
	newUnitOrg  = "987654321" // the unit the referral is forwarded to
	newUnitHer  = "8200002"
	strangerOrg = "912345678" // an organisation with nothing to do with the referral

	assessorHPR = "hpr:1234567"
	newUnitHPR  = "hpr:7654321"
	senderHPR   = "hpr:1111111"
	strangerHPR = "hpr:9999999"
)

// policy is the production configuration: Norwegian working days, Oslo
// dates, 10 working days to assess, at risk 5 working days before care start.
func policy(t *testing.T) domain.Policy {
	t.Helper()
	return domain.Policy{Calendar: workdays.Norway(), Zone: testkit.Oslo(t), AssessmentWorkdays: 10, AtRiskWorkdays: 5}
}

// utc is an instant given as a UTC wall-clock time, "2006-01-02 15:04".
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func receivingUnit() domain.Unit { return domain.Unit{HerID: unitHer, OrgNumber: unitOrg} }
func newUnit() domain.Unit       { return domain.Unit{HerID: newUnitHer, OrgNumber: newUnitOrg} }

func assessor() access.Actor {
	return access.Actor{ProfessionalID: assessorHPR, OrgNumber: unitOrg, Role: "clinician"}
}
func newUnitAssessor() access.Actor {
	return access.Actor{ProfessionalID: newUnitHPR, OrgNumber: newUnitOrg, Role: "clinician"}
}
func senderActor() access.Actor {
	return access.Actor{ProfessionalID: senderHPR, OrgNumber: senderOrg, Role: "integration"}
}
func stranger() access.Actor {
	return access.Actor{ProfessionalID: strangerHPR, OrgNumber: strangerOrg, Role: "clinician"}
}

// given folds events through Evolve from the initial state.
func given(events ...proto.Message) domain.Referral {
	r := domain.Initial(referralID)
	for _, e := range events {
		r = domain.Evolve(r, e, nil)
	}
	return r
}

// The standard referral: routine, received Monday 2 March 2026 at 09:00 in
// Oslo, so its assessment is due Monday 16 March 2026.
const (
	standardReceipt = "2026-03-02 09:00"
	standardDue     = "2026-03-16"
)

// received is the ReferralReceived event of the standard referral; mods
// adjust it (urgency, internal, receipt time, due date).
func received(t *testing.T, mods ...func(*referralv1.ReferralReceived)) *referralv1.ReferralReceived {
	t.Helper()
	e := &referralv1.ReferralReceived{
		ReferralId:        referralID,
		PatientId:         patientID,
		PatientNationalId: "test-national-id",
		PatientBirthDate:  "1990-06-15",
		ExternalId:        "ext-1",
		ReferrerHpr:       "hpr:2222222",
		ReferrerOrgNumber: senderOrg,
		ReceivingUnit:     receivingUnit().Ref(),
		Reason:            "low mood and anxiety for six months",
		Urgency:           referralv1.Urgency_URGENCY_ROUTINE,
		ReceivedAt:        timestamppb.New(testkit.At(t, standardReceipt)),
		AssessmentDue:     standardDue,
		SenderOrgNumber:   senderOrg,
		RequestId:         "req-1",
	}
	for _, m := range mods {
		m(e)
	}
	return e
}

func emergency(e *referralv1.ReferralReceived) {
	e.Urgency = referralv1.Urgency_URGENCY_EMERGENCY
	e.AssessmentDue = ""
}

func internal(e *referralv1.ReferralReceived) {
	e.Internal = true
	e.AssessmentDue = ""
}

func informationRequested(t *testing.T) *referralv1.InformationRequested {
	t.Helper()
	return &referralv1.InformationRequested{
		ReferralId: referralID, RequestedBy: assessorHPR, What: "current medication",
		RequestedAt: timestamppb.New(testkit.At(t, "2026-03-04 10:00")),
	}
}

// grantedRight is a ReferralAssessed with a right granted at the receiving
// unit on 10 March 2026 and the given care-start deadline.
func grantedRight(t *testing.T, deadline string) *referralv1.ReferralAssessed {
	t.Helper()
	return &referralv1.ReferralAssessed{
		ReferralId: referralID, PatientId: patientID, ReceivingUnit: receivingUnit().Ref(),
		Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: deadline, PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
			Priority: referralv1.Priority_PRIORITY_NORMAL,
		}},
		AssessedBy: assessorHPR, AssessedAt: timestamppb.New(testkit.At(t, "2026-03-10 10:00")),
		PatientBirthDate: "1990-06-15",
	}
}

func noRight(t *testing.T) *referralv1.ReferralAssessed {
	t.Helper()
	return &referralv1.ReferralAssessed{
		ReferralId: referralID, PatientId: patientID, ReceivingUnit: receivingUnit().Ref(),
		Outcome: &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{
			Reason: "mild symptoms", FollowUp: "GP follow-up and the municipal service",
		}},
		AssessedBy: assessorHPR, AssessedAt: timestamppb.New(testkit.At(t, "2026-03-10 10:00")),
		PatientBirthDate: "1990-06-15",
	}
}

func forwarded(t *testing.T) *referralv1.ReferralForwarded {
	t.Helper()
	return &referralv1.ReferralForwarded{
		ReferralId: referralID, FromUnit: receivingUnit().Ref(), ToUnit: newUnit().Ref(),
		Reason: "patient lives in the other catchment area", ForwardedBy: assessorHPR,
		ForwardedAt: timestamppb.New(testkit.At(t, "2026-03-05 10:00")),
	}
}

func withdrawn(t *testing.T) *referralv1.ReferralWithdrawn {
	t.Helper()
	return &referralv1.ReferralWithdrawn{
		ReferralId: referralID, Reason: "patient moved abroad", WithdrawnBy: senderHPR,
		WithdrawnAt: timestamppb.New(testkit.At(t, "2026-03-06 10:00")),
	}
}

func scheduled(t *testing.T, day string) *referralv1.FirstAppointmentScheduled {
	t.Helper()
	return &referralv1.FirstAppointmentScheduled{
		ReferralId: referralID, AppointmentDate: day, ScheduledBy: assessorHPR,
		ScheduledAt: timestamppb.New(testkit.At(t, "2026-03-11 10:00")),
	}
}

func assessmentBreached(t *testing.T) *referralv1.AssessmentDeadlineBreached {
	t.Helper()
	return &referralv1.AssessmentDeadlineBreached{
		ReferralId: referralID, ReceivingUnit: receivingUnit().Ref(), AssessmentDue: standardDue,
		DetectedAt: timestamppb.New(testkit.At(t, "2026-03-17 00:05")),
	}
}

func careStartAtRisk(deadline string, workingDaysLeft int32, detected time.Time) *referralv1.CareStartDeadlineAtRisk {
	return &referralv1.CareStartDeadlineAtRisk{
		ReferralId: referralID, ReceivingUnit: receivingUnit().Ref(), CareStartDeadline: deadline,
		WorkingDaysLeft: workingDaysLeft, DetectedAt: timestamppb.New(detected),
	}
}

func careStartBreached(deadline string, detected time.Time) *referralv1.CareStartDeadlineBreached {
	return &referralv1.CareStartDeadlineBreached{
		ReferralId: referralID, ReceivingUnit: receivingUnit().Ref(), CareStartDeadline: deadline,
		DetectedAt: timestamppb.New(detected),
	}
}

// The typed errors scenarios expect.
const (
	noError      = testkit.NoError
	notFound     = testkit.NotFound
	precondition = testkit.Precondition
	invalid      = testkit.Invalid
)

// expectErr checks err is of kind, and for invalid that field is violated.
func expectErr(t *testing.T, err error, kind testkit.Kind, field string) {
	t.Helper()
	if field == "" {
		testkit.ExpectErr(t, err, kind)
		return
	}
	testkit.ExpectErr(t, err, kind, field)
}

// expectRejected checks a decision failed with kind and produced no events.
func expectRejected(t *testing.T, events []proto.Message, err error, kind testkit.Kind, field string) {
	t.Helper()
	expectErr(t, err, kind, field)
	if len(events) != 0 {
		t.Fatalf("a rejected command produced events: %v", events)
	}
}

// The pipeline authorizes before it decides; these run the two in that
// order, as every command declaration in the app does.

func decideAssess(r domain.Referral, cmd domain.Assess, p domain.Policy) ([]proto.Message, error) {
	if err := domain.AuthorizeUnitWork(r, cmd.By); err != nil {
		return nil, err
	}
	return domain.DecideAssess(r, cmd, p)
}

func decideForward(r domain.Referral, cmd domain.Forward) ([]proto.Message, error) {
	if err := domain.AuthorizeUnitWork(r, cmd.By); err != nil {
		return nil, err
	}
	return domain.DecideForward(r, cmd)
}

func decideSchedule(r domain.Referral, cmd domain.Schedule, p domain.Policy) ([]proto.Message, error) {
	if err := domain.AuthorizeUnitWork(r, cmd.By); err != nil {
		return nil, err
	}
	return domain.DecideSchedule(r, cmd, p)
}

func decideRequestInformation(r domain.Referral, cmd domain.RequestInformation) ([]proto.Message, error) {
	if err := domain.AuthorizeUnitWork(r, cmd.By); err != nil {
		return nil, err
	}
	return domain.DecideRequestInformation(r, cmd)
}

func decideWithdraw(r domain.Referral, cmd domain.Withdraw) ([]proto.Message, error) {
	if err := domain.AuthorizeWithdraw(r, cmd.By); err != nil {
		return nil, err
	}
	return domain.DecideWithdraw(r, cmd)
}
