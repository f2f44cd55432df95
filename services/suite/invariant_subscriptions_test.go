package suite_test

import (
	"strconv"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const subscriptionsAdminService = "/stafett.subscriptions.v1.SubscriptionAdminService/"

// The feed's poison queue: the subject its entries are published on.
const poisonTopic = "stafett.poison.subscriptions"

func operatorOf(org string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "ops:" + org, ChildOrgNumber: org, Role: authn.RoleOps, Scopes: []string{"subscriptions:read", "subscriptions:write"}}
}

// clinicianWithFeedScopes holds the admin scopes but not the ops role.
func clinicianWithFeedScopes(org string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "hpr:555", HPRNumber: "555", ChildOrgNumber: org, Role: authn.RoleAssessor, Scopes: []string{"subscriptions:read", "subscriptions:write"}}
}

// poisonEntry leaves an entry for the commit at seq on subject in the feed's
// poison queue, as the fan-out does with a commit it could not build, and
// returns the entry's name.
func poisonEntry(t *testing.T, js jetstream.JetStream, seq uint64, subject string) string {
	t.Helper()
	msg := nats.NewMsg(poisonTopic)
	msg.Header.Set(eventrouter.MetaStream, eventstore.StreamName)
	msg.Header.Set(eventrouter.MetaSeq, strconv.FormatUint(seq, 10))
	msg.Header.Set(eventrouter.MetaSubject, subject)
	msg.Header.Set(middleware.ReasonForPoisonedKey, "left by the invariant test")
	ack, err := js.PublishMsg(t.Context(), msg)
	if err != nil {
		t.Fatal(err)
	}
	return "poisonMessages/" + strconv.FormatUint(ack.Sequence, 10)
}

// subscriptionsInvariantRows are the invariant test's rows for the
// subscriptions service's operator RPCs.
func subscriptionsInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{
		subscriptionsAdminService + "ListPoisonMessages": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok: call{"an operator", operatorOf(dpsOrg), &subscriptionsv1.ListPoisonMessagesRequest{PageSize: 10}},
				refused: []call{
					{"a clinician", clinicianWithFeedScopes(dpsOrg), &subscriptionsv1.ListPoisonMessagesRequest{PageSize: 10}},
					{"a page token it never gave", operatorOf(dpsOrg), &subscriptionsv1.ListPoisonMessagesRequest{PageToken: "%%%"}},
				},
			}
		}},
		subscriptionsAdminService + "ReplayPoisonMessage": {operator: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			js, err := jetstream.New(env.Conn)
			if err != nil {
				t.Fatal(err)
			}
			receive(t, env, "setup")
			received, err := env.Suite.Store.Get(t.Context(), env.LastSeq(t.Context()))
			if err != nil {
				t.Fatal(err)
			}
			// A commit that could be built after all (a fixed bug).
			fixed := poisonEntry(t, js, received.Seq, received.Subject)
			// A commit that still cannot be built.
			const garbledSubject = "stafett.events.referral.referral.garbled"
			garbled, err := js.Publish(t.Context(), garbledSubject, []byte("not a commit"))
			if err != nil {
				t.Fatal(err)
			}
			stillPoison := poisonEntry(t, js, garbled.Sequence, garbledSubject)
			replay := func(name string) *subscriptionsv1.ReplayPoisonMessageRequest {
				return &subscriptionsv1.ReplayPoisonMessageRequest{Name: name}
			}
			return invariantCase{
				ok: call{"an operator", operatorOf(dpsOrg), replay(fixed)},
				refused: []call{
					{"a clinician", clinicianWithFeedScopes(dpsOrg), replay(fixed)},
					{"a name that is not poisonMessages/{id}", operatorOf(dpsOrg), replay("subscriptions/1")},
					{"an entry not in the queue", operatorOf(dpsOrg), replay("poisonMessages/999999")},
					{"a commit that still cannot be built", operatorOf(dpsOrg), replay(stillPoison)},
				},
			}
		}},
	}
}
