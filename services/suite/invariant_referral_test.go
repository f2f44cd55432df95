package suite_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const referralService = "/stafett.referral.v1.ReferralService/"

// referralInvariantRows are the invariant test's rows for the referral service.
func referralInvariantRows() map[string]invariantRow {
	// onReceived is a command on a received referral: ok is req as the
	// DPS assessor; refused are the same request for an unknown referral,
	// by the unit's integration engine (no HPR number), by an outsider, and
	// with a bad field; reuse is ok's request id with another request.
	onReceived := func(build func(referralID string, requestID string) proto.Message, broken func(proto.Message), changed func(proto.Message)) invariantRow {
		bad2 := func(m proto.Message) proto.Message { changed(m); return m }
		return invariantRow{setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := receive(t, env, "setup").GetReferralId()
			bad := build(id, "bad")
			broken(bad)
			return invariantCase{
				ok: call{"the receiving unit's assessor", assessor(dpsOrg), build(id, "cmd-1")},
				refused: []call{
					{"an unknown referral", assessor(dpsOrg), build("01JNOSUCHREFERRALNOSUCHREFX", "cmd-2")},
					{"the receiving unit's integration engine", integration(dpsOrg), build(id, "cmd-3")},
					{"an outsider", assessor(otherOrg), build(id, "cmd-4")},
					{"a bad field", assessor(dpsOrg), bad},
				},
				reuse: &call{"the same request id, another request", assessor(dpsOrg), bad2(build(id, "cmd-1"))},
			}
		}}
	}
	return map[string]invariantRow{
		referralService + "ReceiveReferral": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			bad := receiveRequest("bad")
			bad.PatientNationalId = "12345678901"
			huge := receiveRequest("huge")
			huge.Reason = string(make([]byte, 1<<20))
			unknownUrgency := receiveRequest("urgency")
			unknownUrgency.Urgency = 999
			other := receiveRequest("r-1")
			other.Urgency = referralv1.Urgency_URGENCY_URGENT
			return invariantCase{
				ok: call{"the sender", integration(senderOrg), receiveRequest("r-1")},
				refused: []call{
					{"an invalid national id", integration(senderOrg), bad},
					{"a 1 MiB reason", integration(senderOrg), huge},
					{"an unknown urgency", integration(senderOrg), unknownUrgency},
				},
				reuse: &call{"the same request id, urgent instead of routine", integration(senderOrg), other},
			}
		}},
		referralService + "RequestInformation": onReceived(func(id, rid string) proto.Message {
			return &referralv1.RequestInformationRequest{RequestId: rid, ReferralId: id, What: "current medication"}
		}, func(m proto.Message) { m.(*referralv1.RequestInformationRequest).What = "" },
			func(m proto.Message) { m.(*referralv1.RequestInformationRequest).What = "the GP's notes" }),
		referralService + "AssessReferral": onReceived(func(id, rid string) proto.Message {
			return &referralv1.AssessReferralRequest{RequestId: rid, ReferralId: id, Outcome: &referralv1.AssessReferralRequest_RightGranted{
				RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11, Priority: referralv1.Priority_PRIORITY_NORMAL},
			}}
		}, func(m proto.Message) {
			m.(*referralv1.AssessReferralRequest).GetRightGranted().CareStartDeadline = "2026-02-30"
		}, func(m proto.Message) {
			m.(*referralv1.AssessReferralRequest).GetRightGranted().CareStartDeadline = "2026-05-28"
		}),
		referralService + "ForwardReferral": onReceived(func(id, rid string) proto.Message {
			return &referralv1.ForwardReferralRequest{RequestId: rid, ReferralId: id, ToUnit: bup, Reason: "the patient is 15"}
		}, func(m proto.Message) { m.(*referralv1.ForwardReferralRequest).ToUnit = &eventsv1.UnitRef{HerId: "x"} },
			func(m proto.Message) { m.(*referralv1.ForwardReferralRequest).Reason = "another reason" }),
		referralService + "ScheduleFirstAppointment": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := receive(t, env, "setup").GetReferralId()
			grant(t, env, id)
			req := func(referralID, rid, date string) *referralv1.ScheduleFirstAppointmentRequest {
				return &referralv1.ScheduleFirstAppointmentRequest{RequestId: rid, ReferralId: referralID, AppointmentDate: date}
			}
			return invariantCase{
				ok: call{"the receiving unit's assessor", assessor(dpsOrg), req(id, "s-1", "2026-04-14")},
				refused: []call{
					{"an unknown referral", assessor(dpsOrg), req("01JNOSUCHREFERRALNOSUCHREFX", "s-2", "2026-04-14")},
					{"the receiving unit's integration engine", integration(dpsOrg), req(id, "s-3", "2026-04-14")},
					{"an outsider", assessor(otherOrg), req(id, "s-4", "2026-04-14")},
					{"no real date", assessor(dpsOrg), req(id, "s-5", "2026-04-31")},
				},
				reuse: &call{"the same request id, another date", assessor(dpsOrg), req(id, "s-1", "2026-04-15")},
			}
		}},
		referralService + "WithdrawReferral": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := receive(t, env, "setup").GetReferralId()
			req := func(referralID, rid, reason string) *referralv1.WithdrawReferralRequest {
				return &referralv1.WithdrawReferralRequest{RequestId: rid, ReferralId: referralID, Reason: reason}
			}
			return invariantCase{
				// The sender withdraws: it keeps the referral it wrote, so
				// its answer is a read it may make.
				ok: call{"the sender", integration(senderOrg), req(id, "w-1", "sent to the wrong clinic")},
				refused: []call{
					{"an unknown referral", integration(senderOrg), req("01JNOSUCHREFERRALNOSUCHREFX", "w-2", "wrong")},
					{"an outsider", assessor(otherOrg), req(id, "w-3", "wrong")},
					{"no reason", integration(senderOrg), req(id, "w-4", "")},
				},
				reuse: &call{"the same request id, another reason", integration(senderOrg), req(id, "w-1", "the patient moved")},
			}
		}},
		referralService + "GetReferral": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := receive(t, env, "setup").GetReferralId()
			return invariantCase{
				ok: call{"the receiving unit", assessor(dpsOrg), &referralv1.GetReferralRequest{ReferralId: id}},
				refused: []call{
					{"an outsider", assessor(otherOrg), &referralv1.GetReferralRequest{ReferralId: id}},
					{"no id", assessor(dpsOrg), &referralv1.GetReferralRequest{}},
				},
			}
		}},
		referralService + "ListReferrals": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			receive(t, env, "setup")
			return invariantCase{
				ok: call{"the receiving unit", assessor(dpsOrg), &referralv1.ListReferralsRequest{ReceivingUnit: dps}},
				refused: []call{
					{"a negative page size", assessor(dpsOrg), &referralv1.ListReferralsRequest{ReceivingUnit: dps, PageSize: -1}},
					{"an unknown status", assessor(dpsOrg), &referralv1.ListReferralsRequest{ReceivingUnit: dps, Status: 999}},
				},
			}
		}},
	}
}

// grant assesses the referral with a right granted, as the DPS assessor.
func grant(t *testing.T, env *suitetest.Env, referralID string) {
	t.Helper()
	_, err := client(env).AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "grant-" + referralID, ReferralId: referralID, Outcome: &referralv1.AssessReferralRequest_RightGranted{
			RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11, Priority: referralv1.Priority_PRIORITY_NORMAL},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}
