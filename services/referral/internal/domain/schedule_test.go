package domain_test

import (
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/services/referral/internal/domain"
)

func scheduleCommand(t *testing.T, day string) domain.Schedule {
	t.Helper()
	return domain.Schedule{By: assessor(), Date: testkit.Date(t, day), At: testkit.At(t, "2026-03-11 10:00")}
}

func TestAFirstAppointmentIsScheduledOnlyWhenARightIsGranted(t *testing.T) {
	tests := []struct {
		name    string
		given   func(*testing.T) []proto.Message
		by      access.Actor
		wantErr testkit.Kind
	}{
		{"right granted", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), grantedRight(t, "2026-05-29")}
		}, assessor(), noError},
		{"received, not yet assessed", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t)}
		}, assessor(), precondition},
		{"awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), informationRequested(t)}
		}, assessor(), precondition},
		{"forwarded, not yet assessed", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t)}
		}, newUnitAssessor(), precondition},
		{"no right", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), noRight(t)}
		}, assessor(), precondition},
		{"withdrawn before assessment", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), withdrawn(t)}
		}, assessor(), precondition},
		{"withdrawn after a right was granted", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), grantedRight(t, "2026-05-29"), withdrawn(t)}
		}, assessor(), precondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := scheduleCommand(t, "2026-04-14")
			cmd.By = tt.by
			events, err := decideSchedule(given(tt.given(t)...), cmd, policy(t))
			if tt.wantErr != noError {
				expectRejected(t, events, err, tt.wantErr, "")
				return
			}
			expectErr(t, err, noError, "")
			testkit.ExpectEvents(t, events, []proto.Message{scheduled(t, "2026-04-14")})
		})
	}
}

// Emergency and internal referrals get no rights assessment, so they are
// scheduled as long as they are open, wherever they have been forwarded.
func TestEmergencyAndInternalReferralsAreScheduledWithoutAssessment(t *testing.T) {
	tests := []struct {
		name    string
		given   func(*testing.T) []proto.Message
		by      access.Actor
		wantErr testkit.Kind
	}{
		{"emergency", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency)}
		}, assessor(), noError},
		{"internal", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, internal)}
		}, assessor(), noError},
		{"emergency awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency), informationRequested(t)}
		}, assessor(), noError},
		{"emergency forwarded to the right unit, scheduled there", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency), forwarded(t)}
		}, newUnitAssessor(), noError},
		{"internal forwarded to the right unit, scheduled there", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, internal), forwarded(t)}
		}, newUnitAssessor(), noError},
		{"emergency forwarded, not by the unit that forwarded it", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency), forwarded(t)}
		}, assessor(), notFound},
		{"emergency withdrawn", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency), withdrawn(t)}
		}, assessor(), precondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := scheduleCommand(t, "2026-03-12")
			cmd.By = tt.by
			events, err := decideSchedule(given(tt.given(t)...), cmd, policy(t))
			if tt.wantErr != noError {
				expectRejected(t, events, err, tt.wantErr, "")
				return
			}
			expectErr(t, err, noError, "")
			want := scheduled(t, "2026-03-12")
			want.ScheduledBy = tt.by.ProfessionalID
			testkit.ExpectEvents(t, events, []proto.Message{want})
		})
	}
}

func TestTheFirstAppointmentMustNotBeInThePast(t *testing.T) {
	tests := []struct {
		name    string
		at      func(*testing.T) time.Time
		day     string
		wantErr testkit.Kind
	}{
		{"yesterday", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-11 10:00") }, "2026-03-10", invalid},
		{"today", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-11 10:00") }, "2026-03-11", noError},
		{"after the care-start deadline is still a valid booking", func(t *testing.T) time.Time {
			return testkit.At(t, "2026-03-11 10:00")
		}, "2026-06-15", noError},
		{"today is reckoned in Oslo: 23:30 UTC is already the next day", func(t *testing.T) time.Time {
			return utc(t, "2026-03-11 23:30")
		}, "2026-03-11", invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := scheduleCommand(t, tt.day)
			cmd.At = tt.at(t)
			events, err := decideSchedule(given(received(t), grantedRight(t, "2026-05-29")), cmd, policy(t))
			if tt.wantErr != noError {
				expectRejected(t, events, err, tt.wantErr, "appointment_date")
				return
			}
			expectErr(t, err, noError, "")
			want := scheduled(t, tt.day)
			want.ScheduledAt = timestamppb.New(cmd.At)
			testkit.ExpectEvents(t, events, []proto.Message{want})
		})
	}
}

func TestSchedulingTheSameDateTwiceYieldsNoEvents(t *testing.T) {
	history := []proto.Message{received(t), grantedRight(t, "2026-05-29"), scheduled(t, "2026-04-14")}

	events, err := decideSchedule(given(history...), scheduleCommand(t, "2026-04-14"), policy(t))
	expectErr(t, err, noError, "")
	testkit.ExpectEvents(t, events, nil)

	// Another date moves the appointment.
	events, err = decideSchedule(given(history...), scheduleCommand(t, "2026-04-21"), policy(t))
	expectErr(t, err, noError, "")
	testkit.ExpectEvents(t, events, []proto.Message{scheduled(t, "2026-04-21")})
	if got := given(append(history, events...)...).FirstAppointment; got != testkit.Date(t, "2026-04-21") {
		t.Errorf("first appointment = %v, want 2026-04-21", got)
	}
}
