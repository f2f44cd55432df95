package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// CompleteHandoff is a completion as a caller submits it.
type CompleteHandoff struct {
	Caller        Caller
	RequestID     string
	HandoffID     string
	CompletedAt   *time.Time
	SummaryShared bool
}

// CompletedHandoff is the outcome: the successor's relationship and what
// kind of handoff it turned out to be.
type CompletedHandoff struct {
	RelationshipID string
	Kind           continuityv1.HandoffKind
}

// CompleteHandoff completes a handoff, starting the successor's relationship.
func (a *App) CompleteHandoff(ctx context.Context, in CompleteHandoff) (CompletedHandoff, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "handoff_id", in.HandoffID, true)
	at := instantOr(&v, "completed_at", in.CompletedAt, now, false)
	if err := v.Err(); err != nil {
		return CompletedHandoff{}, err
	}
	patientID, ok := a.index.handoff(in.HandoffID)
	if !ok {
		return CompletedHandoff{}, errs.NotFound("handoff")
	}
	if err := a.authorize(ctx, in.Caller, patientID, consentv1.Category_CATEGORY_RELATIONSHIPS, "handoff"); err != nil {
		return CompletedHandoff{}, err
	}
	// The summary goes to the successor: a planned successor who is health
	// personnel is cooperating personnel unless the patient objected (the
	// consent service folds HandoffPlanned), anyone else needs consent.
	var permitted bool
	if h, ok := a.image.Get(patientID).State.Handoff(in.HandoffID); ok && in.SummaryShared {
		var err error
		if _, permitted, err = a.mayRead(ctx, h.ToProfessionalID, patientID, consentv1.Category_CATEGORY_RELATIONSHIPS); err != nil {
			return CompletedHandoff{}, err
		}
	}
	cmd := domain.CompleteHandoff{
		HandoffID: in.HandoffID, NewRelationshipID: a.ids.New(now), CompletedAt: at,
		SummaryShared: in.SummaryShared, SummaryPermitted: permitted, By: domainActor(in.Caller),
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideCompleteHandoff(p, cmd)
	})
	if err != nil {
		return CompletedHandoff{}, err
	}
	h, _ := res.State.Handoff(in.HandoffID)
	return CompletedHandoff{RelationshipID: h.ToRelationshipID, Kind: h.CompletedKind}, nil
}
