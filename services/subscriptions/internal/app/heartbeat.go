package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventstore"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

func (r *Running) heartbeats(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			if _, err := r.app.SendHeartbeats(r.ctx); err != nil && r.ctx.Err() == nil {
				r.app.Logger.Warn("heartbeats not queued", "error", err)
			}
		}
	}
}

// SendHeartbeats queues a heartbeat for every active subscription that
// asked for them and has been quiet for its period, and returns how many.
// A heartbeat carries the event count so far, so a subscriber learns of a
// gap even when nothing new happens. It goes through the outbox like any
// notification: it never overtakes one that is waiting.
func (a *App) SendHeartbeats(ctx context.Context) (int, error) {
	now := a.Clock.Now()
	queued := 0
	var errs []error
	for _, s := range a.live() {
		if s.Channel.Heartbeat == 0 {
			continue
		}
		st, err := a.Deliveries.Get(ctx, s.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.HeartbeatDue(now, s.Channel.Heartbeat) {
			continue
		}
		last, err := a.Outbox.Last(ctx, s.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if last.Seq > st.DeliveredThrough {
			continue // something is on its way already
		}
		msg, err := a.Messages.EntryMessage(&subscriptionsv1.OutboxEntry{
			NotificationId: NotificationID(s.ID, "heartbeat/"+strconv.FormatUint(last.Seq, 10)),
			SubscriptionId: s.ID,
			Type:           subscriptionsv1.NotificationType_NOTIFICATION_TYPE_HEARTBEAT,
			EventNumber:    last.Entry.GetEventNumber(),
			SourceSeq:      last.Entry.GetSourceSeq(),
			OccurredAt:     timestamppb.New(now),
		}, last.Seq)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := a.outbox.Publish(OutboxSubject(s.ID), msg); err != nil {
			// The fan-out queued an event in between: that one goes instead.
			if !eventstore.IsWrongLastSequence(err) {
				errs = append(errs, err)
			}
			continue
		}
		queued++
	}
	return queued, errors.Join(errs...)
}
