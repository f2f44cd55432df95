package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// processManagerActor is who starts pathways: the service itself.
func processManagerActor() access.Actor {
	return access.Actor{Service: "pathway-process-manager", Role: access.RoleService}
}

// RunProcessManager follows the referral context from the start of the
// stream and starts a pathway for every referral assessed with a right
// granted. It replays every referral event after a restart on purpose:
// starting is idempotent (a derived pathway id, an append that expects the
// subject to be empty, and a decision that is empty when the pathway
// exists), so replay costs time, never a second pathway, and no checkpoint
// can be lost between an append and its acknowledgement.
func (a *App) RunProcessManager(ctx context.Context, logger *slog.Logger) (*eventstore.Subscription, error) {
	return a.store.Subscribe(ctx, eventstore.SubscribeOptions{
		Name:    "pathway.process-manager",
		Filters: []string{eventstore.ContextFilter("referral")},
		Logger:  logger,
		// A parked record is skipped for good; the watermark moves past it
		// so nobody waits for it forever.
		OnParked: func(rec eventstore.Record, _ error) { a.processed.mark(rec.Seq) },
	}, a.HandleReferralRecord)
}

// assessedType is ReferralAssessed's stable event type name.
const assessedType = "stafett.referral.v1.ReferralAssessed"

// HandleReferralRecord handles one referral commit.
func (a *App) HandleReferralRecord(ctx context.Context, rec eventstore.Record) error {
	// The commit-type header names the events without decoding them: most
	// referral commits are receipts and deadlines, of no interest here.
	if types := rec.Header.Get(eventstore.HeaderCommitType); types != "" && !strings.Contains(types, assessedType) {
		a.processed.mark(rec.Seq)
		return nil
	}
	events, err := rec.Events()
	if err != nil {
		return err
	}
	for _, e := range events {
		assessed, ok := e.(*referralv1.ReferralAssessed)
		if !ok || assessed.GetRightGranted() == nil {
			continue
		}
		if err := a.startFromReferral(ctx, rec, assessed); err != nil {
			return err
		}
	}
	a.processed.mark(rec.Seq)
	return nil
}

func (a *App) startFromReferral(ctx context.Context, rec eventstore.Record, e *referralv1.ReferralAssessed) error {
	c := rec.Commit
	granted := e.GetRightGranted()
	cmd := domain.Start{
		PathwayID:         domain.PathwayIDForReferral(e.GetReferralId()),
		ReferralID:        e.GetReferralId(),
		PatientID:         e.GetPatientId(),
		Type:              granted.GetPathwayType(),
		Unit:              ids.UnitFromRef(e.GetReceivingUnit()),
		BirthDate:         parseDate(e.GetPatientBirthDate()),
		CareStartDeadline: parseDate(granted.GetCareStartDeadline()),
		At:                e.GetAssessedAt().AsTime(),
	}
	meta := a.meta(processManagerActor(), "", cmd.PatientID)
	// One story from the referral to its pathway: its id, and its receipt
	// as the pathway's origin.
	meta.CausationID = c.GetCommitId()
	meta.CorrelationID = e.GetReferralId()
	meta.Origin = rec.Origin()
	meta.MsgID = "pathway.start/" + cmd.PathwayID
	_, err := a.runtime.Execute(ctx, cmd.PathwayID, meta, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideStart(p, cmd, a.policy)
	})
	if err != nil {
		return fmt.Errorf("start pathway for referral commit %s: %w", c.GetCommitId(), err)
	}
	return nil
}

// WaitReferralsProcessed blocks until the process manager has handled the
// referral commit at stream sequence seq (or a later one), or ctx ends.
func (a *App) WaitReferralsProcessed(ctx context.Context, seq uint64) error {
	return a.processed.wait(ctx, seq)
}

// Image exposes the write model to the service's own tests and views.
func (a *App) Image() *decider.Image[domain.Pathway] { return a.image }

func parseDate(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
}
