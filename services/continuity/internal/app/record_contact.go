package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// RecordContact is one visit as a caller submits it.
type RecordContact struct {
	Caller         Caller
	RequestID      string
	RelationshipID string
	OccurredAt     *time.Time
	Kind           continuityv1.ContactKind
}

// RecordContact records a consultation, call or meeting.
func (a *App) RecordContact(ctx context.Context, in RecordContact) error {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "relationship_id", in.RelationshipID, true)
	v.Check(enumOK(in.Kind, continuityv1.ContactKind_name), "kind", "must be a known CONTACT_KIND_ value")
	at := instantOr(&v, "occurred_at", in.OccurredAt, a.clock.Now(), false)
	if err := v.Err(); err != nil {
		return err
	}
	patientID, err := a.relationshipPatient(ctx, in.Caller, in.RelationshipID)
	if err != nil {
		return err
	}
	cmd := domain.RecordContact{RelationshipID: in.RelationshipID, OccurredAt: at, Kind: in.Kind, By: domainActor(in.Caller)}
	_, err = a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideRecordContact(p, cmd)
	})
	return err
}
