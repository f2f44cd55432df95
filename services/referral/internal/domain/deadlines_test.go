package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/testkit"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// The care-start deadline used below is Thursday 21 May 2026. Ascension Day
// (Thursday 14 May) is a holiday, so the five working days before it are
// 15, 18, 19, 20 and 21 May and the referral is at risk from Wednesday 13 May:
// counting weekdays only would say 14 May, counting calendar days 16 May.
const careStartDeadline = "2026-05-21"

func assessmentBreachedAt(now time.Time) *referralv1.AssessmentDeadlineBreached {
	return &referralv1.AssessmentDeadlineBreached{
		ReferralId: referralID, ReceivingUnit: receivingUnit().Ref(), AssessmentDue: standardDue,
		DetectedAt: timestamppb.New(now),
	}
}

type deadlineCase struct {
	name  string
	given func(*testing.T) []proto.Message
	now   func(*testing.T) time.Time
	want  func(t *testing.T, now time.Time) []proto.Message
}

func none(*testing.T, time.Time) []proto.Message { return nil }

func runDeadlineCases(t *testing.T, tests []deadlineCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now(t)
			got := domain.DecideDeadlines(given(tt.given(t)...), now, policy(t))
			testkit.ExpectEvents(t, got, tt.want(t, now))
		})
	}
}

// expectReportedOnce decides at first, folds what it reports into the
// history, and checks that deciding again at each later instant reports
// nothing more.
func expectReportedOnce(t *testing.T, history []proto.Message, first time.Time, later ...time.Time) {
	t.Helper()
	events := domain.DecideDeadlines(given(history...), first, policy(t))
	if len(events) != 1 {
		t.Fatalf("first decision reported %d events, want 1: %v", len(events), events)
	}
	history = append(history, events...)
	for _, now := range append([]time.Time{first}, later...) {
		if again := domain.DecideDeadlines(given(history...), now, policy(t)); len(again) != 0 {
			t.Errorf("at %v, after folding %T, reported again: %v", now, events[0], again)
		}
	}
}

func receivedOnly(t *testing.T) []proto.Message { return []proto.Message{received(t)} }

func granted(t *testing.T) []proto.Message {
	return []proto.Message{received(t), grantedRight(t, careStartDeadline)}
}

func osloAt(s string) func(*testing.T) time.Time {
	return func(t *testing.T) time.Time { return testkit.At(t, s) }
}

func utcAt(s string) func(*testing.T) time.Time {
	return func(t *testing.T) time.Time { return utc(t, s) }
}

func TestAssessmentDeadlineIsBreachedTheDayAfterTheDueDateNotOnIt(t *testing.T) {
	breach := func(_ *testing.T, now time.Time) []proto.Message {
		return []proto.Message{assessmentBreachedAt(now)}
	}
	runDeadlineCases(t, []deadlineCase{
		{"well before the due date", receivedOnly, osloAt("2026-03-10 10:00"), none},
		{"on the due date, first minute", receivedOnly, osloAt("2026-03-16 00:00"), none},
		{"on the due date, last minute", receivedOnly, osloAt("2026-03-16 23:59"), none},
		{"on the due date, 22:30 UTC is still the due date in Oslo", receivedOnly, utcAt("2026-03-16 22:30"), none},
		{"the day after, first minute", receivedOnly, osloAt("2026-03-17 00:00"), breach},
		{"23:30 UTC on the due date is already the day after in Oslo", receivedOnly, utcAt("2026-03-16 23:30"), breach},
		{"weeks later", receivedOnly, osloAt("2026-04-20 10:00"), breach},
		{"while awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), informationRequested(t)}
		}, osloAt("2026-03-17 09:00"), breach},
		{"after forwarding: the original due date, reported to the new unit", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t)}
		}, osloAt("2026-03-17 09:00"), func(_ *testing.T, now time.Time) []proto.Message {
			e := assessmentBreachedAt(now)
			e.ReceivingUnit = newUnit().Ref()
			return []proto.Message{e}
		}},
		{"forwarded, on the original due date", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t)}
		}, osloAt("2026-03-16 12:00"), none},
	})
}

