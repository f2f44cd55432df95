package subscriptions_test

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

// amqpURL is the RabbitMQ the AMQP tests use (.ci/run starts one and sets
// it). Without it they are skipped locally and fail in CI, where they must run.
func amqpURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("STAFETT_TEST_AMQP_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the AMQP tests: STAFETT_TEST_AMQP_URL is not set")
		}
		t.Skip("set STAFETT_TEST_AMQP_URL (e.g. amqp://guest:guest@127.0.0.1:5672/) to run against RabbitMQ")
	}
	return u
}

// subscribeOn posts a subscription on a suite-named channel and returns its
// id and the endpoint the suite chose.
func (e *env) subscribeOn(channel string, content string) (string, string) {
	e.t.Helper()
	code, body := e.call(http.MethodPost, "Subscription", e.token(dpsOrg, time.Hour),
		subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Channel: channel, Content: content}.JSON())
	if code != http.StatusCreated {
		e.t.Fatalf("%d %s", code, body)
	}
	var res struct {
		ID      string `json:"id"`
		Channel struct {
			Endpoint string `json:"endpoint"`
		} `json:"channel"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		e.t.Fatal(err)
	}
	return res.ID, res.Channel.Endpoint
}

func TestAnAMQPSubscriberFindsEachNotificationInItsDurableQueueInOrder(t *testing.T) {
	url := amqpURL(t)
	e := newEnvWith(t, func(e *env) { e.amqpURL = url })
	id, endpoint := e.subscribeOn("amqp", "full-resource")
	queue := "stafett.notifications." + id
	if endpoint != "amqp:"+queue {
		t.Fatalf("endpoint %q", endpoint)
	}
	if err := e.service().WaitStatus(t.Context(), id, "active"); err != nil {
		t.Fatal(err)
	}
	e.receive("ref-1", dpsHer, dpsOrg)
	e.assess("ref-1")
	if err := e.service().WaitDelivered(t.Context(), id); err != nil {
		t.Fatal(err)
	}

	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = ch.QueueDelete(queue, false, false, false)
		ch.Close()
	})
	deliveries, err := ch.ConsumeWithContext(t.Context(), queue, "test", false, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []subscriptionstest.Notification
	ids := map[string]bool{}
	for len(got) < 3 {
		d := <-deliveries
		if d.ContentType != "application/fhir+json" || d.MessageId == "" || ids[d.MessageId] {
			t.Fatalf("delivery %q %q", d.ContentType, d.MessageId)
		}
		ids[d.MessageId] = true
		n, err := subscriptionstest.Parse(e.codec, d.Body)
		if err != nil {
			t.Fatal(err)
		}
		if n.ID != d.MessageId {
			t.Fatalf("message id %s, bundle id %s", d.MessageId, n.ID)
		}
		got = append(got, n)
		if err := d.Ack(false); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Type != "handshake" || !slices.Equal(events(got[1:]), []string{"ref-1#1", "ref-1#2"}) || len(got[2].Tasks) != 1 {
		t.Fatalf("from RabbitMQ: %+v", got)
	}
}

func TestANATSSubscriberReadsItsOwnJetStreamSubject(t *testing.T) {
	e := newEnv(t)
	id, endpoint := e.subscribeOn("nats", "id-only")
	subject := "stafett.feeds." + id
	if endpoint != "nats:"+subject {
		t.Fatalf("endpoint %q", endpoint)
	}
	e.receive("ref-1", dpsHer, dpsOrg)
	e.requestInformation("ref-1")
	if err := e.service().WaitDelivered(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	stream, err := e.js.Stream(t.Context(), "STAFETT_FEEDS")
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(t.Context(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	var got []subscriptionstest.Notification
	for len(got) < 3 {
		m, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n, err := subscriptionstest.Parse(e.codec, m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if m.Headers().Get(nats.MsgIdHdr) != n.ID {
			t.Fatalf("Nats-Msg-Id %q, bundle id %q", m.Headers().Get(nats.MsgIdHdr), n.ID)
		}
		got = append(got, n)
	}
	if got[0].Type != "handshake" || !slices.Equal(events(got[1:]), []string{"ref-1#1", "ref-1#2"}) {
		t.Fatalf("from JetStream: %+v", got)
	}
}
