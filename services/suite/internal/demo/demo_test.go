package demo_test

import (
	"io"
	"testing"

	"github.com/stafett/stafett/pkg/authn"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/suite/internal/demo"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func TestTheDemoPopulatesEveryViewAndLoadingTwiceAddsNothing(t *testing.T) {
	env := suitetest.Start(t)
	now := env.Clock.Now()
	res, err := demo.Load(t.Context(), env.Suite.Addr(), env.Signer, now, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	seq := env.LastSeq(t.Context())
	again, err := demo.Load(t.Context(), env.Suite.Addr(), env.Signer, now, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if env.LastSeq(t.Context()) != seq || again.YoungAdult != res.YoungAdult {
		t.Fatalf("a second load appended %d commits", env.LastSeq(t.Context())-seq)
	}

	h := handoffsv1.NewHandoffServiceClient(env.Client)
	dps := env.As(t.Context(), authn.TokenSpec{Subject: "hpr:7001", HPRNumber: "7001", ChildOrgNumber: demo.DPSOrg, Role: authn.RoleClinician, Scopes: []string{"handoffs:read"}})
	journey, err := h.GetPatientJourney(dps, &handoffsv1.GetPatientJourneyRequest{PatientId: res.YoungAdult})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[handoffsv1.EntryKind]int{}
	for _, e := range journey.GetEntries() {
		kinds[e.GetKind()]++
	}
	for _, k := range []handoffsv1.EntryKind{
		handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED, handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED,
		handoffsv1.EntryKind_ENTRY_KIND_MEDICATION_FREE_REQUESTED, handoffsv1.EntryKind_ENTRY_KIND_HANDOFF_COMPLETED,
		handoffsv1.EntryKind_ENTRY_KIND_COORDINATOR_APPOINTED, handoffsv1.EntryKind_ENTRY_KIND_CONTACT,
	} {
		if kinds[k] == 0 {
			t.Errorf("Ida's journey has no %v: %v", k, kinds)
		}
	}
	cont, err := h.GetContinuity(dps, &handoffsv1.GetContinuityRequest{PatientId: res.YoungAdult})
	if err != nil {
		t.Fatal(err)
	}
	if cont.GetVisits() < 10 || cont.GetProfessionals() < 5 || cont.Coc == nil {
		t.Errorf("continuity = %v", cont)
	}
	alone, err := h.ListPatientsWithoutContact(dps, &handoffsv1.ListPatientsWithoutContactRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alone.GetPatients()) != 1 || alone.GetPatients()[0].GetPatientId() != res.LeftAlone {
		t.Errorf("without contact = %v", alone)
	}
	risks, err := h.ListDeadlineRisks(dps, &handoffsv1.ListDeadlineRisksRequest{WithinDays: 60})
	if err != nil {
		t.Fatal(err)
	}
	if len(risks.GetRisks()) == 0 {
		t.Error("no deadline risks")
	}
	ops := env.As(t.Context(), authn.TokenSpec{Subject: "ops", ChildOrgNumber: demo.DPSOrg, Role: authn.RoleOps, Scopes: []string{"handoffs:read"}})
	graph, err := h.GetHandoffGraph(ops, &handoffsv1.GetHandoffGraphRequest{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range graph.GetEdges() {
		if e.GetFrom().GetUnit().GetOrgNumber() == demo.BUPOrg && e.GetTo().GetUnit().GetOrgNumber() == demo.DPSOrg && e.GetHandoffs() == demo.CohortSize {
			found = true
		}
	}
	if !found {
		t.Errorf("no unsuppressed BUP→DPS edge in %v", graph)
	}
}