func TestAssessmentDeadlineBreachIsReportedOnce(t *testing.T) {
	expectReportedOnce(t, receivedOnly(t), testkit.At(t, "2026-03-17 00:00"),
		testkit.At(t, "2026-03-17 12:00"), testkit.At(t, "2026-03-18 09:00"), testkit.At(t, "2026-05-01 09:00"))
}

func TestNoAssessmentBreachIsRaisedForAnAssessedWithdrawnOrUnassessableReferral(t *testing.T) {
	later := osloAt("2026-03-20 10:00")
	runDeadlineCases(t, []deadlineCase{
		{"right granted in time", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), grantedRight(t, "2026-09-30")}
		}, later, none},
		{"no right", func(t *testing.T) []proto.Message { return []proto.Message{received(t), noRight(t)} }, later, none},
		{"assessed late, after the breach was reported", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), assessmentBreached(t), grantedRight(t, "2026-09-30")}
		}, later, none},
		{"withdrawn", func(t *testing.T) []proto.Message { return []proto.Message{received(t), withdrawn(t)} }, later, none},
		{"emergency", func(t *testing.T) []proto.Message { return []proto.Message{received(t, emergency)} }, later, none},
		{"internal", func(t *testing.T) []proto.Message { return []proto.Message{received(t, internal)} }, later, none},
		{"internal, forwarded", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, internal), forwarded(t)}
		}, later, none},
		{"no referral at all", func(*testing.T) []proto.Message { return nil }, later, none},
	})
}

func TestCareStartIsAtRiskFiveWorkingDaysBeforeTheDeadlineWhenNothingIsBooked(t *testing.T) {
	atRisk := func(left int32) func(*testing.T, time.Time) []proto.Message {
		return func(_ *testing.T, now time.Time) []proto.Message {
			return []proto.Message{careStartAtRisk(careStartDeadline, left, now)}
		}
	}
	runDeadlineCases(t, []deadlineCase{
		{"weeks before", granted, osloAt("2026-04-20 10:00"), none},
		{"six working days before, last minute", granted, osloAt("2026-05-12 23:59"), none},
		{"five working days before, first minute", granted, osloAt("2026-05-13 00:00"), atRisk(5)},
		{"22:30 UTC the day before is already the fifth working day in Oslo", granted, utcAt("2026-05-12 22:30"), atRisk(5)},
		{"on Ascension Day", granted, osloAt("2026-05-14 10:00"), atRisk(5)},
		{"two working days before", granted, osloAt("2026-05-19 10:00"), atRisk(2)},
		{"on the deadline", granted, osloAt("2026-05-21 23:59"), atRisk(0)},
		{"an appointment booked after the deadline does not cover it", func(t *testing.T) []proto.Message {
			return append(granted(t), scheduled(t, "2026-05-26"))
		}, osloAt("2026-05-18 10:00"), atRisk(3)},
	})
}

func TestCareStartIsNotAtRiskWhenAnAppointmentIsBookedOnOrBeforeTheDeadline(t *testing.T) {
	now := osloAt("2026-05-18 10:00")
	runDeadlineCases(t, []deadlineCase{
		{"booked on the deadline", func(t *testing.T) []proto.Message {
			return append(granted(t), scheduled(t, careStartDeadline))
		}, now, none},
		{"booked before the deadline", func(t *testing.T) []proto.Message {
			return append(granted(t), scheduled(t, "2026-05-15"))
		}, now, none},
		{"booked after the deadline, then moved onto it", func(t *testing.T) []proto.Message {
			return append(granted(t), scheduled(t, "2026-05-26"), scheduled(t, careStartDeadline))
		}, now, none},
	})
}

func TestCareStartAtRiskIsReportedOnce(t *testing.T) {
	expectReportedOnce(t, granted(t), testkit.At(t, "2026-05-13 08:00"),
		testkit.At(t, "2026-05-14 10:00"), testkit.At(t, "2026-05-19 10:00"), testkit.At(t, "2026-05-21 23:59"))
}

