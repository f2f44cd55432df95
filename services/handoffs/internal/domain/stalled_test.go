package domain

import (
	"fmt"
	"testing"

	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// startPathway starts an active pathway at unit whose first attendance is
// due on due.
func (f *feed) startPathway(pid, unitHer string, due string) {
	u := dps
	if unitHer == bup.GetHerId() {
		u = bup
	}
	f.commit(pid, day(0), &pathwayv1.PathwayStarted{PathwayId: pid + "-pw", ReferralId: pid + "-ref", PatientId: pid, Unit: u, StartedAt: ts(day(0)),
		Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, TargetDate: due}}})
}

func TestStalledPathwaysListOnlyTargetsPassedAndUnreached(t *testing.T) {
	f := newFeed(t)
	f.startPathway("pt_late", "200", "2026-03-01")
	f.startPathway("pt_today", "200", "2026-03-12")
	f.startPathway("pt_soon", "200", "2026-03-20")
	f.startPathway("pt_reached", "200", "2026-03-01")
	f.commit("pt_reached", day(5), &pathwayv1.FirstAttendanceRecorded{PathwayId: "pt_reached-pw", AttendedAt: ts(day(5))})
	f.startPathway("pt_done", "200", "2026-03-01")
	f.commit("pt_done", day(6), &pathwayv1.PathwayCompleted{PathwayId: "pt_done-pw"})
	f.commit("pt_late", day(10), &pathwayv1.MilestoneOverdue{PathwayId: "pt_late-pw", Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE})

	got := f.v.StalledPathways(Scope{}, Day("2026-03-12"))
	if len(got) != 1 {
		t.Fatalf("stalled = %v, want only pt_late", got)
	}
	s := got[0]
	if s.GetPatientId() != "pt_late" || s.GetDaysOverdue() != 11 || !s.GetOverdueRecorded() || s.GetMilestone() != "MILESTONE_FIRST_ATTENDANCE" || s.GetDueDate() != "2026-03-01" {
		t.Errorf("stalled pathway = %v", s)
	}
	if n := len(f.v.StalledPathways(Scope{VisibleOrg: bup.GetOrgNumber()}, Day("2026-03-12"))); n != 0 {
		t.Errorf("another organisation sees %d stalled pathways at the DPS", n)
	}
}

func TestStalledCountsWithholdEveryFigureOfCellsUnderFivePatients(t *testing.T) {
	cases := []struct {
		name       string
		patients   int
		days       []int32 // days overdue of each patient's pathway, cycled
		suppressed bool
		count      int32
		median     int32
		longest    int32
	}{
		{name: "one patient", patients: 1, days: []int32{40}, suppressed: true},
		{name: "four patients", patients: 4, days: []int32{3, 9, 20, 41}, suppressed: true},
		{name: "five patients", patients: 5, days: []int32{3, 9, 20, 41, 60}, count: 5, median: 20, longest: 60},
		{name: "six patients, even median rounds half up", patients: 6, days: []int32{2, 4, 6, 9, 10, 30}, count: 6, median: 8, longest: 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var items []*handoffsv1.StalledPathway
			for i := range tc.patients {
				items = append(items, &handoffsv1.StalledPathway{PatientId: fmt.Sprintf("pt_%d", i), Unit: dps,
					Milestone: "MILESTONE_FIRST_ATTENDANCE", DaysOverdue: tc.days[i%len(tc.days)]})
			}
			got := CountStalled(items)
			if len(got) != 1 {
				t.Fatalf("cells = %d, want 1", len(got))
			}
			c := got[0]
			if c.GetSuppressed() != tc.suppressed {
				t.Fatalf("suppressed = %v, want %v", c.GetSuppressed(), tc.suppressed)
			}
			if tc.suppressed {
				if c.Patients != nil || c.MedianDaysOverdue != nil || c.MaxDaysOverdue != nil {
					t.Fatalf("a suppressed cell shows figures: %v", c)
				}
				return
			}
			if c.GetPatients() != tc.count || c.GetMedianDaysOverdue() != tc.median || c.GetMaxDaysOverdue() != tc.longest {
				t.Errorf("cell = %d patients, median %d, longest %d; want %d, %d, %d", c.GetPatients(), c.GetMedianDaysOverdue(), c.GetMaxDaysOverdue(), tc.count, tc.median, tc.longest)
			}
			if c.GetUnit().GetHerId() != dps.GetHerId() {
				t.Errorf("unit = %v", c.GetUnit())
			}
		})
	}
}

func TestStalledCountsCountPatientsNotPathways(t *testing.T) {
	// One patient with two stalled pathways at the unit is one patient: four
	// patients stay suppressed however many pathways they have.
	var items []*handoffsv1.StalledPathway
	for i := range 4 {
		for j := range 2 {
			items = append(items, &handoffsv1.StalledPathway{PatientId: fmt.Sprintf("pt_%d", i), PathwayId: fmt.Sprintf("pw_%d_%d", i, j),
				Unit: dps, Milestone: "MILESTONE_FIRST_ATTENDANCE", DaysOverdue: 10})
		}
	}
	if got := CountStalled(items); len(got) != 1 || !got[0].GetSuppressed() {
		t.Fatalf("eight pathways of four patients: %v", got)
	}
}
