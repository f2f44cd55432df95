package suite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/handoffs/workloadtest"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// stallPathways starts n pathways at unit whose first attendance was due
// daysAgo days before the suite's clock, numbering patients from first.
func stallPathways(t *testing.T, w *workloadtest.Writer, now time.Time, unit *eventsv1.UnitRef, first, n, daysAgo int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		pid, pw := workloadtest.PatientID(i), fmt.Sprintf("stalled-pw-%d", i)
		start := now.AddDate(0, 0, -daysAgo-10)
		if _, err := w.Commit(t.Context(), "pathway", "pathway", pw, pid, start, &pathwayv1.PathwayStarted{
			PathwayId: pw, ReferralId: fmt.Sprintf("stalled-ref-%d", i), PatientId: pid, Unit: unit, StartedAt: timestamppb.New(start),
			Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, TargetDate: now.AddDate(0, 0, -daysAgo-(i-first)).Format(time.DateOnly)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpsSeeStalledPathwaysOnlyAsCountsAndAgesOfFiveOrMorePatients(t *testing.T) {
	env := suitetest.Start(t)
	w := workloadtest.NewWriter(env.Suite.Store)
	now := env.Clock.Now()
	stallPathways(t, w, now, workloadtest.BUP, 0, 6, 10) // 10..15 days overdue
	stallPathways(t, w, now, workloadtest.DPS, 100, 2, 30)

	h := handoffsClient(env)
	got, err := h.ListStalledPathways(env.As(t.Context(), opsUser()), &handoffsv1.ListStalledPathwaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if js := protojson.Format(got); strings.Contains(js, "pt_") || len(got.GetPathways()) != 0 {
		t.Fatalf("an ops answer names a patient: %s", js)
	}
	cells := map[string]*handoffsv1.StalledCount{}
	for _, c := range got.GetCounts() {
		checkCell(t, c.Patients, c.GetSuppressed())
		cells[c.GetUnit().GetHerId()] = c
	}
	bup, dps := cells[workloadtest.BUP.GetHerId()], cells[workloadtest.DPS.GetHerId()]
	if bup.GetPatients() != 6 || bup.GetMaxDaysOverdue() != 15 || bup.GetMedianDaysOverdue() != 13 || bup.GetSuppressed() {
		t.Errorf("BUP cell = %v", bup)
	}
	if !dps.GetSuppressed() || dps.MaxDaysOverdue != nil || dps.MedianDaysOverdue != nil {
		t.Errorf("DPS cell of two patients = %v", dps)
	}
}

func TestAFrontlineProfessionalSeesStalledPathwaysOfTheirOwnUnitOnly(t *testing.T) {
	env := suitetest.Start(t)
	w := workloadtest.NewWriter(env.Suite.Store)
	now := env.Clock.Now()
	stallPathways(t, w, now, workloadtest.BUP, 0, 6, 10)
	stallPathways(t, w, now, workloadtest.DPS, 100, 2, 30)

	got, err := handoffsClient(env).ListStalledPathways(env.As(t.Context(), dpsClinician()), &handoffsv1.ListStalledPathwaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetCounts()) != 0 || len(got.GetPathways()) != 2 {
		t.Fatalf("the DPS sees %v", got)
	}
	for _, p := range got.GetPathways() {
		if p.GetUnit().GetHerId() != workloadtest.DPS.GetHerId() || p.GetDaysOverdue() < 30 {
			t.Errorf("stalled pathway = %v", p)
		}
	}
	// Most overdue first.
	if got.GetPathways()[0].GetDaysOverdue() < got.GetPathways()[1].GetDaysOverdue() {
		t.Errorf("not most overdue first: %v", got.GetPathways())
	}
}
