package app

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// Caller is who asks: personnel or a service account of an organisation.
type Caller struct {
	Principal authn.Principal
}

// org is the caller's organisation when it may hold subscriptions at all:
// patients and the ops role (de-identified aggregates only) may not.
func (c Caller) org() (string, error) {
	p := c.Principal
	if p.OrgNumber == "" || p.IsPatient() || p.Role == authn.RoleOps || p.IsService() {
		return "", errs.Permission("subscriptions belong to an organisation's personnel or integration engine")
	}
	return p.OrgNumber, nil
}

func (c Caller) actor() *eventsv1.Actor {
	p := c.Principal
	return &eventsv1.Actor{ProfessionalId: p.ProfessionalID, OrgNumber: p.OrgNumber, Role: string(p.Role), Service: p.Service}
}

// Create makes a subscription for the caller's organisation and returns it
// in the requested state; the handshake that makes it active follows.
// Nothing is appended for a refused request.
func (a *App) Create(ctx context.Context, c Caller, r domain.Request) (domain.Subscription, error) {
	org, err := c.org()
	if err != nil {
		return domain.Subscription{}, err
	}
	now := a.Clock.Now()
	id := a.IDs.New(now)
	cmd, err := domain.Check(r, id, org, now, a.Policy)
	if err != nil {
		return domain.Subscription{}, err
	}
	if cmd.Channel.Type == subscriptionsv1.ChannelType_CHANNEL_TYPE_REST_HOOK {
		if err := a.checkHost(ctx, cmd.Channel.Endpoint); err != nil {
			return domain.Subscription{}, err
		}
	}
	// The secrets are in their store before the subscription exists, so
	// its first delivery finds them; a creation that fails takes them away.
	if len(cmd.Secrets) > 0 {
		if err := a.Secrets.Put(ctx, id, cmd.Secrets); err != nil {
			return domain.Subscription{}, errs.Unavailable("subscription secrets", err)
		}
	}
	res, err := a.runtime.Execute(ctx, id, decider.Meta{Actor: c.actor()}, func(s domain.Subscription) ([]proto.Message, error) {
		return domain.DecideCreate(s, cmd)
	})
	if err != nil {
		if len(cmd.Secrets) > 0 {
			if derr := a.Secrets.Delete(context.WithoutCancel(ctx), id); derr != nil {
				a.Logger.Error("headers of a failed subscription left behind", "subscription", id, "error", derr)
			}
		}
		return domain.Subscription{}, err
	}
	return res.State, nil
}

// checkHost resolves a rest-hook's host and refuses it if any address is
// one the suite must not call. Delivery checks again, at every connection.
func (a *App) checkHost(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return errs.Invalid(domain.FieldEndpoint, "is not a URL")
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = a.Resolver.LookupNetIP(lctx, "ip", host); err != nil {
			return errs.Invalid(domain.FieldEndpoint, "the host does not resolve")
		}
	}
	if err := domain.CheckAddresses(addrs, a.Policy); err != nil {
		return errs.Invalid(domain.FieldEndpoint, err.Error())
	}
	return nil
}

// Get returns a subscription its owner may see; to anyone else it does not exist.
func (a *App) Get(_ context.Context, c Caller, id string) (domain.Subscription, error) {
	org, err := c.org()
	if err != nil {
		return domain.Subscription{}, errs.NotFound("subscription")
	}
	s := a.Image.Get(id).State
	if !s.VisibleTo(org) {
		return domain.Subscription{}, errs.NotFound("subscription")
	}
	return s, nil
}

// Delete ends a subscription: nothing more is delivered, and its header
// secrets, outbox and delivery state are removed.
func (a *App) Delete(ctx context.Context, c Caller, id string) error {
	org, err := c.org()
	if err != nil {
		return errs.NotFound("subscription")
	}
	if _, err := a.runtime.Execute(ctx, id, decider.Meta{Actor: c.actor()}, func(s domain.Subscription) ([]proto.Message, error) {
		return domain.DecideDelete(s, org, a.Clock.Now())
	}); err != nil {
		return err
	}
	// The delivery of every process also cleans up when it sees the
	// deletion; doing it here too means the secrets are gone when the
	// caller is told the subscription is.
	if err := a.cleanUp(ctx, id); err != nil {
		a.Logger.Error("cleanup of a deleted subscription incomplete", "subscription", id, "error", err)
	}
	return nil
}

// StatusReport is what $status answers.
type StatusReport struct {
	Subscription     domain.Subscription
	Delivery         domain.Delivery
	EventsSinceStart uint64
}

