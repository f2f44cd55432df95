package suite_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/testkit"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// pathwayInvariantRows are the invariant test's rows for the pathway service.
// Every row starts from a pathway the process manager started for a referral
// assessed with a right granted. Refused calls include someone who may not
// act: health personnel of another organisation, and a token of the
// pathway's own unit that is not health personnel.
func pathwayInvariantRows() map[string]invariantRow {
	const s = "/stafett.pathway.v1.PathwayService/"
	// absent is the pathway of a referral that was never assessed: a name
	// anyone holding a referral id can derive.
	const absent = "pw-01JNOREFERRALNOREFERRAL00"
	outsider := clinician("777", otherOrg, "pathway:read", "pathway:write")
	engine := authn.TokenSpec{Subject: "client:" + dpsOrg, ChildOrgNumber: dpsOrg, Role: authn.RoleIntegration, Scopes: []string{"pathway:read", "pathway:write"}}
	staff := pwStaff()
	// command builds a command's row: setup brings the pathway to the state
	// the command needs; ok, invalid and reuse make the calls for its id.
	command := func(setup func(t *testing.T, env *suitetest.Env, id string), ok, invalid, reuse func(id string) call) invariantRow {
		return invariantRow{setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := pwInvariantPathway(t, env)
			if setup != nil {
				setup(t, env, id)
			}
			good := ok(id)
			as := func(name string, who authn.TokenSpec, c call) call { c.name, c.as = name, who; return c }
			r := reuse(id)
			return invariantCase{
				ok: good,
				refused: []call{
					invalid(id),
					as("an absent pathway", staff, ok(absent)),
					as("health personnel of another organisation", outsider, good),
					as("the unit's integration engine", engine, good),
				},
				reuse: &r,
			}
		}}
	}
	attended := func(t *testing.T, env *suitetest.Env, id string) {
		t.Helper()
		if _, err := pwClient(env).RecordFirstAttendance(env.As(t.Context(), staff), &pathwayv1.RecordFirstAttendanceRequest{
			RequestId: "setup-attended", PathwayId: id, AttendedAt: timestamppb.New(env.Clock.Now()),
		}); err != nil {
			t.Fatal(err)
		}
	}
	decided := func(t *testing.T, env *suitetest.Env, id string) {
		t.Helper()
		attended(t, env, id)
		if _, err := pwClient(env).RecordClinicalDecision(env.As(t.Context(), staff), &pathwayv1.RecordClinicalDecisionRequest{
			RequestId: "setup-decided", PathwayId: id, Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC,
		}); err != nil {
			t.Fatal(err)
		}
	}
	query := func(ok func(id string) call, refused ...func(id string) call) invariantRow {
		return invariantRow{query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			id := pwInvariantPathway(t, env)
			c := invariantCase{ok: ok(id)}
			for _, r := range refused {
				c.refused = append(c.refused, r(id))
			}
			return c
		}}
	}
	unit := dps

	return map[string]invariantRow{
		s + "AssignPathwayCoordinator": command(nil,
			func(id string) call {
				return call{"assign", staff, &pathwayv1.AssignPathwayCoordinatorRequest{RequestId: "a1", PathwayId: id, ProfessionalId: "hpr:556"}}
			},
			func(id string) call {
				return call{"a coordinator who is not health personnel", staff, &pathwayv1.AssignPathwayCoordinatorRequest{RequestId: "a0", PathwayId: id, ProfessionalId: "ext:" + otherOrg + ":case-17"}}
			},
			func(id string) call {
				return call{"another coordinator", staff, &pathwayv1.AssignPathwayCoordinatorRequest{RequestId: "a1", PathwayId: id, ProfessionalId: "hpr:557"}}
			}),
		s + "RecordFirstAttendance": command(nil,
			func(id string) call {
				return call{"attended", staff, &pathwayv1.RecordFirstAttendanceRequest{RequestId: "f1", PathwayId: id, AttendedAt: timestamppb.New(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))}}
			},
			func(id string) call {
				return call{"attended on 0001-01-01", staff, &pathwayv1.RecordFirstAttendanceRequest{RequestId: "f0", PathwayId: id, AttendedAt: timestamppb.New(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))}}
			},
			func(id string) call {
				return call{"attended an hour earlier", staff, &pathwayv1.RecordFirstAttendanceRequest{RequestId: "f1", PathwayId: id, AttendedAt: timestamppb.New(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))}}
			}),
		s + "RecordClinicalDecision": command(attended,
			func(id string) call {
				return call{"decided", staff, &pathwayv1.RecordClinicalDecisionRequest{RequestId: "d1", PathwayId: id,
					Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC}}
			},
			func(id string) call {
				return call{"an unknown code", staff, &pathwayv1.RecordClinicalDecisionRequest{RequestId: "d0", PathwayId: id,
					Code: 999, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC}}
			},
			func(id string) call {
				return call{"another code", staff, &pathwayv1.RecordClinicalDecisionRequest{RequestId: "d1", PathwayId: id,
					Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC}}
			}),
		s + "AgreeTreatmentPlan": command(decided,
			func(id string) call {
				return call{"agreed", staff, &pathwayv1.AgreeTreatmentPlanRequest{RequestId: "p1", PathwayId: id,
					OptionsOffered: []string{"individual therapy", "group therapy"}, ChosenOption: "group therapy", DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_SHARED}}
			},
			func(id string) call {
				return call{"restricted without a reason", staff, &pathwayv1.AgreeTreatmentPlanRequest{RequestId: "p0", PathwayId: id,
					OptionsOffered: []string{"inpatient stay"}, DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED}}
			},
			func(id string) call {
				return call{"another choice", staff, &pathwayv1.AgreeTreatmentPlanRequest{RequestId: "p1", PathwayId: id,
					OptionsOffered: []string{"individual therapy", "group therapy"}, ChosenOption: "individual therapy", DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_SHARED}}
			}),
		s + "RecordEvaluation": command(attended,
			func(id string) call {
				return call{"evaluated", staff, &pathwayv1.RecordEvaluationRequest{RequestId: "e1", PathwayId: id, PatientTookPart: true, FeedbackToolUsed: true, FeedbackTool: "FIT"}}
			},
			func(id string) call {
				return call{"a feedback tool over the label limit", staff, &pathwayv1.RecordEvaluationRequest{RequestId: "e0", PathwayId: id, FeedbackToolUsed: true, FeedbackTool: strings.Repeat("x", 501)}}
			},
			func(id string) call {
				return call{"without the patient", staff, &pathwayv1.RecordEvaluationRequest{RequestId: "e1", PathwayId: id}}
			}),
		s + "RecordPatientPostponement": command(nil,
			func(id string) call {
				return call{"postponed", staff, &pathwayv1.RecordPatientPostponementRequest{RequestId: "pp1", PathwayId: id, FromDate: "2026-03-09", UntilDate: "2026-03-20"}}
			},
			func(id string) call {
				return call{"until before from", staff, &pathwayv1.RecordPatientPostponementRequest{RequestId: "pp0", PathwayId: id, FromDate: "2026-03-20", UntilDate: "2026-03-09"}}
			},
			func(id string) call {
				return call{"another end", staff, &pathwayv1.RecordPatientPostponementRequest{RequestId: "pp1", PathwayId: id, FromDate: "2026-03-09", UntilDate: "2026-03-27"}}
			}),
		s + "TransferPathway": command(nil,
			func(id string) call {
				return call{"transferred", staff, &pathwayv1.TransferPathwayRequest{RequestId: "t1", PathwayId: id, ToUnit: bup, Reason: "the patient moved"}}
			},
			func(id string) call {
				return call{"to a unit with no valid organisation number", staff, &pathwayv1.TransferPathwayRequest{RequestId: "t0", PathwayId: id,
					ToUnit: &eventsv1.UnitRef{HerId: "80002", OrgNumber: "123"}}}
			},
			func(id string) call {
				return call{"another reason", staff, &pathwayv1.TransferPathwayRequest{RequestId: "t1", PathwayId: id, ToUnit: bup, Reason: "closer to school"}}
			}),
		s + "CompletePathway": command(nil,
			func(id string) call {
				return call{"completed", staff, &pathwayv1.CompletePathwayRequest{RequestId: "c1", PathwayId: id, Reason: "treatment ended"}}
			},
			func(id string) call {
				return call{"a reason over the note limit", staff, &pathwayv1.CompletePathwayRequest{RequestId: "c0", PathwayId: id, Reason: strings.Repeat("x", 5001)}}
			},
			func(id string) call {
				return call{"another reason", staff, &pathwayv1.CompletePathwayRequest{RequestId: "c1", PathwayId: id, Reason: "moved abroad"}}
			}),
		s + "RequestMedicationFreeTreatment": command(nil,
			func(id string) call {
				return call{"requested", staff, &pathwayv1.RequestMedicationFreeTreatmentRequest{RequestId: "m1", PathwayId: id, ChosenByPatient: true}}
			},
			func(id string) call {
				return call{"no request id", staff, &pathwayv1.RequestMedicationFreeTreatmentRequest{PathwayId: id, ChosenByPatient: true}}
			},
			func(id string) call {
				return call{"not the patient's own choice", staff, &pathwayv1.RequestMedicationFreeTreatmentRequest{RequestId: "m1", PathwayId: id}}
			}),
		s + "GetPathway": query(
			func(id string) call { return call{"the unit", staff, &pathwayv1.GetPathwayRequest{PathwayId: id}} },
			func(id string) call {
				return call{"another organisation", outsider, &pathwayv1.GetPathwayRequest{PathwayId: id}}
			},
			func(string) call {
				return call{"an absent pathway", staff, &pathwayv1.GetPathwayRequest{PathwayId: absent}}
			}),
		s + "ListPathways": query(
			func(string) call {
				return call{"the unit's pathways", staff, &pathwayv1.ListPathwaysRequest{Subject: &pathwayv1.ListPathwaysRequest_Unit{Unit: unit}}}
			},
			func(string) call {
				return call{"a negative page size", staff, &pathwayv1.ListPathwaysRequest{Subject: &pathwayv1.ListPathwaysRequest_Unit{Unit: unit}, PageSize: -1}}
			}),
		s + "GetDecisionStatistics": query(
			func(string) call { return call{"the unit", staff, &pathwayv1.GetDecisionStatisticsRequest{Unit: unit}} },
			func(string) call {
				return call{"another organisation's unit", outsider, &pathwayv1.GetDecisionStatisticsRequest{Unit: unit}}
			}),
	}
}

// pwInvariantPathway receives a referral, assesses it with a right granted,
// and waits until the process manager has started its pathway.
func pwInvariantPathway(t *testing.T, env *suitetest.Env) string {
	t.Helper()
	ctx := t.Context()
	received, err := client(env).ReceiveReferral(env.As(ctx, integration(senderOrg)), receiveRequest("invariant"))
	if err != nil {
		t.Fatal(err)
	}
	referralID := received.GetReferral().GetReferralId()
	if _, err := client(env).AssessReferral(env.As(ctx, assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "assess-invariant", ReferralId: referralID,
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
			Priority: referralv1.Priority_PRIORITY_NORMAL,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	id := "pw-" + referralID
	subject := eventstore.Subject("pathway", "pathway", id)
	testkit.WaitUntil(t, 10*time.Second, "the process manager starts "+id, func() bool {
		seq, err := env.Suite.Store.LastSubjectSeq(ctx, subject)
		return err == nil && seq > 0
	})
	return id
}
