package domain

import (
	"cmp"
	"math"
	"slices"

	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// StalledPathways lists each milestone of an active pathway at a unit the
// scope shows whose target date lies before today (days since the epoch)
// and is not reached, most overdue first. Patient-level: callers filter it
// by access before it leaves the service.
func (v *View) StalledPathways(s Scope, today int32) []*handoffsv1.StalledPathway {
	var out []*handoffsv1.StalledPathway
	for pid, p := range v.Patients {
		for _, pw := range p.Pathways {
			if !pw.Active || !s.shows(ParseUnitKey(v.In.Str(pw.Unit))) {
				continue
			}
			for _, t := range pw.Targets {
				if t.Reached || t.Due == 0 || t.Due >= today {
					continue
				}
				out = append(out, &handoffsv1.StalledPathway{
					PatientId: pid, PathwayId: p.RecStr(pw.ID), ReferralId: p.RecStr(pw.Referral), Unit: v.UnitRef(pw.Unit),
					Milestone: enumName(pathwayv1.Milestone_name, int32(t.Milestone)), DueDate: DayString(t.Due),
					DaysOverdue: today - t.Due, OverdueRecorded: t.Overdue,
				})
			}
		}
	}
	slices.SortFunc(out, func(a, b *handoffsv1.StalledPathway) int {
		return cmp.Or(cmp.Compare(b.GetDaysOverdue(), a.GetDaysOverdue()), cmp.Compare(a.GetPatientId(), b.GetPatientId()),
			cmp.Compare(a.GetPathwayId(), b.GetPathwayId()), cmp.Compare(a.GetMilestone(), b.GetMilestone()))
	})
	return out
}

// CountStalled de-identifies stalled pathways for ops: per unit and
// milestone the distinct patients and how long their pathways are overdue
// (median and longest). A cell of fewer than MinCell patients shows none of
// its figures — an age would single out as surely as a count.
func CountStalled(items []*handoffsv1.StalledPathway) []*handoffsv1.StalledCount {
	type key struct{ unit, milestone string }
	type cell struct {
		patients map[string]struct{}
		days     []float64
	}
	cells := map[key]*cell{}
	for _, it := range items {
		k := key{UnitKey(it.GetUnit()), it.GetMilestone()}
		c := cells[k]
		if c == nil {
			c = &cell{patients: map[string]struct{}{}}
			cells[k] = c
		}
		c.patients[it.GetPatientId()] = struct{}{}
		c.days = append(c.days, float64(it.GetDaysOverdue()))
	}
	out := make([]*handoffsv1.StalledCount, 0, len(cells))
	for k, c := range cells {
		sc := &handoffsv1.StalledCount{Milestone: k.milestone}
		if k.unit != "" {
			sc.Unit = unitRef(ParseUnitKey(k.unit))
		}
		if len(c.patients) < MinCell {
			sc.Suppressed = true
		} else {
			sc.Patients = i32(len(c.patients))
			sc.MedianDaysOverdue = i32(int(math.Round(median(c.days))))
			sc.MaxDaysOverdue = i32(int(slices.Max(c.days)))
		}
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b *handoffsv1.StalledCount) int {
		return cmp.Or(cmp.Compare(UnitKey(a.GetUnit()), UnitKey(b.GetUnit())), cmp.Compare(a.GetMilestone(), b.GetMilestone()))
	})
	return out
}
