package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// EndRelationship ends a relationship.
type EndRelationship struct {
	RelationshipID string
	Reason         continuityv1.EndReason
	EndedAt        time.Time
	By             access.Actor
}

// DecideEndRelationship ends an active relationship. When it was the
// patient's last active relationship in any key role and no handoff from it
// was completed, the patient has no named person left: PatientLeftWithoutContact
// goes into the same commit, once — not again while the patient is still
// without contact.
func DecideEndRelationship(p Patient, cmd EndRelationship) ([]proto.Message, error) {
	r, ok := p.Relationship(cmd.RelationshipID)
	if !ok {
		return nil, notFound("relationship")
	}
	if !r.Active() {
		return nil, errs.Precondition("the relationship has already ended")
	}
	if cmd.EndedAt.Before(r.StartedAt) {
		return nil, errs.Invalid("ended_at", "must not be before the relationship started")
	}
	events := []proto.Message{&continuityv1.RelationshipEnded{
		RelationshipId: r.ID, PatientId: p.PatientID, ProfessionalId: r.ProfessionalID,
		Reason: cmd.Reason, EndedAt: stamp(cmd.EndedAt), Role: r.Role,
	}}
	if IsKeyRole(r.Role) && p.ActiveKeyRelationships(r.ID) == 0 && !p.completedHandoffFrom(r.ID) && !p.WithoutContact {
		events = append(events, &continuityv1.PatientLeftWithoutContact{
			PatientId: p.PatientID, RelationshipId: r.ID, ProfessionalId: r.ProfessionalID, Role: r.Role,
			Unit: r.Unit.Ref(), Reason: cmd.Reason, At: stamp(cmd.EndedAt),
		})
	}
	return events, nil
}
