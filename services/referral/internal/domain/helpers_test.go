package domain_test

// Shared fixtures for the referral decider tests: a policy with the real
// Norwegian calendar, the parties involved, event builders for the "given"
// part of a scenario and assertions for the "then" part. Everything is built
// fresh per call; there is no package-level mutable state.

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Oslo must not depend on the host's zoneinfo.

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
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

func oslo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := civil.LoadOslo()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// policy is the production configuration: Norwegian working days, Oslo
// dates, 10 working days to assess, at risk 5 working days before care start.
func policy(t *testing.T) domain.Policy {
	t.Helper()
	return domain.Policy{Calendar: workdays.Norway(), Zone: oslo(t), AssessmentWorkdays: 10, AtRiskWorkdays: 5}
}

func date(t *testing.T, s string) civil.Date {
	t.Helper()
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at is an instant given as an Oslo wall-clock time, "2006-01-02 15:04".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", s, oslo(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
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

func assessor() domain.Actor {
	return domain.Actor{ProfessionalID: assessorHPR, OrgNumber: unitOrg, Role: "clinician"}
}
func newUnitAssessor() domain.Actor {
	return domain.Actor{ProfessionalID: newUnitHPR, OrgNumber: newUnitOrg, Role: "clinician"}
}
func senderActor() domain.Actor {
	return domain.Actor{ProfessionalID: senderHPR, OrgNumber: senderOrg, Role: "integration"}
}
func stranger() domain.Actor {
	return domain.Actor{ProfessionalID: strangerHPR, OrgNumber: strangerOrg, Role: "clinician"}
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
		ReceivedAt:        timestamppb.New(at(t, standardReceipt)),
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
		RequestedAt: timestamppb.New(at(t, "2026-03-04 10:00")),
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
		AssessedBy: assessorHPR, AssessedAt: timestamppb.New(at(t, "2026-03-10 10:00")),
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
		AssessedBy: assessorHPR, AssessedAt: timestamppb.New(at(t, "2026-03-10 10:00")),
		PatientBirthDate: "1990-06-15",
	}
}

func forwarded(t *testing.T) *referralv1.ReferralForwarded {
	t.Helper()
	return &referralv1.ReferralForwarded{
		ReferralId: referralID, FromUnit: receivingUnit().Ref(), ToUnit: newUnit().Ref(),
		Reason: "patient lives in the other catchment area", ForwardedBy: assessorHPR,
		ForwardedAt: timestamppb.New(at(t, "2026-03-05 10:00")),
	}
}

func withdrawn(t *testing.T) *referralv1.ReferralWithdrawn {
	t.Helper()
	return &referralv1.ReferralWithdrawn{
		ReferralId: referralID, Reason: "patient moved abroad", WithdrawnBy: senderHPR,
		WithdrawnAt: timestamppb.New(at(t, "2026-03-06 10:00")),
	}
}

func scheduled(t *testing.T, day string) *referralv1.FirstAppointmentScheduled {
	t.Helper()
	return &referralv1.FirstAppointmentScheduled{
		ReferralId: referralID, AppointmentDate: day, ScheduledBy: assessorHPR,
		ScheduledAt: timestamppb.New(at(t, "2026-03-11 10:00")),
	}
}

func assessmentBreached(t *testing.T) *referralv1.AssessmentDeadlineBreached {
	t.Helper()
	return &referralv1.AssessmentDeadlineBreached{
		ReferralId: referralID, ReceivingUnit: receivingUnit().Ref(), AssessmentDue: standardDue,
		DetectedAt: timestamppb.New(at(t, "2026-03-17 00:05")),
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

// errKind is the typed error a scenario expects.
type errKind int

const (
	noError errKind = iota
	notFound
	precondition
	invalid
)

func (k errKind) String() string {
	return [...]string{"no error", "NotFoundError", "PreconditionError", "ValidationError"}[k]
}

// expectErr checks err is of kind; for a ValidationError it also checks
// that field is among the violations.
func expectErr(t *testing.T, err error, kind errKind, field string) {
	t.Helper()
	switch kind {
	case noError:
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case notFound:
		var nf *errs.NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("error = %v (%T), want NotFoundError", err, err)
		}
		if nf.What != "referral" {
			t.Fatalf("NotFoundError.What = %q, want %q", nf.What, "referral")
		}
	case precondition:
		var pe *errs.PreconditionError
		if !errors.As(err, &pe) {
			t.Fatalf("error = %v (%T), want PreconditionError", err, err)
		}
	case invalid:
		var ve *errs.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error = %v (%T), want ValidationError", err, err)
		}
		for _, v := range ve.Violations {
			if v.Field == field {
				return
			}
		}
		t.Fatalf("violations = %+v, want one on field %q", ve.Violations, field)
	}
}

// expectEvents checks the decided events equal want, in order.
func expectEvents(t *testing.T, got, want []proto.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d\n got: %v\nwant: %v", len(got), len(want), got, want)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Fatalf("event %d:\n got: %T %v\nwant: %T %v", i, got[i], got[i], want[i], want[i])
		}
	}
}

// expectRejected checks a decision failed with kind and produced no events.
func expectRejected(t *testing.T, events []proto.Message, err error, kind errKind, field string) {
	t.Helper()
	expectErr(t, err, kind, field)
	if len(events) != 0 {
		t.Fatalf("a rejected command produced events: %v", events)
	}
}

// single returns the only event, of type E.
func single[E proto.Message](t *testing.T, events []proto.Message) E {
	t.Helper()
	if len(events) != 1 {
		t.Fatalf("got %d events, want 1: %v", len(events), events)
	}
	e, ok := events[0].(E)
	if !ok {
		t.Fatalf("event is %T, want %T", events[0], *new(E))
	}
	return e
}
