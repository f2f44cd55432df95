package domain

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

var all = Allowed{
	consentv1.Category_CATEGORY_REFERRAL: true, consentv1.Category_CATEGORY_PATHWAY: true, consentv1.Category_CATEGORY_RELATIONSHIPS: true,
	consentv1.Category_CATEGORY_PLAN: true, consentv1.Category_CATEGORY_CONSENT: true,
}

func kinds(es []*handoffsv1.JourneyEntry) []handoffsv1.EntryKind {
	var out []handoffsv1.EntryKind
	for _, e := range es {
		out = append(out, e.GetKind())
	}
	return out
}

func TestJourneyFoldsEveryContextInStreamOrder(t *testing.T) {
	f := newFeed(t)
	f.commit("pt_a", day(0), &referralv1.ReferralReceived{ReferralId: "ref1", PatientId: "pt_a", ReceivingUnit: dps, ReceivedAt: ts(day(0)), AssessmentDue: "2026-03-16"})
	f.commit("pt_a", day(3), &referralv1.ReferralAssessed{ReferralId: "ref1", Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-04-20"}}, AssessedBy: "hpr:9", AssessedAt: ts(day(3))})
	f.commit("pt_a", day(3), &pathwayv1.PathwayStarted{PathwayId: "pw1", ReferralId: "ref1", PatientId: "pt_a", Unit: dps, StartedAt: ts(day(3))})
	f.commit("pt_a", day(4), &continuityv1.RelationshipStarted{RelationshipId: "r1", PatientId: "pt_a", ProfessionalId: "hpr:1", Role: continuityv1.Role_ROLE_THERAPIST, Unit: dps, StartedAt: ts(day(4))})
	f.commit("pt_a", day(5), &continuityv1.ContactRecorded{RelationshipId: "r1", PatientId: "pt_a", OccurredAt: ts(day(5))})
	f.commit("pt_a", day(6), &continuityv1.IndividualPlanCreated{PlanId: "ip1", PatientId: "pt_a", CreatedAt: ts(day(6))})
	f.commit("pt_a", day(6), &consentv1.ConsentGranted{ConsentId: "c1", PatientId: "pt_a", Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN}, GrantedAt: ts(day(6))})
	f.commit("pt_b", day(6), &consentv1.ConsentGranted{ConsentId: "c2", PatientId: "pt_b", GrantedAt: ts(day(6))})

	got := f.v.Journey(f.v.Patients["pt_a"], all, 0)
	want := []handoffsv1.EntryKind{
		handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED, handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_ASSESSED,
		handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED, handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED,
		handoffsv1.EntryKind_ENTRY_KIND_CONTACT, handoffsv1.EntryKind_ENTRY_KIND_INDIVIDUAL_PLAN_CREATED,
		handoffsv1.EntryKind_ENTRY_KIND_CONSENT_GRANTED,
	}
	if !slices.Equal(kinds(got), want) {
		t.Fatalf("journey kinds = %v, want %v", kinds(got), want)
	}
	if got[1].GetCode() != "RIGHT_GRANTED" || got[3].GetCode() != "ROLE_THERAPIST" || got[6].GetCode() != "CATEGORY_PLAN" {
		t.Errorf("codes = %q %q %q", got[1].GetCode(), got[3].GetCode(), got[6].GetCode())
	}
	// A contact is shown at its relationship's unit, with its professional.
	if got[4].GetProfessionalId() != "hpr:1" || got[4].GetUnit().GetHerId() != "200" || got[4].GetRecordId() != "r1" {
		t.Errorf("contact entry = %v", got[4])
	}
	for i := 1; i < len(got); i++ {
		if got[i].GetSequence() <= got[i-1].GetSequence() {
			t.Fatalf("journey not in stream order at %d", i)
		}
	}
}

func TestJourneyWithholdsCategoriesTheCallerMayNotSee(t *testing.T) {
	f := newFeed(t)
	f.commit("pt_a", day(0), &referralv1.ReferralReceived{ReferralId: "ref1", ReceivingUnit: dps, ReceivedAt: ts(day(0))})
	f.commit("pt_a", day(1), &continuityv1.RelationshipStarted{RelationshipId: "r1", Unit: dps, StartedAt: ts(day(1))})
	f.commit("pt_a", day(1), &consentv1.ObjectionRecorded{ObjectionId: "o1", RecordedAt: ts(day(1))})
	got := f.v.Journey(f.v.Patients["pt_a"], Allowed{consentv1.Category_CATEGORY_RELATIONSHIPS: true}, 0)
	if !slices.Equal(kinds(got), []handoffsv1.EntryKind{handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED}) {
		t.Fatalf("got %v", kinds(got))
	}
}

func TestApplyIsIdempotentByStreamSequence(t *testing.T) {
	v := NewView()
	ev := []proto.Message{&continuityv1.ContactRecorded{RelationshipId: "r1", OccurredAt: ts(day(1))}}
	c := mkCommit(t, "pt_a", day(1), ev...)
	v.Apply(7, c, ev)
	if v.Apply(7, c, ev) != nil || v.Apply(3, c, ev) != nil {
		t.Fatal("a redelivered record changed the view")
	}
	if n := len(v.Patients["pt_a"].Entries); n != 1 {
		t.Fatalf("entries = %d, want 1", n)
	}
	if v.Applied != 7 {
		t.Fatalf("applied = %d", v.Applied)
	}
}

func TestContinuityCountsContactsRelationshipsAndLongestOverTheWindow(t *testing.T) {
	f := newFeed(t)
	f.commit("pt_a", day(0), &continuityv1.RelationshipStarted{RelationshipId: "rA", ProfessionalId: "hpr:A", Unit: dps, StartedAt: ts(day(0))})
	f.commit("pt_a", day(0), &continuityv1.RelationshipStarted{RelationshipId: "rB", ProfessionalId: "hpr:B", Unit: dps, StartedAt: ts(day(10))})
	// Recorded out of order: the indices follow when contacts happened (A, A, B).
	f.commit("pt_a", day(12), &continuityv1.ContactRecorded{RelationshipId: "rB", OccurredAt: ts(day(12))})
	f.commit("pt_a", day(12), &continuityv1.ContactRecorded{RelationshipId: "rA", OccurredAt: ts(day(2))})
	f.commit("pt_a", day(12), &continuityv1.ContactRecorded{RelationshipId: "rA", OccurredAt: ts(day(5))})
	// Outside the window below.
	f.commit("pt_a", day(40), &continuityv1.ContactRecorded{RelationshipId: "rB", OccurredAt: ts(day(40))})
	f.commit("pt_a", day(20), &continuityv1.RelationshipEnded{RelationshipId: "rA", EndedAt: ts(day(20))})

	got := Continuity(f.v.Patients["pt_a"], Window{From: day(1).UnixNano(), To: day(30).UnixNano()}, day(50).UnixNano())
	if got.GetVisits() != 3 || got.GetProfessionals() != 2 {
		t.Fatalf("N, M = %d, %d", got.GetVisits(), got.GetProfessionals())
	}
	if got.Secon == nil || *got.Secon != 0.5 || got.Upc == nil || *got.Upc != 2.0/3 {
		t.Errorf("SECON, UPC = %v, %v", got.Secon, got.Upc)
	}
	// rB started in the window, rA ended in it; rA ran 20 days, rB 20 days
	// up to the window's end (day 30).
	if got.GetRelationshipsStarted() != 1 || got.GetRelationshipsEnded() != 1 || got.GetLongestRelationshipDays() != 20 {
		t.Errorf("started %d ended %d longest %d", got.GetRelationshipsStarted(), got.GetRelationshipsEnded(), got.GetLongestRelationshipDays())
	}
	empty := Continuity(f.v.Patients["pt_a"], Window{From: day(100).UnixNano()}, day(200).UnixNano())
	if empty.Coc != nil || empty.Upc != nil || empty.Secon != nil || empty.Mmci != nil || empty.GetVisits() != 0 {
		t.Errorf("an empty window defines nothing: %v", empty)
	}
}

func TestGraphWithholdsEveryCellDescribingFewerThanFivePatients(t *testing.T) {
	f := newFeed(t)
	// Five patients hand from BUP to DPS (three warm), four from DPS to BUP.
	for i := range 5 {
		kind := continuityv1.HandoffKind_HANDOFF_KIND_COLD
		if i < 3 {
			kind = continuityv1.HandoffKind_HANDOFF_KIND_WARM
		}
		f.handoffPatient(fmt.Sprintf("pt_up%d", i), bup, dps, kind, 10, 10+2*i)
	}
	for i := range 4 {
		f.handoffPatient(fmt.Sprintf("pt_down%d", i), dps, bup, continuityv1.HandoffKind_HANDOFF_KIND_WARM, 10, 10)
	}
	// Two patients dropped at the DPS.
	for i := range 2 {
		f.commit(fmt.Sprintf("pt_up%d", i), day(30), &continuityv1.PatientLeftWithoutContact{RelationshipId: "x", Role: continuityv1.Role_ROLE_THERAPIST, Unit: dps, At: ts(day(30))})
	}
	g := f.v.Graph(Scope{})
	if len(g.GetEdges()) != 2 {
		t.Fatalf("edges = %v", g.GetEdges())
	}
	up, down := g.GetEdges()[0], g.GetEdges()[1]
	if up.GetFrom().GetUnit().GetHerId() != "100" {
		up, down = down, up
	}
	if up.GetSuppressed() || up.Handoffs == nil || *up.Handoffs != 5 || *up.WarmShare != 0.6 {
		t.Errorf("BUP→DPS = %v", up)
	}
	// Gaps 0, 2, 4, 6, 8 days: median 4.
	if up.MedianGapDays == nil || *up.MedianGapDays != 4 {
		t.Errorf("median gap = %v", up.MedianGapDays)
	}
	if !down.GetSuppressed() || down.Handoffs != nil || down.WarmShare != nil || down.MedianGapDays != nil {
		t.Errorf("DPS→BUP describes 4 patients and must be withheld: %v", down)
	}
	for _, n := range g.GetNodes() {
		// Both therapist nodes see all nine patients.
		if n.GetSuppressed() || n.GetPatients() != 9 {
			t.Errorf("node %v", n)
		}
		if n.Dropped != nil || !n.GetDroppedSuppressed() {
			t.Errorf("a dropped count under 5 must be withheld: %v", n)
		}
	}
}

func TestGraphShowsOnlyTheCallersOrganisationUnlessEveryUnit(t *testing.T) {
	f := newFeed(t)
	for i := range 5 {
		f.handoffPatient(fmt.Sprintf("pt_%d", i), bup, dps, continuityv1.HandoffKind_HANDOFF_KIND_WARM, 10, 10)
	}
	g := f.v.Graph(Scope{VisibleOrg: bup.GetOrgNumber()})
	if len(g.GetNodes()) != 1 || g.GetNodes()[0].GetUnit().GetHerId() != "100" {
		t.Errorf("nodes = %v", g.GetNodes())
	}
	// The edge leaves the caller's unit, so the caller sees it.
	if len(g.GetEdges()) != 1 {
		t.Errorf("edges = %v", g.GetEdges())
	}
	if g := f.v.Graph(Scope{VisibleOrg: "999999999"}); len(g.GetNodes())+len(g.GetEdges()) != 0 {
		t.Errorf("another organisation sees %v", g)
	}
	if g := f.v.Graph(Scope{Unit: Unit{HerID: "200"}}); len(g.GetNodes()) != 1 || len(g.GetEdges()) != 1 {
		t.Errorf("filtered by unit: %v", g)
	}
	if g := f.v.Graph(Scope{Window: Window{From: day(11).UnixNano()}}); len(g.GetEdges()) != 0 || len(g.GetNodes()) != 1 {
		t.Errorf("after the handoffs only the DPS relationships remain: %v", g)
	}
}

func TestDeadlineRisksListDatesWithinReachAndPast(t *testing.T) {
	f := newFeed(t)
	f.commit("pt_a", day(0), &referralv1.ReferralReceived{ReferralId: "ref1", ReceivingUnit: dps, ReceivedAt: ts(day(0)), AssessmentDue: "2026-03-16"})
	f.commit("pt_b", day(0), &referralv1.ReferralReceived{ReferralId: "ref2", ReceivingUnit: dps, ReceivedAt: ts(day(0)), AssessmentDue: "2026-03-30"})
	f.commit("pt_b", day(1), &referralv1.ReferralAssessed{ReferralId: "ref2", Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-03-20"}}})
	f.commit("pt_b", day(1), &pathwayv1.PathwayStarted{PathwayId: "pw2", ReferralId: "ref2", Unit: dps, StartedAt: ts(day(1)),
		Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, TargetDate: "2026-03-10"}}})
	f.commit("pt_b", day(9), &pathwayv1.MilestoneOverdue{PathwayId: "pw2", Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE})

	today := Day("2026-03-12")
	got := f.v.DeadlineRisks(Scope{}, today, 5)
	type row struct {
		kind     handoffsv1.RiskKind
		due      string
		left     int32
		breached bool
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.GetKind(), r.GetDueDate(), r.GetDaysLeft(), r.GetBreached()})
	}
	want := []row{
		{handoffsv1.RiskKind_RISK_KIND_MILESTONE, "2026-03-10", -2, true},
		{handoffsv1.RiskKind_RISK_KIND_ASSESSMENT, "2026-03-16", 4, false},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("risks = %v, want %v", rows, want)
	}
	// Within 8 days the care-start deadline of the 20th appears too; a first
	// attendance clears both it and the milestone.
	if n := len(f.v.DeadlineRisks(Scope{}, today, 8)); n != 3 {
		t.Fatalf("within 8 days: %d risks", n)
	}
	f.commit("pt_b", day(11), &pathwayv1.FirstAttendanceRecorded{PathwayId: "pw2", AttendedAt: ts(day(11))})
	if n := len(f.v.DeadlineRisks(Scope{}, today, 8)); n != 1 {
		t.Fatalf("after first attendance: %d risks", n)
	}
}

