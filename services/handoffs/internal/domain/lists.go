package domain

import (
	"cmp"
	"slices"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// WithoutContact lists the patients currently left with no named person at
// a unit the scope shows, oldest first. Patient-level: callers filter it by
// access before it leaves the service.
func (v *View) WithoutContact(s Scope) []*handoffsv1.PatientWithoutContact {
	var out []*handoffsv1.PatientWithoutContact
	for pid, p := range v.Patients {
		a := p.Alone
		if a == nil || !s.shows(ParseUnitKey(v.In.Str(a.Unit))) {
			continue
		}
		out = append(out, &handoffsv1.PatientWithoutContact{
			PatientId: pid, RelationshipId: p.RecStr(a.Rel), ProfessionalId: v.In.Str(a.Prof),
			Role: RoleName(a.Role), Unit: v.UnitRef(a.Unit), Reason: enumName(continuityv1.EndReason_name, int32(a.Reason)),
			Since: timestamp(a.At),
		})
	}
	slices.SortFunc(out, func(a, b *handoffsv1.PatientWithoutContact) int {
		return cmp.Or(a.GetSince().AsTime().Compare(b.GetSince().AsTime()), cmp.Compare(a.GetPatientId(), b.GetPatientId()))
	})
	return out
}

// DeadlineRisks lists referrals and pathways at units the scope shows whose
// dates fall within withinDays of today (days since the epoch) or have
// passed, soonest first. Patient-level, like WithoutContact.
func (v *View) DeadlineRisks(s Scope, today int32, withinDays int32) []*handoffsv1.DeadlineRisk {
	var out []*handoffsv1.DeadlineRisk
	add := func(r *handoffsv1.DeadlineRisk, due int32) {
		r.DueDate, r.DaysLeft = DayString(due), due-today
		out = append(out, r)
	}
	for pid, p := range v.Patients {
		for _, r := range p.Referrals {
			if r.Withdrawn || !s.shows(ParseUnitKey(v.In.Str(r.Unit))) {
				continue
			}
			if r.Open && r.AssessmentDue != 0 && r.AssessmentDue-today <= withinDays {
				add(&handoffsv1.DeadlineRisk{Kind: handoffsv1.RiskKind_RISK_KIND_ASSESSMENT, PatientId: pid, ReferralId: p.RecStr(r.ID),
					Unit: v.UnitRef(r.Unit), Breached: r.AssessBreached}, r.AssessmentDue)
			}
			if r.Granted && !r.FirstAppt && r.CareStart != 0 && r.CareStart-today <= withinDays {
				add(&handoffsv1.DeadlineRisk{Kind: handoffsv1.RiskKind_RISK_KIND_CARE_START, PatientId: pid, ReferralId: p.RecStr(r.ID),
					Unit: v.UnitRef(r.Unit), Breached: r.CareStartBreach}, r.CareStart)
			}
		}
		for _, pw := range p.Pathways {
			if !pw.Active || !s.shows(ParseUnitKey(v.In.Str(pw.Unit))) {
				continue
			}
			for _, t := range pw.Targets {
				if t.Reached || t.Due == 0 || t.Due-today > withinDays {
					continue
				}
				add(&handoffsv1.DeadlineRisk{Kind: handoffsv1.RiskKind_RISK_KIND_MILESTONE, PatientId: pid, ReferralId: p.RecStr(pw.Referral),
					PathwayId: p.RecStr(pw.ID), Unit: v.UnitRef(pw.Unit), Breached: t.Overdue,
					Milestone: enumName(pathwayv1.Milestone_name, int32(t.Milestone))}, t.Due)
			}
		}
	}
	slices.SortFunc(out, func(a, b *handoffsv1.DeadlineRisk) int {
		return cmp.Or(cmp.Compare(a.GetDaysLeft(), b.GetDaysLeft()), cmp.Compare(a.GetPatientId(), b.GetPatientId()),
			cmp.Compare(a.GetKind(), b.GetKind()), cmp.Compare(a.GetReferralId(), b.GetReferralId()),
			cmp.Compare(a.GetPathwayId(), b.GetPathwayId()), cmp.Compare(a.GetMilestone(), b.GetMilestone()))
	})
	return out
}

// CountByUnit de-identifies a patient-level list for ops: distinct patients
// per unit and label, each count under MinCell withheld and marked.
func CountByUnit[T interface{ GetPatientId() string }](items []T, unit func(T) string, label func(T) string) []*handoffsv1.UnitCount {
	type key struct{ unit, label string }
	sets := map[key]map[string]struct{}{}
	for _, it := range items {
		k := key{unit(it), label(it)}
		if sets[k] == nil {
			sets[k] = map[string]struct{}{}
		}
		sets[k][it.GetPatientId()] = struct{}{}
	}
	out := make([]*handoffsv1.UnitCount, 0, len(sets))
	for k, set := range sets {
		u := ParseUnitKey(k.unit)
		c := &handoffsv1.UnitCount{Role: k.label}
		if k.unit != "" {
			c.Unit = unitRef(u)
		}
		if len(set) < MinCell {
			c.Suppressed = true
		} else {
			c.Patients = i32(len(set))
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *handoffsv1.UnitCount) int {
		return cmp.Or(cmp.Compare(UnitKey(a.GetUnit()), UnitKey(b.GetUnit())), cmp.Compare(a.GetRole(), b.GetRole()))
	})
	return out
}
