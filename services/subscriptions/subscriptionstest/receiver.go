// Package subscriptionstest is a real rest-hook receiver for tests: an HTTP
// server on a random loopback port that parses each notification with the
// FHIR library, as an integration engine would, and can be taken down,
// brought back, or made to hold a request.
package subscriptionstest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"

	"github.com/stafett/stafett/pkg/fhirr4"
)

// Event is one notification-event of a notification.
type Event struct {
	Number uint64
	// Focus is the Task reference.
	Focus string
}

// Notification is one notification as received.
type Notification struct {
	// ID is the Bundle's id, the stable notification id.
	ID               string
	Type             string
	Status           string
	EventsSinceStart uint64
	Events           []Event
	// Tasks are the full resources, for full-resource subscriptions.
	Tasks  []*taskpb.Task
	Header http.Header
	// At is when it arrived.
	At time.Time
}

// Receiver records the notifications it answered with 200.
type Receiver struct {
	URL   string
	codec *fhirr4.Codec

	mu       sync.Mutex
	down     bool
	hold     chan struct{}
	held     chan struct{}
	heldOnce *sync.Once
	got      []Notification
	attempts int
	bad      []error
	arrived  chan struct{}
	tried    chan struct{}
}

// NewReceiver starts a receiver for the rest of the test.
func NewReceiver(tb testing.TB, codec *fhirr4.Codec) *Receiver {
	tb.Helper()
	r := &Receiver{codec: codec, arrived: make(chan struct{}), tried: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(srv.Close)
	r.URL = srv.URL + "/hook"
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	r.attempts++
	close(r.tried)
	r.tried = make(chan struct{})
	down, hold, held, once := r.down, r.hold, r.held, r.heldOnce
	r.mu.Unlock()
	if hold != nil {
		once.Do(func() { close(held) })
		<-hold
	}
	if down || err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	n, perr := Parse(r.codec, body)
	if perr == nil && req.Header.Get("Content-Type") != fhirr4.ContentType {
		perr = fmt.Errorf("content type %q", req.Header.Get("Content-Type"))
	}
	n.Header = req.Header.Clone()
	n.At = time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if perr != nil {
		r.bad = append(r.bad, perr)
	}
	r.got = append(r.got, n)
	close(r.arrived)
	r.arrived = make(chan struct{})
	w.WriteHeader(http.StatusOK)
}

// Parse reads a notification Bundle with the FHIR library, whichever
// channel it came by.
func Parse(codec *fhirr4.Codec, body []byte) (Notification, error) {
	cr, err := codec.Parse(body)
	if err != nil {
		return Notification{}, err
	}
	b := cr.GetBundle()
	if b == nil || len(b.GetEntry()) == 0 {
		return Notification{}, fmt.Errorf("not a notification bundle")
	}
	n := Notification{ID: b.GetId().GetValue()}
	for _, p := range b.GetEntry()[0].GetResource().GetParameters().GetParameter() {
		switch p.GetName().GetValue() {
		case "type":
			n.Type = p.GetValue().GetCode().GetValue()
		case "status":
			n.Status = p.GetValue().GetCode().GetValue()
		case "events-since-subscription-start":
			n.EventsSinceStart, _ = strconv.ParseUint(p.GetValue().GetStringValue().GetValue(), 10, 64)
		case "notification-event":
			var ev Event
			for _, part := range p.GetPart() {
				switch part.GetName().GetValue() {
				case "event-number":
					ev.Number, _ = strconv.ParseUint(part.GetValue().GetStringValue().GetValue(), 10, 64)
				case "focus":
					ref := part.GetValue().GetReference()
					ev.Focus = ref.GetUri().GetValue()
					if id := ref.GetTaskId(); id != nil {
						ev.Focus = "Task/" + id.GetValue()
					}
				}
			}
			n.Events = append(n.Events, ev)
		}
	}
	for _, e := range b.GetEntry()[1:] {
		if t := e.GetResource().GetTask(); t != nil {
			n.Tasks = append(n.Tasks, t)
		}
	}
	return n, nil
}

// SetDown makes the receiver answer 503 (down) or 200 (up).
func (r *Receiver) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// Hold makes the next request wait: held is closed once it arrived, and
// release lets it (and any after it) through.
func (r *Receiver) Hold() (held <-chan struct{}, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold, r.held, r.heldOnce = make(chan struct{}), make(chan struct{}), &sync.Once{}
	hold := r.hold
	var once sync.Once
	return r.held, func() {
		once.Do(func() {
			r.mu.Lock()
			r.hold = nil
			r.mu.Unlock()
			close(hold)
		})
	}
}

// Wait returns once n notifications were received (answered 200), or with
// ctx's error.
func (r *Receiver) Wait(ctx context.Context, n int) ([]Notification, error) {
	for {
		r.mu.Lock()
		got, arrived := append([]Notification(nil), r.got...), r.arrived
		r.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("received %d notifications of %d: %w", len(got), n, ctx.Err())
		case <-arrived:
		}
	}
}

// WaitAttempts returns once n requests arrived, answered or not.
func (r *Receiver) WaitAttempts(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		got, tried := r.attempts, r.tried
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d requests of %d: %w", got, n, ctx.Err())
		case <-tried:
		}
	}
}

// Received is every notification answered 200 so far.
func (r *Receiver) Received() []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Notification(nil), r.got...)
}

// Attempts counts every request, answered or not.
func (r *Receiver) Attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// Malformed is every notification that did not parse as an R4 Bundle.
func (r *Receiver) Malformed() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.bad...)
}

// Distinct drops repeats of a notification id (a redelivery after a lost
// acknowledgement) and fails if one id ever came with different contents.
func Distinct(ns []Notification) ([]Notification, error) {
	seen := map[string]Notification{}
	var out []Notification
	for _, n := range ns {
		if first, ok := seen[n.ID]; ok {
			if first.Type != n.Type || first.EventsSinceStart != n.EventsSinceStart || fmt.Sprint(first.Events) != fmt.Sprint(n.Events) {
				return nil, fmt.Errorf("notification %s came twice with different contents", n.ID)
			}
			continue
		}
		seen[n.ID] = n
		out = append(out, n)
	}
	return out, nil
}