func TestPatientsWithoutContactAreCountedForOpsWithoutIdsOrSmallCells(t *testing.T) {
	f := newFeed(t)
	for i := range 6 {
		unit := dps
		if i == 5 {
			unit = bup
		}
		pid := fmt.Sprintf("pt_%d", i)
		f.commit(pid, day(1), &continuityv1.PatientLeftWithoutContact{RelationshipId: "r", Role: continuityv1.Role_ROLE_COORDINATOR, Unit: unit, At: ts(day(1))})
	}
	// One of them got a new contact.
	f.commit("pt_0", day(2), &continuityv1.PatientContactRestored{RelationshipId: "r9", At: ts(day(2))})
	list := f.v.WithoutContact(Scope{})
	if len(list) != 5 {
		t.Fatalf("list = %d", len(list))
	}
	counts := CountByUnit(list, func(p *handoffsv1.PatientWithoutContact) string { return UnitKey(p.GetUnit()) },
		func(p *handoffsv1.PatientWithoutContact) string { return p.GetRole() })
	if len(counts) != 2 {
		t.Fatalf("counts = %v", counts)
	}
	for _, c := range counts {
		switch c.GetUnit().GetHerId() {
		case "100":
			if !c.GetSuppressed() || c.Patients != nil {
				t.Errorf("one patient must be withheld: %v", c)
			}
		case "200":
			// Four left at the DPS after one was restored: still under 5.
			if !c.GetSuppressed() || c.Patients != nil {
				t.Errorf("four patients must be withheld: %v", c)
			}
		}
	}
}

