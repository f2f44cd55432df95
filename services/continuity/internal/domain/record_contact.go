package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// RecordContact is one visit within a relationship.
type RecordContact struct {
	RelationshipID string
	OccurredAt     time.Time
	Kind           continuityv1.ContactKind
	By             access.Actor
}

// DecideRecordContact records a contact. Contacts are what continuity is
// measured from, so one outside the relationship's lifetime is refused
// rather than counted for the wrong professional.
func DecideRecordContact(p Patient, cmd RecordContact) ([]proto.Message, error) {
	r, ok := p.Relationship(cmd.RelationshipID)
	if !ok {
		return nil, notFound("relationship")
	}
	if cmd.OccurredAt.Before(r.StartedAt) || (!r.Active() && cmd.OccurredAt.After(r.EndedAt)) {
		return nil, errs.Invalid("occurred_at", "must be within the relationship's start and end")
	}
	return []proto.Message{&continuityv1.ContactRecorded{
		RelationshipId: r.ID, PatientId: p.PatientID, ProfessionalId: r.ProfessionalID,
		OccurredAt: stamp(cmd.OccurredAt), Kind: cmd.Kind,
	}}, nil
}
