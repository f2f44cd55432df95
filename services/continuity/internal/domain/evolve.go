package domain

import (
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/fold"
	"github.com/stafett/stafett/pkg/ids"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Evolve applies one event. It copies what it changes (slices.Clip before
// append, slices.Clone before replacing an element, maps.Clone before a
// write, a new Plan value before changing the plan) so earlier states held by
// readers never move under them.
func Evolve(p Patient, event proto.Message, c *eventsv1.Commit) Patient {
	if p.PatientID == "" {
		p.PatientID = c.GetPatientId()
	}
	switch e := event.(type) {
	case *continuityv1.RelationshipStarted:
		p.Relationships = append(slices.Clip(p.Relationships), Relationship{
			ID: e.GetRelationshipId(), ProfessionalID: e.GetProfessionalId(), Role: e.GetRole(),
			Unit: ids.UnitFromRef(e.GetUnit()), Sector: e.GetSector(), ChosenByPatient: e.GetChosenByPatient(),
			StartedAt: fold.Instant(e.GetStartedAt()), FromHandoffID: e.GetFromHandoffId(),
		})
		p = remember(p, c, e.GetRelationshipId())
	case *continuityv1.ContactRecorded:
		p.Relationships = fold.Update(p.Relationships, func(r Relationship) bool { return r.ID == e.GetRelationshipId() },
			func(r Relationship) Relationship {
				r.Contacts++
				if at := fold.Instant(e.GetOccurredAt()); at.After(r.LastContactAt) {
					r.LastContactAt = at
				}
				return r
			})
	case *continuityv1.RelationshipEnded:
		p.Relationships = fold.Update(p.Relationships, func(r Relationship) bool { return r.ID == e.GetRelationshipId() },
			func(r Relationship) Relationship {
				r.EndedAt, r.EndReason = fold.Instant(e.GetEndedAt()), e.GetReason()
				return r
			})
	case *continuityv1.HandoffPlanned:
		p.Handoffs = append(slices.Clip(p.Handoffs), Handoff{
			ID: e.GetHandoffId(), FromRelationshipID: e.GetFromRelationshipId(), ToProfessionalID: e.GetToProfessionalId(),
			ToRole: e.GetToRole(), ToUnit: ids.UnitFromRef(e.GetToUnit()), ToSector: e.GetToSector(),
			PlannedAt: fold.Instant(e.GetPlannedAt()), Kind: e.GetKind(), JointMeeting: e.GetJointMeeting(),
		})
		p = remember(p, c, e.GetHandoffId())
	case *continuityv1.HandoffCompleted:
		p.Handoffs = fold.Update(p.Handoffs, func(h Handoff) bool { return h.ID == e.GetHandoffId() },
			func(h Handoff) Handoff {
				h.CompletedAt, h.SummaryShared = fold.Instant(e.GetCompletedAt()), e.GetSummaryShared()
				h.CompletedKind, h.ToRelationshipID = e.GetKind(), e.GetToRelationshipId()
				return h
			})
	case *continuityv1.PatientLeftWithoutContact:
		p.WithoutContact = true
	case *continuityv1.PatientContactRestored:
		p.WithoutContact = false
	case *continuityv1.ContinuityPreferenceRecorded:
		p.Preference = &Preference{
			KeepProfessionalID: e.GetKeepProfessionalId(), Closeness: e.GetCloseness(),
			ContactAfterEnd: e.GetContactAfterEnd(), ContactAfterEndProfessionalID: e.GetContactAfterEndProfessionalId(),
			ChosenByPatient: e.GetChosenByPatient(), RecordedAt: fold.Instant(e.GetRecordedAt()),
		}
	case *continuityv1.IndividualPlanCreated:
		p.Plan = &Plan{
			ID: e.GetPlanId(), CreatedAt: fold.Instant(e.GetCreatedAt()), ConsentRecordedBy: e.GetConsentRecordedBy(),
			PeriodFrom: fold.Date(e.GetPeriodFrom()), PeriodTo: fold.Date(e.GetPeriodTo()),
		}
		p = remember(p, c, e.GetPlanId())
	case *continuityv1.CoordinatorAppointed:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			pl.CoordinatorID, pl.CoordinatorChosenByPatient = e.GetProfessionalId(), e.GetChosenByPatient()
		})
	case *continuityv1.PlanningGroupMemberAdded:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			pl.Members = append(slices.Clip(pl.Members), Member{
				ProfessionalID: e.GetProfessionalId(), Role: e.GetRole(), ChosenByPatient: e.GetChosenByPatient(),
				ConsentID: e.GetConsentId(), AddedAt: fold.Instant(e.GetAddedAt()),
			})
		})
		p = remember(p, c, e.GetConsentId())
	case *continuityv1.PlanningGroupMemberRemoved:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			pl.Members = slices.DeleteFunc(slices.Clone(pl.Members), func(m Member) bool { return m.ProfessionalID == e.GetProfessionalId() })
		})
		// A retried removal must still withdraw the membership's consent.
		p = remember(p, c, e.GetConsentId())
	case *continuityv1.PlanGoalSet:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			g := Goal{ID: e.GetGoalId(), Text: e.GetText(), SetAt: fold.Instant(e.GetSetAt())}
			if slices.ContainsFunc(pl.Goals, func(x Goal) bool { return x.ID == g.ID }) {
				pl.Goals = fold.Update(pl.Goals, func(x Goal) bool { return x.ID == g.ID }, func(Goal) Goal { return g })
			} else {
				pl.Goals = append(slices.Clip(pl.Goals), g)
			}
		})
		p = remember(p, c, e.GetGoalId())
	case *continuityv1.PlanServiceAssigned:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			s := PlanService{
				ID: e.GetServiceId(), Description: e.GetDescription(), ResponsibleProfessionalID: e.GetResponsibleProfessionalId(),
				ResponsibleUnit: ids.UnitFromRef(e.GetResponsibleUnit()), From: fold.Date(e.GetFromDate()), To: fold.Date(e.GetToDate()),
			}
			if slices.ContainsFunc(pl.Services, func(x PlanService) bool { return x.ID == s.ID }) {
				pl.Services = fold.Update(pl.Services, func(x PlanService) bool { return x.ID == s.ID }, func(PlanService) PlanService { return s })
			} else {
				pl.Services = append(slices.Clip(pl.Services), s)
			}
		})
		p = remember(p, c, e.GetServiceId())
	case *continuityv1.MeetingPreferenceSet:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) { pl.MeetingPreference = e.GetPreference() })
	case *continuityv1.PlanReviewed:
		p = withPlan(p, e.GetPlanId(), func(pl *Plan) {
			r := Review{
				ReviewedOn: fold.Date(e.GetReviewedOn()), Summary: e.GetSummary(), PatientTookPart: e.GetPatientTookPart(),
				NextReviewOn: fold.Date(e.GetNextReviewOn()), ReviewedBy: e.GetReviewedBy(),
			}
			pl.Reviews = append(slices.Clip(pl.Reviews), r)
			pl.NextReviewOn = r.NextReviewOn
		})
	}
	return p
}

// withPlan changes a copy of the plan with id planID; the plan the previous
// state points to is untouched.
func withPlan(p Patient, planID string, change func(*Plan)) Patient {
	if p.Plan == nil || p.Plan.ID != planID {
		return p
	}
	pl := *p.Plan
	change(&pl)
	p.Plan = &pl
	return p
}

// remember records the id a request produced under the commit's idempotency key.
func remember(p Patient, c *eventsv1.Commit, id string) Patient {
	key := c.GetIdempotencyKey()
	if key == "" || id == "" {
		return p
	}
	m := maps.Clone(p.Results)
	if m == nil {
		m = map[string]string{}
	}
	m[key] = id
	p.Results = m
	return p
}

func stamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func dateString(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
