package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// StartRelationship is a validated new relationship.
type StartRelationship struct {
	RelationshipID  string
	PatientID       string
	ProfessionalID  string
	Role            continuityv1.Role
	Unit            Unit
	Sector          continuityv1.Sector
	ChosenByPatient bool
	StartedAt       time.Time
	By              access.Actor
}

// DecideStartRelationship starts a relationship. The same professional in the
// same role twice at once is a mistake, not a second relationship. A new key
// relationship clears an earlier PatientLeftWithoutContact in the same commit.
func DecideStartRelationship(p Patient, cmd StartRelationship) ([]proto.Message, error) {
	for _, r := range p.Relationships {
		if r.Active() && r.ProfessionalID == cmd.ProfessionalID && r.Role == cmd.Role {
			return nil, errs.Precondition("the professional already has an active relationship with the patient in role %s", cmd.Role)
		}
	}
	chosen := cmd.ChosenByPatient || cmd.By.IsPatientSelf(cmd.PatientID)
	events := []proto.Message{&continuityv1.RelationshipStarted{
		RelationshipId: cmd.RelationshipID, PatientId: cmd.PatientID, ProfessionalId: cmd.ProfessionalID,
		Role: cmd.Role, Unit: cmd.Unit.Ref(), Sector: cmd.Sector, ChosenByPatient: chosen, StartedAt: stamp(cmd.StartedAt),
	}}
	return append(events, restored(p, cmd.PatientID, cmd.RelationshipID, cmd.Role, cmd.StartedAt)...), nil
}

// restored clears PatientLeftWithoutContact when a key relationship starts.
func restored(p Patient, patientID, relationshipID string, role continuityv1.Role, at time.Time) []proto.Message {
	if !p.WithoutContact || !IsKeyRole(role) {
		return nil
	}
	return []proto.Message{&continuityv1.PatientContactRestored{PatientId: patientID, RelationshipId: relationshipID, At: stamp(at)}}
}
