package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// PlanHandoff names a successor for a relationship.
type PlanHandoff struct {
	HandoffID          string
	FromRelationshipID string
	ToProfessionalID   string
	ToRole             continuityv1.Role
	ToUnit             Unit
	ToSector           continuityv1.Sector // zero: the sector handed off from
	PlannedAt          time.Time
	Kind               continuityv1.HandoffKind
	JointMeeting       bool
	By                 access.Actor
}

// DecidePlanHandoff plans a handoff from an active relationship. One planned
// handoff per relationship at a time, so "who takes over" has one answer.
func DecidePlanHandoff(p Patient, cmd PlanHandoff) ([]proto.Message, error) {
	r, ok := p.Relationship(cmd.FromRelationshipID)
	if !ok {
		return nil, notFound("relationship")
	}
	if !r.Active() {
		return nil, errs.Precondition("a handoff is planned from an active relationship; this one has ended")
	}
	for _, h := range p.Handoffs {
		if h.FromRelationshipID == r.ID && !h.Completed() {
			return nil, errs.Precondition("a handoff from this relationship is already planned")
		}
	}
	if cmd.ToProfessionalID == r.ProfessionalID {
		return nil, errs.Invalid("to_professional_id", "must differ from the professional handing off")
	}
	sector := cmd.ToSector
	if sector == continuityv1.Sector_SECTOR_UNSPECIFIED {
		sector = r.Sector
	}
	return []proto.Message{&continuityv1.HandoffPlanned{
		HandoffId: cmd.HandoffID, PatientId: p.PatientID, FromRelationshipId: r.ID, FromProfessionalId: r.ProfessionalID,
		ToProfessionalId: cmd.ToProfessionalID, ToRole: cmd.ToRole, ToUnit: cmd.ToUnit.Ref(), ToSector: sector,
		PlannedAt: stamp(cmd.PlannedAt), Kind: cmd.Kind, JointMeeting: cmd.JointMeeting,
	}}, nil
}
