package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// processManagerActor is who starts pathways: the service itself.
func processManagerActor() access.Actor {
	return access.Actor{Service: "pathway-process-manager", Role: access.RoleService}
}

// ProcessManagerConsumer is the process manager's durable consumer.
const ProcessManagerConsumer = "pathway-process-manager"

// ProcessManagerOptions configure the process manager's router.
type ProcessManagerOptions struct {
	// JetStream holds the durable consumer.
	JetStream jetstream.JetStream
	Logger    *slog.Logger
	// Consumer names the durable consumer; default ProcessManagerConsumer.
	// Processes with the same name share the work and the checkpoint.
	Consumer string
	// Redelivery is the pause before a referral commit that could not be
	// handled (the store was unavailable, say) comes back; default 1 second
	// doubling to 5 minutes.
	Redelivery eventrouter.Backoff
	// Tracer and Propagator, if set, join each handling to the commit's trace.
	Tracer     trace.Tracer
	Propagator eventstore.Propagator
}

// ProcessManager is the running process manager.
type ProcessManager struct {
	run    *eventrouter.Running
	parked atomic.Int64
}

// Stop ends the process manager and waits for the commit in hand.
func (pm *ProcessManager) Stop() { pm.run.Stop() }

// Parked counts referral commits skipped because nothing could be decoded
// from them.
func (pm *ProcessManager) Parked() int64 { return pm.parked.Load() }

// RunProcessManager starts a pathway for every referral assessed with a
// right granted. It is a watermill router over its own durable consumer of
// the referral context, so a failing feed elsewhere never delays pathways,
// and a restart resumes after the last commit it acknowledged instead of
// replaying every referral. JetStream delivers at least once, and another
// process may share the consumer; starting stays exactly-once per referral
// all the same, because it is idempotent: a derived pathway id, an append
// that expects the subject to be empty, and a decision that is empty when
// the pathway exists.
func (a *App) RunProcessManager(ctx context.Context, opts ProcessManagerOptions) (*ProcessManager, error) {
	if opts.JetStream == nil {
		return nil, errors.New("pathway: the process manager needs JetStream")
	}
	if opts.Consumer == "" {
		opts.Consumer = ProcessManagerConsumer
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	durable := eventrouter.Durable{
		Name:        opts.Consumer,
		Description: "Pathway process manager: starts a pathway per referral granted a right",
		Filters:     []string{eventstore.ContextFilter("referral")},
		Redelivery:  opts.Redelivery,
	}
	cons, err := durable.Ensure(ctx, opts.JetStream)
	if err != nil {
		return nil, err
	}
	// Everything up to the consumer's acknowledgement floor was handled by
	// an earlier process: that is where this one's watermark starts.
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("pathway: process manager checkpoint: %w", err)
	}
	a.processed.mark(info.AckFloor.Stream)
	a.processed.follow(func(ctx context.Context) (uint64, error) {
		info, err := cons.Info(ctx)
		if err != nil {
			return 0, err
		}
		return info.AckFloor.Stream, nil
	})

	wlog := eventrouter.Logger(opts.Logger)
	sub, err := eventrouter.NewSubscriber(opts.JetStream, durable, wlog)
	if err != nil {
		return nil, err
	}
	router, err := eventrouter.NewRouter(wlog, 0)
	if err != nil {
		return nil, err
	}
	pm := &ProcessManager{}
	router.AddMiddleware(middleware.Recoverer)
	if opts.Tracer != nil {
		router.AddMiddleware(eventrouter.Trace(opts.Tracer, opts.Propagator, "pathway.process-manager"))
	}
	router.AddConsumerHandler("pathway.process-manager", durable.Name, sub, func(msg *message.Message) error {
		err := a.handleReferralMessage(msg)
		if errors.Is(err, eventstore.ErrUndecodable) {
			// Nothing can ever be decoded from it: park it (logged with
			// its place only, counted, acknowledged) rather than block.
			pm.parked.Add(1)
			opts.Logger.Error("referral commit parked by the process manager",
				"seq", eventrouter.Seq(msg), "subject", msg.Metadata.Get(eventrouter.MetaSubject), "error", err)
			a.processed.mark(eventrouter.Seq(msg))
			return nil
		}
		// Anything else is the store or the network: the commit comes back
		// after a backoff, for as long as it takes. A granted referral is
		// never skipped.
		return err
	})
	if pm.run, err = eventrouter.Start(ctx, router); err != nil {
		return nil, fmt.Errorf("pathway: process manager: %w", err)
	}
	return pm, nil
}

func (a *App) handleReferralMessage(msg *message.Message) error {
	rec, err := eventrouter.Record(msg)
	if err != nil {
		return err
	}
	return a.HandleReferralRecord(msg.Context(), rec)
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
		return fmt.Errorf("%w: %w", eventstore.ErrUndecodable, err)
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

// WaitReferralsProcessed blocks until the referral commit at stream
// sequence seq (or a later one) has been handled — by this process, or by
// any process sharing the durable consumer — or ctx ends.
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

// ackFloorRecheck bounds how long a waiter goes without asking the consumer
// for its acknowledgement floor; see watermark.follow.
const ackFloorRecheck = 50 * time.Millisecond
