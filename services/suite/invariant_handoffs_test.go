package suite_test

import (
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const handoffsService = "/stafett.handoffs.v1.HandoffService/"

// handoffsInvariantRows are the invariant test's rows for the handoff views:
// every RPC is a query, and each refuses bad filters without reaching INTERNAL.
func handoffsInvariantRows() map[string]invariantRow {
	badUnit := &eventsv1.UnitRef{HerId: "x", OrgNumber: "1"}
	year2 := timestamppb.New(timestamppb.Now().AsTime().AddDate(-2024, 0, 0))
	return map[string]invariantRow{
		handoffsService + "GetPatientJourney": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid := receive(t, env, "setup").GetPatientId()
			return invariantCase{
				ok: call{"the DPS clinician", dpsClinician(), &handoffsv1.GetPatientJourneyRequest{PatientId: pid}},
				refused: []call{
					{"no patient id", dpsClinician(), &handoffsv1.GetPatientJourneyRequest{}},
					{"ops", opsUser(), &handoffsv1.GetPatientJourneyRequest{PatientId: pid}},
				},
			}
		}},
		handoffsService + "WatchPatientJourney": {query: true},
		handoffsService + "GetContinuity": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid := receive(t, env, "setup").GetPatientId()
			return invariantCase{
				ok: call{"the DPS clinician", dpsClinician(), &handoffsv1.GetContinuityRequest{PatientId: pid}},
				refused: []call{
					{"a window that ends before it begins", dpsClinician(), &handoffsv1.GetContinuityRequest{PatientId: pid, From: timestamppb.Now(), To: year2}},
					{"an instant in year 2", dpsClinician(), &handoffsv1.GetContinuityRequest{PatientId: pid, From: year2}},
				},
			}
		}},
		handoffsService + "GetHandoffGraph": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok: call{"ops", opsUser(), &handoffsv1.GetHandoffGraphRequest{}},
				refused: []call{
					{"a malformed unit", opsUser(), &handoffsv1.GetHandoffGraphRequest{Unit: badUnit}},
					{"a malformed organisation number", opsUser(), &handoffsv1.GetHandoffGraphRequest{OrgNumber: "12"}},
					{"an instant in year 2", opsUser(), &handoffsv1.GetHandoffGraphRequest{To: year2}},
				},
			}
		}},
		handoffsService + "ListPatientsWithoutContact": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok:      call{"ops", opsUser(), &handoffsv1.ListPatientsWithoutContactRequest{}},
				refused: []call{{"a malformed unit", opsUser(), &handoffsv1.ListPatientsWithoutContactRequest{Unit: badUnit}}},
			}
		}},
		handoffsService + "ListDeadlineRisks": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok: call{"the DPS clinician", dpsClinician(), &handoffsv1.ListDeadlineRisksRequest{Unit: dps}},
				refused: []call{
					{"negative days", dpsClinician(), &handoffsv1.ListDeadlineRisksRequest{WithinDays: -1}},
					{"a malformed unit", dpsClinician(), &handoffsv1.ListDeadlineRisksRequest{Unit: badUnit}},
				},
			}
		}},
		handoffsService + "ListStalledPathways": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok: call{"ops", opsUser(), &handoffsv1.ListStalledPathwaysRequest{}},
				refused: []call{
					{"a malformed unit", opsUser(), &handoffsv1.ListStalledPathwaysRequest{Unit: badUnit}},
					{"a patient", stalledPatient(), &handoffsv1.ListStalledPathwaysRequest{}},
				},
			}
		}},
	}
}

// stalledPatient is a patient, who sees their own journey but no unit views.
func stalledPatient() authn.TokenSpec {
	return authn.TokenSpec{Subject: "patient", PatientNationalID: patientNID, Role: authn.RolePatient, Scopes: []string{"handoffs:read"}}
}
