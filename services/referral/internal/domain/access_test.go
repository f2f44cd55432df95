package domain_test

import (
	"testing"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/services/referral/internal/domain"
)

// unitCommand is one of the commands reserved for the receiving unit, issued
// by the given actor against the given state.
type unitCommand struct {
	name string
	// given is a state in which the receiving unit's command succeeds.
	given  func(*testing.T) []proto.Message
	decide func(t *testing.T, r domain.Referral, by access.Actor) ([]proto.Message, error)
}

func unitCommands() []unitCommand {
	receivedOnly := func(t *testing.T) []proto.Message { return []proto.Message{received(t)} }
	return []unitCommand{
		{
			name:  "request information",
			given: receivedOnly,
			decide: func(t *testing.T, r domain.Referral, by access.Actor) ([]proto.Message, error) {
				return decideRequestInformation(r, domain.RequestInformation{
					By: by, What: "current medication", At: testkit.At(t, "2026-03-04 10:00"),
				})
			},
		},
		{
			name:  "assess",
			given: receivedOnly,
			decide: func(t *testing.T, r domain.Referral, by access.Actor) ([]proto.Message, error) {
				return decideAssess(r, domain.Assess{
					By: by, At: testkit.At(t, "2026-03-10 10:00"), RightGranted: true,
					CareStartDeadline: testkit.Date(t, "2026-05-29"),
				}, policy(t))
			},
		},
		{
			name:  "forward",
			given: receivedOnly,
			decide: func(t *testing.T, r domain.Referral, by access.Actor) ([]proto.Message, error) {
				return decideForward(r, domain.Forward{
					By: by, To: newUnit(), Reason: "catchment area", At: testkit.At(t, "2026-03-05 10:00"),
				})
			},
		},
		{
			name: "schedule",
			given: func(t *testing.T) []proto.Message {
				return []proto.Message{received(t), grantedRight(t, "2026-05-29")}
			},
			decide: func(t *testing.T, r domain.Referral, by access.Actor) ([]proto.Message, error) {
				return decideSchedule(r, domain.Schedule{
					By: by, Date: testkit.Date(t, "2026-04-14"), At: testkit.At(t, "2026-03-11 10:00"),
				}, policy(t))
			},
		},
	}
}

func TestOnlyHealthPersonnelOfTheReceivingUnitMayRequestInformationAssessForwardOrSchedule(t *testing.T) {
	others := []struct {
		name string
		by   access.Actor
	}{
		{"an unrelated organisation", stranger()},
		{"the sending organisation", senderActor()},
		{"a caller with no organisation number", access.Actor{ProfessionalID: assessorHPR}},
		{"the receiving unit's integration engine, which has no HPR number",
			access.Actor{ProfessionalID: "ext:" + unitOrg + ":engine", OrgNumber: unitOrg, Role: access.RoleIntegration}},
		{"the receiving unit's professional acting for another organisation",
			access.Actor{ProfessionalID: assessorHPR, OrgNumber: strangerOrg}},
	}
	for _, cmd := range unitCommands() {
		t.Run(cmd.name, func(t *testing.T) {
			t.Run("the receiving organisation may", func(t *testing.T) {
				events, err := cmd.decide(t, given(cmd.given(t)...), assessor())
				expectErr(t, err, noError, "")
				if len(events) != 1 {
					t.Fatalf("got %d events, want 1", len(events))
				}
			})
			_, missingErr := cmd.decide(t, given(), assessor())
			t.Run("a missing referral is not found", func(t *testing.T) {
				expectErr(t, missingErr, notFound, "")
			})
			for _, o := range others {
				t.Run(o.name+" gets the same answer as for a missing referral", func(t *testing.T) {
					events, err := cmd.decide(t, given(cmd.given(t)...), o.by)
					expectRejected(t, events, err, notFound, "")
					if err.Error() != missingErr.Error() {
						t.Errorf("denied error %q differs from missing error %q", err, missingErr)
					}
				})
			}
		})
	}
}
