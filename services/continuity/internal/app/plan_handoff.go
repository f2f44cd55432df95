package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// PlanHandoff is a planned handoff as a caller submits it.
type PlanHandoff struct {
	Caller             Caller
	RequestID          string
	FromRelationshipID string
	ToProfessionalID   string
	ToRole             continuityv1.Role
	ToUnit             domain.Unit
	ToSector           continuityv1.Sector
	PlannedAt          *time.Time
	Kind               continuityv1.HandoffKind
	JointMeeting       bool
}

// PlanHandoff plans a handoff and returns its id.
func (a *App) PlanHandoff(ctx context.Context, in PlanHandoff) (string, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "from_relationship_id", in.FromRelationshipID, true)
	validateProfessional(&v, "to_professional_id", in.ToProfessionalID, true)
	v.Check(enumOK(in.ToRole, continuityv1.Role_name), "to_role", "must be a known ROLE_ value")
	validateUnit(&v, "to_unit", in.ToUnit, true)
	v.Check(in.ToSector == 0 || enumOK(in.ToSector, continuityv1.Sector_name), "to_sector", "must be a known SECTOR_ value")
	v.Check(enumOK(in.Kind, continuityv1.HandoffKind_name), "kind", "must be HANDOFF_KIND_WARM or HANDOFF_KIND_COLD")
	// A handoff is usually planned ahead: planned_at may be in the future.
	plannedAt := instantOr(&v, "planned_at", in.PlannedAt, now, true)
	if err := v.Err(); err != nil {
		return "", err
	}
	patientID, err := a.relationshipPatient(ctx, in.Caller, in.FromRelationshipID)
	if err != nil {
		return "", err
	}
	cmd := domain.PlanHandoff{
		HandoffID: a.ids.New(now), FromRelationshipID: in.FromRelationshipID, ToProfessionalID: in.ToProfessionalID,
		ToRole: in.ToRole, ToUnit: in.ToUnit, ToSector: in.ToSector, PlannedAt: plannedAt, Kind: in.Kind,
		JointMeeting: in.JointMeeting, By: domainActor(in.Caller),
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecidePlanHandoff(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}
