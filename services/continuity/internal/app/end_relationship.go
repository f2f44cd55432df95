package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// EndRelationship is an ending as a caller submits it.
type EndRelationship struct {
	Caller         Caller
	RequestID      string
	RelationshipID string
	Reason         continuityv1.EndReason
	EndedAt        *time.Time
}

// EndRelationship ends a relationship and reports whether that left the
// patient without a named person in a key role. That loss is an event in
// the same commit and an alert in the log (pseudonymous ids only).
func (a *App) EndRelationship(ctx context.Context, in EndRelationship) (bool, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "relationship_id", in.RelationshipID, true)
	v.Check(enumOK(in.Reason, continuityv1.EndReason_name), "reason", "must be a known END_REASON_ value")
	at := instantOr(&v, "ended_at", in.EndedAt, a.clock.Now(), false)
	if err := v.Err(); err != nil {
		return false, err
	}
	patientID, err := a.relationshipPatient(ctx, in.Caller, in.RelationshipID)
	if err != nil {
		return false, err
	}
	cmd := domain.EndRelationship{RelationshipID: in.RelationshipID, Reason: in.Reason, EndedAt: at, By: domainActor(in.Caller)}
	var left bool
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		events, err := domain.DecideEndRelationship(p, cmd)
		left = false
		for _, e := range events {
			if _, ok := e.(*continuityv1.PatientLeftWithoutContact); ok {
				left = true
			}
		}
		return events, err
	})
	if err != nil {
		return false, err
	}
	if res.Appended && left {
		a.logger.WarnContext(ctx, "patient left without a named contact",
			"alert", "PatientLeftWithoutContact", "patient", patientID, "relationship", in.RelationshipID, "reason", in.Reason.String())
	}
	return left || (!res.Appended && res.State.WithoutContact), nil
}
