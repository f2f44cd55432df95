package suite_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const continuityService = "/stafett.continuity.v1.ContinuityService/"

// continuityFixture is a patient with a referral at the DPS (so its staff
// are in the care team), a therapist relationship, a planned handoff and an
// individual plan with a NAV member who has the patient's plan consent.
type continuityFixture struct {
	patient, relationship, handoff, plan string
	// spare is a second relationship, with nothing planned from it.
	spare string
}

func continuitySetup(t *testing.T, env *suitetest.Env) continuityFixture {
	t.Helper()
	c := continuityClient(env)
	f := continuityFixture{patient: continuityPatientWithReferral(t, env)}
	f.relationship = startTherapist(t, env, f.patient, "setup-rel", "1010")
	f.spare = startTherapist(t, env, f.patient, "setup-spare", "1111")
	staff := env.As(t.Context(), continuityStaff())
	h, err := c.PlanHandoff(staff, &continuityv1.PlanHandoffRequest{
		RequestId: "setup-handoff", FromRelationshipId: f.relationship, ToProfessionalId: "hpr:2020", ToRole: continuityv1.Role_ROLE_THERAPIST,
		ToUnit: dps, Kind: continuityv1.HandoffKind_HANDOFF_KIND_WARM,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.handoff = h.GetHandoffId()
	asPatient := env.As(t.Context(), continuityPatient())
	plan, err := c.CreateIndividualPlan(asPatient, &continuityv1.CreateIndividualPlanRequest{RequestId: "setup-plan", PatientId: f.patient})
	if err != nil {
		t.Fatal(err)
	}
	f.plan = plan.GetPlanId()
	if _, err := consentClient(env).GrantConsent(asPatient, &consentv1.GrantConsentRequest{
		RequestId: "setup-share", PatientId: f.patient,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: navCaseWorker}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN}, Purpose: consentv1.Purpose_PURPOSE_COORDINATION,
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// continuityInvariantRows are the invariant test's rows for the continuity service.
func continuityInvariantRows() map[string]invariantRow {
	outsider := clinician("9090", otherOrg, "continuity:read", "continuity:write")
	const unknown = "01JNOSUCHIDNOSUCHIDNOSUCHID"
	// row makes a command's row: build makes its request on the fixture (a
	// target id and a request id), bad breaks a field, other changes one.
	type build func(f continuityFixture, target, requestID string) proto.Message
	row := func(target func(continuityFixture) string, by func() authn.TokenSpec, b build, bad, other func(proto.Message)) invariantRow {
		return invariantRow{setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			f := continuitySetup(t, env)
			broken := b(f, target(f), "c-bad")
			bad(broken)
			changed := b(f, target(f), "c-1")
			other(changed)
			return invariantCase{
				ok: call{"the care team or the patient", by(), b(f, target(f), "c-1")},
				refused: []call{
					{"an unknown id", by(), b(f, unknown, "c-2")},
					{"an outsider", outsider, b(f, target(f), "c-3")},
					{"a bad field", by(), broken},
				},
				reuse: &call{"the same request id, another request", by(), changed},
			}
		}}
	}
	patientOf := func(f continuityFixture) string { return f.patient }
	relationshipOf := func(f continuityFixture) string { return f.relationship }
	planOf := func(f continuityFixture) string { return f.plan }
	staff := func() authn.TokenSpec { return continuityStaff() }
	self := func() authn.TokenSpec { return continuityPatient() }
	return map[string]invariantRow{
		continuityService + "StartRelationship": row(patientOf, staff, func(_ continuityFixture, pid, rid string) proto.Message {
			return &continuityv1.StartRelationshipRequest{RequestId: rid, PatientId: pid, ProfessionalId: "hpr:3030", Role: continuityv1.Role_ROLE_NURSE, Unit: dps, Sector: continuityv1.Sector_SECTOR_SPECIALIST}
		}, func(m proto.Message) { m.(*continuityv1.StartRelationshipRequest).Role = 999 },
			func(m proto.Message) { m.(*continuityv1.StartRelationshipRequest).ProfessionalId = "hpr:4040" }),
		continuityService + "RecordContact": row(relationshipOf, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.RecordContactRequest{RequestId: rid, RelationshipId: id, Kind: continuityv1.ContactKind_CONTACT_KIND_CONSULTATION}
		}, func(m proto.Message) { m.(*continuityv1.RecordContactRequest).Kind = 999 },
			func(m proto.Message) {
				m.(*continuityv1.RecordContactRequest).Kind = continuityv1.ContactKind_CONTACT_KIND_PHONE
			}),
		continuityService + "EndRelationship": row(relationshipOf, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.EndRelationshipRequest{RequestId: rid, RelationshipId: id, Reason: continuityv1.EndReason_END_REASON_DISCHARGED}
		}, func(m proto.Message) { m.(*continuityv1.EndRelationshipRequest).Reason = 0 },
			func(m proto.Message) {
				m.(*continuityv1.EndRelationshipRequest).Reason = continuityv1.EndReason_END_REASON_PROVIDER_LEFT
			}),
		continuityService + "PlanHandoff": row(func(f continuityFixture) string { return f.spare }, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.PlanHandoffRequest{RequestId: rid, FromRelationshipId: id, ToProfessionalId: "hpr:5050", ToRole: continuityv1.Role_ROLE_THERAPIST, ToUnit: dps, Kind: continuityv1.HandoffKind_HANDOFF_KIND_WARM}
		}, func(m proto.Message) { m.(*continuityv1.PlanHandoffRequest).Kind = 999 },
			func(m proto.Message) { m.(*continuityv1.PlanHandoffRequest).ToProfessionalId = "hpr:6060" }),
		continuityService + "CompleteHandoff": row(func(f continuityFixture) string { return f.handoff }, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.CompleteHandoffRequest{RequestId: rid, HandoffId: id}
		}, func(m proto.Message) { m.(*continuityv1.CompleteHandoffRequest).HandoffId = string(make([]byte, 300)) },
			func(m proto.Message) { m.(*continuityv1.CompleteHandoffRequest).SummaryShared = true }),
		continuityService + "CreateIndividualPlan": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid := continuityPatientWithReferral(t, env)
			req := func(rid, from string) *continuityv1.CreateIndividualPlanRequest {
				return &continuityv1.CreateIndividualPlanRequest{RequestId: rid, PatientId: pid, PeriodFrom: from}
			}
			return invariantCase{
				ok: call{"the patient", continuityPatient(), req("p-1", "2026-03-02")},
				refused: []call{
					{"an outsider", outsider, req("p-2", "2026-03-02")},
					{"no real date", continuityPatient(), req("p-3", "2026-02-30")},
					{"the staff without the patient's consent", continuityStaff(), req("p-4", "2026-03-02")},
				},
				reuse: &call{"the same request id, another period", continuityPatient(), req("p-1", "2026-03-03")},
			}
		}},
		continuityService + "AppointCoordinator": row(planOf, self, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.AppointCoordinatorRequest{RequestId: rid, PlanId: id, ProfessionalId: "hpr:1010"}
		}, func(m proto.Message) { m.(*continuityv1.AppointCoordinatorRequest).ProfessionalId = "nobody" },
			func(m proto.Message) { m.(*continuityv1.AppointCoordinatorRequest).ProfessionalId = "hpr:556" }),
		continuityService + "AddPlanningGroupMember": row(planOf, self, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.AddPlanningGroupMemberRequest{RequestId: rid, PlanId: id, ProfessionalId: navCaseWorker, Role: continuityv1.Role_ROLE_NAV_CASEWORKER}
		}, func(m proto.Message) { m.(*continuityv1.AddPlanningGroupMemberRequest).Role = 999 },
			func(m proto.Message) {
				m.(*continuityv1.AddPlanningGroupMemberRequest).Role = continuityv1.Role_ROLE_COORDINATOR
			}),
		continuityService + "RemovePlanningGroupMember": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			f := continuitySetup(t, env)
			if _, err := continuityClient(env).AddPlanningGroupMember(env.As(t.Context(), continuityPatient()), &continuityv1.AddPlanningGroupMemberRequest{
				RequestId: "setup-member", PlanId: f.plan, ProfessionalId: navCaseWorker, Role: continuityv1.Role_ROLE_NAV_CASEWORKER,
			}); err != nil {
				t.Fatal(err)
			}
			req := func(plan, rid, member string) *continuityv1.RemovePlanningGroupMemberRequest {
				return &continuityv1.RemovePlanningGroupMemberRequest{RequestId: rid, PlanId: plan, ProfessionalId: member}
			}
			return invariantCase{
				ok: call{"the patient", continuityPatient(), req(f.plan, "rm-1", navCaseWorker)},
				refused: []call{
					{"an unknown plan", continuityPatient(), req(unknown, "rm-2", navCaseWorker)},
					{"an outsider", outsider, req(f.plan, "rm-3", navCaseWorker)},
					{"a malformed professional id", continuityPatient(), req(f.plan, "rm-4", "nobody")},
				},
				reuse: &call{"the same request id, another member", continuityPatient(), req(f.plan, "rm-1", "hpr:556")},
			}
		}},
		continuityService + "SetPlanGoal": row(planOf, self, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.SetPlanGoalRequest{RequestId: rid, PlanId: id, Text: "Klare å gå på skolen igjen"}
		}, func(m proto.Message) { m.(*continuityv1.SetPlanGoalRequest).Text = string(make([]byte, 1<<20)) },
			func(m proto.Message) { m.(*continuityv1.SetPlanGoalRequest).Text = "Sove bedre" }),
		continuityService + "AssignPlanService": row(planOf, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.AssignPlanServiceRequest{RequestId: rid, PlanId: id, Description: "weekly talks", ResponsibleProfessionalId: "hpr:1010", FromDate: "2026-03-09"}
		}, func(m proto.Message) { m.(*continuityv1.AssignPlanServiceRequest).FromDate = "2026-13-01" },
			func(m proto.Message) { m.(*continuityv1.AssignPlanServiceRequest).Description = "fortnightly talks" }),
		continuityService + "SetMeetingPreference": row(planOf, self, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.SetMeetingPreferenceRequest{RequestId: rid, PlanId: id, Preference: continuityv1.MeetingPreference_MEETING_PREFERENCE_MIXED}
		}, func(m proto.Message) { m.(*continuityv1.SetMeetingPreferenceRequest).Preference = 999 },
			func(m proto.Message) {
				m.(*continuityv1.SetMeetingPreferenceRequest).Preference = continuityv1.MeetingPreference_MEETING_PREFERENCE_PHONE_EMAIL
			}),
		continuityService + "ReviewPlan": row(planOf, staff, func(_ continuityFixture, id, rid string) proto.Message {
			return &continuityv1.ReviewPlanRequest{RequestId: rid, PlanId: id, ReviewedOn: "2026-03-02", Summary: "going well", NextReviewOn: "2026-06-01"}
		}, func(m proto.Message) { m.(*continuityv1.ReviewPlanRequest).NextReviewOn = "someday" },
			func(m proto.Message) { m.(*continuityv1.ReviewPlanRequest).Summary = "harder weeks" }),
		continuityService + "RecordContinuityPreference": row(patientOf, self, func(_ continuityFixture, pid, rid string) proto.Message {
			return &continuityv1.RecordContinuityPreferenceRequest{RequestId: rid, PatientId: pid, KeepProfessionalId: "hpr:1010"}
		}, func(m proto.Message) { m.(*continuityv1.RecordContinuityPreferenceRequest).Closeness = 999 },
			func(m proto.Message) {
				m.(*continuityv1.RecordContinuityPreferenceRequest).KeepProfessionalId = "hpr:556"
			}),
		continuityService + "GetCareTeam": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			f := continuitySetup(t, env)
			return invariantCase{
				ok: call{"the care team", continuityStaff(), &continuityv1.GetCareTeamRequest{PatientId: f.patient}},
				refused: []call{
					{"an outsider", outsider, &continuityv1.GetCareTeamRequest{PatientId: f.patient}},
					{"no patient id", continuityStaff(), &continuityv1.GetCareTeamRequest{}},
				},
			}
		}},
		continuityService + "GetIndividualPlan": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			f := continuitySetup(t, env)
			return invariantCase{
				ok: call{"the patient", continuityPatient(), &continuityv1.GetIndividualPlanRequest{PlanId: f.plan}},
				refused: []call{
					{"an unknown plan", continuityPatient(), &continuityv1.GetIndividualPlanRequest{PlanId: unknown}},
					{"an outsider", outsider, &continuityv1.GetIndividualPlanRequest{PlanId: f.plan}},
				},
			}
		}},
	}
}
