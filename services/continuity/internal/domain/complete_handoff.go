package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// CompleteHandoff records that the successor took over.
type CompleteHandoff struct {
	HandoffID         string
	NewRelationshipID string
	CompletedAt       time.Time
	SummaryShared     bool
	// SummaryPermitted is whether the successor may receive the summary:
	// health personnel as cooperating personnel unless the patient objected,
	// anyone else by consent. The application asks the consent service.
	SummaryPermitted bool
	By               access.Actor
}

// DecideCompleteHandoff completes a planned handoff and starts the
// successor's relationship in the same commit. A handoff planned warm counts
// as warm only if it was: an overlap (the relationship handed off is still
// active) or a joint meeting, and the summary shared.
func DecideCompleteHandoff(p Patient, cmd CompleteHandoff) ([]proto.Message, error) {
	h, ok := p.Handoff(cmd.HandoffID)
	if !ok {
		return nil, notFound("handoff")
	}
	if h.Completed() {
		return nil, errs.Precondition("the handoff is already completed")
	}
	if cmd.CompletedAt.Before(h.PlannedAt) {
		return nil, errs.Invalid("completed_at", "must not be before the handoff was planned")
	}
	if cmd.SummaryShared && !cmd.SummaryPermitted {
		return nil, condition(ReasonShareConsent,
			"the handoff summary cannot be shared with the successor: the patient has objected, or the successor is not health personnel and has no consent for CATEGORY_RELATIONSHIPS",
			map[string]string{"professional_id": h.ToProfessionalID, "category": "CATEGORY_RELATIONSHIPS"})
	}
	from, _ := p.Relationship(h.FromRelationshipID)
	overlap := from.Active() || !from.EndedAt.Before(cmd.CompletedAt)
	kind := continuityv1.HandoffKind_HANDOFF_KIND_COLD
	if h.Kind == continuityv1.HandoffKind_HANDOFF_KIND_WARM && cmd.SummaryShared && (overlap || h.JointMeeting) {
		kind = continuityv1.HandoffKind_HANDOFF_KIND_WARM
	}
	events := []proto.Message{
		&continuityv1.HandoffCompleted{
			HandoffId: h.ID, PatientId: p.PatientID, FromRelationshipId: h.FromRelationshipID,
			ToRelationshipId: cmd.NewRelationshipID, ToProfessionalId: h.ToProfessionalID,
			CompletedAt: stamp(cmd.CompletedAt), SummaryShared: cmd.SummaryShared, Kind: kind,
		},
		&continuityv1.RelationshipStarted{
			RelationshipId: cmd.NewRelationshipID, PatientId: p.PatientID, ProfessionalId: h.ToProfessionalID,
			Role: h.ToRole, Unit: h.ToUnit.Ref(), Sector: h.ToSector, StartedAt: stamp(cmd.CompletedAt), FromHandoffId: h.ID,
		},
	}
	return append(events, restored(p, p.PatientID, cmd.NewRelationshipID, h.ToRole, cmd.CompletedAt)...), nil
}