func TestCareStartDeadlineIsBreachedTheDayAfterItWhenNotCovered(t *testing.T) {
	grantedAtRisk := func(t *testing.T) []proto.Message {
		return append(granted(t), careStartAtRisk(careStartDeadline, 5, testkit.At(t, "2026-05-13 00:00")))
	}
	breach := func(_ *testing.T, now time.Time) []proto.Message {
		return []proto.Message{careStartBreached(careStartDeadline, now)}
	}
	runDeadlineCases(t, []deadlineCase{
		{"on the deadline, last minute", grantedAtRisk, osloAt("2026-05-21 23:59"), none},
		{"the day after, first minute", grantedAtRisk, osloAt("2026-05-22 00:00"), breach},
		{"21:30 UTC on the deadline is still the deadline in Oslo", grantedAtRisk, utcAt("2026-05-21 21:30"), none},
		{"22:30 UTC on the deadline is already the day after in Oslo", grantedAtRisk, utcAt("2026-05-21 22:30"), breach},
		{"first seen after the deadline: the breach, not a late risk", granted, osloAt("2026-06-01 10:00"), breach},
		{"an appointment booked after the deadline does not prevent the breach", func(t *testing.T) []proto.Message {
			return append(grantedAtRisk(t), scheduled(t, "2026-05-26"))
		}, osloAt("2026-05-22 09:00"), breach},
		{"an appointment on the deadline, booked after the risk was reported, prevents it", func(t *testing.T) []proto.Message {
			return append(grantedAtRisk(t), scheduled(t, careStartDeadline))
		}, osloAt("2026-05-22 09:00"), none},
		{"an appointment before the deadline prevents it", func(t *testing.T) []proto.Message {
			return append(granted(t), scheduled(t, "2026-04-14"))
		}, osloAt("2026-06-01 10:00"), none},
		{"forwarded then granted at the new unit: reported to that unit", func(t *testing.T) []proto.Message {
			g := grantedRight(t, careStartDeadline)
			g.ReceivingUnit = newUnit().Ref()
			return []proto.Message{received(t), forwarded(t), g}
		}, osloAt("2026-05-22 09:00"), func(_ *testing.T, now time.Time) []proto.Message {
			e := careStartBreached(careStartDeadline, now)
			e.ReceivingUnit = newUnit().Ref()
			return []proto.Message{e}
		}},
	})
}

func TestCareStartBreachIsReportedOnce(t *testing.T) {
	history := append(granted(t), careStartAtRisk(careStartDeadline, 5, testkit.At(t, "2026-05-13 00:00")))
	expectReportedOnce(t, history, testkit.At(t, "2026-05-22 00:00"),
		testkit.At(t, "2026-05-22 12:00"), testkit.At(t, "2026-05-26 09:00"), testkit.At(t, "2026-09-01 09:00"))
}

func TestNoCareStartEventsWithoutAGrantedRightOnAnOpenReferral(t *testing.T) {
	for _, when := range []string{"2026-05-13 10:00", "2026-05-22 10:00"} {
		runDeadlineCases(t, []deadlineCase{
			{"withdrawn after the right was granted, " + when, func(t *testing.T) []proto.Message {
				return append(granted(t), withdrawn(t))
			}, osloAt(when), none},
			{"withdrawn after the risk was reported, " + when, func(t *testing.T) []proto.Message {
				return append(granted(t), careStartAtRisk(careStartDeadline, 5, testkit.At(t, "2026-05-13 00:00")), withdrawn(t))
			}, osloAt(when), none},
			{"no right, " + when, func(t *testing.T) []proto.Message {
				return []proto.Message{received(t), noRight(t)}
			}, osloAt(when), none},
			{"emergency never assessed, " + when, func(t *testing.T) []proto.Message {
				return []proto.Message{received(t, emergency)}
			}, osloAt(when), none},
		})
	}
}

func TestWithdrawnReferralsRaiseNoDeadlineEvents(t *testing.T) {
	runDeadlineCases(t, []deadlineCase{
		{"withdrawn before the assessment was due", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), withdrawn(t)}
		}, osloAt("2026-04-01 10:00"), none},
		{"withdrawn while forwarded", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t), withdrawn(t)}
		}, osloAt("2026-04-01 10:00"), none},
		{"withdrawn after a right was granted, past the care-start deadline", func(t *testing.T) []proto.Message {
			return append(granted(t), withdrawn(t))
		}, osloAt("2026-06-01 10:00"), none},
	})
}
