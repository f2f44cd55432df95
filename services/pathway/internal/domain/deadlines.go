package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// DecideDeadlines reports each milestone of an active pathway whose target
// date has passed (in Oslo) unreached and was not reported yet. Targets are
// guidance: the event leaves room for the cause the unit records and carries
// the postponement flag, and it is never a legal deadline breach. Safe to
// run as often as one likes: each target is reported once.
func DecideDeadlines(p Pathway, now time.Time, pol Policy) []proto.Message {
	if !p.Active() {
		return nil
	}
	today := pol.DateOf(now)
	var events []proto.Message
	for _, m := range milestoneOrder() {
		s := p.Milestone(m)
		if s.Target.IsZero() || !s.Actual.IsZero() || s.Reported == s.Target || !today.After(s.Target) {
			continue
		}
		events = append(events, &pathwayv1.MilestoneOverdue{
			PathwayId: p.ID, Milestone: m, TargetDate: s.Target.String(), Unit: p.Unit.Ref(),
			DetectedAt: timestamppb.New(now), PatientPostponed: p.TimingFlagged,
		})
	}
	return events
}