// Status reports a subscription's status and how many events it has had.
func (a *App) Status(ctx context.Context, c Caller, id string) (StatusReport, error) {
	s, err := a.Get(ctx, c, id)
	if err != nil {
		return StatusReport{}, err
	}
	d, err := a.Deliveries.Get(ctx, id)
	if err != nil {
		return StatusReport{}, errs.Unavailable("delivery state", err)
	}
	last, err := a.Outbox.Last(ctx, id)
	if err != nil {
		return StatusReport{}, errs.Unavailable("outbox", err)
	}
	return StatusReport{Subscription: s, Delivery: d, EventsSinceStart: last.Entry.GetEventNumber()}, nil
}

// EventsQuery selects events of a subscription by number, both ends
// inclusive; zero leaves an end open.
type EventsQuery struct {
	Since, Until uint64
}

// maxEvents bounds one $events answer.
const maxEvents = 1000

// Events returns the subscription's past events that are still kept, so a
// subscriber that noticed a gap in events-since-subscription-start can
// fetch what it missed. Full-resource subscriptions get each Task as it was
// after its change, and each such disclosure is in the patient's access log.
func (a *App) Events(ctx context.Context, c Caller, id string, q EventsQuery) (Notification, error) {
	rep, err := a.Status(ctx, c, id)
	if err != nil {
		return Notification{}, err
	}
	if q.Until != 0 && q.Since > q.Until {
		return Notification{}, errs.Invalid("eventsSinceNumber", "is after eventsUntilNumber")
	}
	n := Notification{
		ID: a.IDs.New(a.Clock.Now()), Subscription: rep.Subscription, Status: rep.Delivery.Status,
		Kind: KindQueryEvent, EventsSinceStart: rep.EventsSinceStart, At: a.Clock.Now(),
	}
	var entries []*subscriptionsv1.OutboxEntry
	err = a.Outbox.Scan(ctx, id, func(st Stored) bool {
		e := st.Entry
		if e.GetType() != subscriptionsv1.NotificationType_NOTIFICATION_TYPE_EVENT || e.GetEventNumber() < q.Since {
			return true
		}
		if q.Until != 0 && e.GetEventNumber() > q.Until {
			return false
		}
		entries = append(entries, e)
		return len(entries) < maxEvents
	})
	if err != nil {
		return Notification{}, errs.Unavailable("outbox", err)
	}
	for _, e := range entries {
		ev, err := a.event(ctx, rep.Subscription, e, "Subscription/$events")
		if err != nil {
			return Notification{}, err
		}
		n.Events = append(n.Events, ev)
	}
	return n, nil
}

// event is one outbox entry as the subscriber sees it: with the Task as it
// was after the change for a full-resource subscription, access-logged.
func (a *App) event(ctx context.Context, s domain.Subscription, e *subscriptionsv1.OutboxEntry, operation string) (Event, error) {
	ev := Event{Number: e.GetEventNumber(), At: e.GetOccurredAt().AsTime(), ReferralID: e.GetReferralId()}
	if s.Channel.Content != subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_FULL_RESOURCE {
		return ev, nil
	}
	task, err := taskAt(ctx, a.Store, e.GetReferralId(), e.GetPathwayIds(), e.GetCommitSeq())
	if err != nil {
		return Event{}, errs.Unavailable("task", err)
	}
	if err := a.logDisclosure(ctx, s, task, operation); err != nil {
		return Event{}, err
	}
	ev.Task = &task
	return ev, nil
}

// logDisclosure writes the access-log entry for a Task that leaves with a
// notification: read by the subscribing organisation's service identity,
// on the ground that the organisation sent the referral or holds it (the
// only referrals a subscription is ever told about).
func (a *App) logDisclosure(ctx context.Context, s domain.Subscription, task fhirr4.TaskState, operation string) error {
	err := a.AccessLog.Record(ctx, subscriberActor(s), access.Read{
		PatientID: task.PatientID, Category: consentv1.Category_CATEGORY_REFERRAL, Service: "subscriptions",
		Operation: operation, Resource: "Task/" + task.ReferralID,
	}, access.Decision{Basis: consentv1.Basis_BASIS_RECORD_HOLDER})
	if err != nil {
		return errs.Unavailable("access log", err)
	}
	return nil
}

// subscriberActor is the subscribing organisation's service identity:
// deliveries act as it, whoever created the subscription and whether or
// not their token is still valid.
func subscriberActor(s domain.Subscription) access.Actor {
	return access.Actor{OrgNumber: s.Owner, Role: authn.RoleIntegration, Service: "subscription/" + s.ID}
}

// cleanUp removes what a deleted subscription leaves: its header secrets,
// outbox, delivery state and delivery consumer.
func (a *App) cleanUp(ctx context.Context, id string) error {
	return errors.Join(
		a.Secrets.Delete(ctx, id),
		a.Outbox.Purge(ctx, id),
		a.Deliveries.Delete(ctx, id),
		deliveryDurable(id, Retry{}, 0, a.Redelivery).Delete(ctx, a.JetStream),
	)
}