func TestCheckpointedPatientFoldsOnAsIfNeverStored(t *testing.T) {
	live := newFeed(t)
	live.handoffPatient("pt_a", bup, dps, continuityv1.HandoffKind_HANDOFF_KIND_WARM, 5, 6)
	live.commit("pt_a", day(7), &referralv1.ReferralReceived{ReferralId: "ref1", ReceivingUnit: dps, ReceivedAt: ts(day(7)), AssessmentDue: "2026-03-20"})
	data, err := live.v.EncodePatient(live.v.Patients["pt_a"])
	if err != nil {
		t.Fatal(err)
	}
	restored := NewView()
	restored.In.Ref("something else first, so refs differ between processes")
	p, err := restored.LoadPatient(data)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&handoffsv1.GetPatientJourneyResponse{Entries: restored.Journey(p, all, 0)},
		&handoffsv1.GetPatientJourneyResponse{Entries: live.v.Journey(live.v.Patients["pt_a"], all, 0)}) {
		t.Fatal("restored journey differs")
	}
	ev := []proto.Message{&continuityv1.ContactRecorded{RelationshipId: "pt_a-r2", OccurredAt: ts(day(8))}}
	c := mkCommit(t, "pt_a", day(8), ev...)
	live.v.Apply(p.Folded, c, ev) // a redelivery: ignored on both
	restored.Apply(p.Folded, c, ev)
	live.v.Apply(p.Folded+1, c, ev)
	restored.Apply(p.Folded+1, c, ev)
	if !proto.Equal(live.v.Graph(Scope{}), restored.Graph(Scope{})) ||
		!proto.Equal(Continuity(live.v.Patients["pt_a"], Window{}, 0), Continuity(restored.Patients["pt_a"], Window{}, 0)) {
		t.Fatal("views differ after folding on")
	}
}
