// Package command is the one command pipeline of the suite. Each service
// declares each command once, in the shape Eventuous gives its handlers:
//
//	command.On[domain.Assess](referrals, "AssessReferral").
//		InState(command.Existing).
//		ID("referral_id", func(c domain.Assess) string { return c.ReferralID }).
//		Validate(validateAssess).
//		Authorize(domain.AuthorizeAssess).
//		Act(domain.DecideAssess).
//		Reveals(readOf)
//
// and Handle runs every command through the same steps, in this order:
//
//  1. validate the request (the only place requests are validated);
//  2. load the aggregate; a request id seen before is a replay (step 7);
//  3. Authorize(state, actor, cmd), pure, in the domain;
//  4. Decide(state, cmd, env), pure, in the domain;
//  5. if the answer carries patient data, the access check and the access-log
//     record, both before anything is written;
//  6. append, with optimistic concurrency and a bounded time; then answer;
//  7. a replay answers what the first request answered, never the current
//     state, and a request id reused for a different request is refused.
//
// So a command answered with an error has appended nothing, and one that
// appended is answered with success. Denied and absent do the same work: a
// revealing command checks access once whether or not the aggregate exists
// (a decoy patient stands in for a missing one), and both answer NOT_FOUND.
package command

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
)

// Expect is the state a command expects its aggregate in.
type Expect int

const (
	// Existing commands act on an aggregate that must exist: a missing one is
	// NOT_FOUND, exactly like one the actor may not act on.
	Existing Expect = iota
	// New commands create their aggregate under a fresh id. Their request id
	// (and any other key they declare) is claimed in the store, so racing
	// duplicates create exactly one aggregate.
	New
	// Any commands act on an aggregate whether or not it has commits yet: a
	// patient's continuity record begins with the first command on it. They
	// usually declare Requires, so an access check stands in for existence.
	Any
)

// Env is what a decision may use besides state and command: who acts, the
// time, and a fresh id for whatever the command creates.
type Env struct {
	Actor access.Actor
	Now   time.Time
	ID    string
}

// Key is a caller-scoped identity of a creation beyond its request id, such
// as a referral's external id: a second creation with the same key is the
// same creation.
type Key struct {
	// Field names the request field, for the reuse error.
	Field string
	// Kind separates key spaces ("external_id").
	Kind  string
	Value string
}

// Result is a command's answer.
type Result[S any] struct {
	ID    string
	State S
	// Appended is true when this call wrote a commit.
	Appended bool
	// Replayed is true when the request had been applied before and State is
	// what the first request left behind.
	Replayed bool
}

// Aggregate is one aggregate type's pipeline: the runtime that appends, the
// guard that checks and logs reads, and the commands declared on it.
type Aggregate[S any] struct {
	runtime *decider.Runtime[S]
	guard   *access.Guard
	clock   clock.Clock
	ids     idgen.Generator
	what    string
	exists  func(S) bool
	patient func(S) string
	barrier func(context.Context) error
	admit   func(S, access.Actor, access.Decision) bool

	mu       sync.Mutex
	declared []string
}

// Config builds an Aggregate.
type Config[S any] struct {
	Runtime *decider.Runtime[S]
	// Guard checks and logs reads of what commands answer; nil for an
	// aggregate none of whose commands reveal patient data.
	Guard *access.Guard
	Clock clock.Clock
	IDs   idgen.Generator
	// What names the aggregate in NOT_FOUND answers ("referral").
	What string
	// Exists reports whether a state is of an aggregate that exists.
	Exists func(S) bool
	// PatientOf is the patient an aggregate concerns, for commit metadata
	// and access checks.
	PatientOf func(S) string
	// Barrier, if set, runs before a command loads state: the consent
	// service waits there until its write model holds the stream's head.
	Barrier func(context.Context) error
	// Admit, if set, narrows a permitted read to this aggregate: a unit
	// permitted as the holder of a referral record sees the records it held,
	// not the patient's others.
	Admit func(S, access.Actor, access.Decision) bool
}

// NewAggregate returns the pipeline for one aggregate type.
func NewAggregate[S any](cfg Config[S]) *Aggregate[S] {
	if cfg.PatientOf == nil {
		cfg.PatientOf = func(S) string { return "" }
	}
	return &Aggregate[S]{
		runtime: cfg.Runtime, guard: cfg.Guard, clock: cfg.Clock, ids: cfg.IDs, what: cfg.What,
		exists: cfg.Exists, patient: cfg.PatientOf, barrier: cfg.Barrier, admit: cfg.Admit,
	}
}

// Commands lists the names of the commands declared on the aggregate.
func (a *Aggregate[S]) Commands() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Sorted(slices.Values(a.declared))
}

// Runtime is the aggregate's decider runtime.
func (a *Aggregate[S]) Runtime() *decider.Runtime[S] { return a.runtime }

// Handler is one declared command.
type Handler[S, C any] struct {
	agg       *Aggregate[S]
	name      string
	expect    Expect
	idField   string
	id        func(C) string
	validate  func(C, *errs.Validation)
	authorize func(S, access.Actor, C) error
	decide    func(S, C, Env) ([]proto.Message, error)
	reveals   func(S) access.Read
	requires  func(S, C) access.Read
	what      string
	keys      func(C) []Key
	patient   func(C) string
	consult   func(context.Context, S, C) (C, error)
	ends      bool
}

// On declares the command name (the RPC's name) on an aggregate.
func On[C, S any](agg *Aggregate[S], name string) *Handler[S, C] {
	agg.mu.Lock()
	agg.declared = append(agg.declared, name)
	agg.mu.Unlock()
	return &Handler[S, C]{agg: agg, name: name}
}

// InState says whether the command creates its aggregate or needs it.
func (h *Handler[S, C]) InState(e Expect) *Handler[S, C] { h.expect = e; return h }

// ID names the aggregate an Existing command acts on, and its request field.
func (h *Handler[S, C]) ID(field string, id func(C) string) *Handler[S, C] {
	h.idField, h.id = field, id
	return h
}

// Validate checks the request's fields; it is the only validation step.
func (h *Handler[S, C]) Validate(f func(C, *errs.Validation)) *Handler[S, C] {
	h.validate = f
	return h
}

// Authorize is the pure decision whether actor may issue the command against
// state. Refusals that would reveal the aggregate must be errs.NotFound.
func (h *Handler[S, C]) Authorize(f func(S, access.Actor, C) error) *Handler[S, C] {
	h.authorize = f
	return h
}

// Act is the pure decision: the events the command makes.
func (h *Handler[S, C]) Act(f func(S, C, Env) ([]proto.Message, error)) *Handler[S, C] {
	h.decide = f
	return h
}

// Reveals marks a command whose answer carries patient data, and says what
// read that answer is: it is checked and logged before the append.
func (h *Handler[S, C]) Reveals(read func(S) access.Read) *Handler[S, C] {
	h.reveals = read
	return h
}

// Consult declares what a decision needs from outside the aggregate (another
// service's answer, such as a patient's legal status). It runs after
// Authorize, so an actor who may not act learns nothing from the question
// being asked, and before Act, which stays pure: it returns the command with
// the answer in it (in a field the caller cannot set), and its error refuses
// the command. A replay is answered without consulting.
func (h *Handler[S, C]) Consult(f func(ctx context.Context, state S, cmd C) (C, error)) *Handler[S, C] {
	h.consult = f
	return h
}

// EndsAccess marks a revealing command whose own success can end the access
// that let its actor see the answer: completing a pathway ends its unit's
// care-team access to the patient. The first answer is checked and logged
// before the append like any revealing command's. A replay answers that same
// first answer again to an actor Authorize lets act on the state it left,
// without a second access check, which would now refuse what the caller was
// already given and turn a retried success into NOT_FOUND.
func (h *Handler[S, C]) EndsAccess() *Handler[S, C] {
	h.ends = true
	return h
}

// Requires makes the actor's access to a category of the patient's data a
// condition of the command, checked before the append like Reveals, but not
// logged: the answer carries no patient data (an id, say). A refusal is the
// command's NOT_FOUND.
func (h *Handler[S, C]) Requires(read func(S, C) access.Read) *Handler[S, C] {
	h.requires = read
	return h
}

// NotFound names what a refusal of this command is answered as not finding
// ("relationship"), when that is not the aggregate itself.
func (h *Handler[S, C]) NotFound(what string) *Handler[S, C] {
	h.what = what
	return h
}

func (h *Handler[S, C]) notFound() error {
	if h.what != "" {
		return errs.NotFound(h.what)
	}
	return errs.NotFound(h.agg.what)
}

// IdentifiedBy declares keys beyond the request id that make a creation the
// same creation (a referral's external id).
func (h *Handler[S, C]) IdentifiedBy(keys func(C) []Key) *Handler[S, C] {
	h.keys = keys
	return h
}

// Patient names the patient a creation concerns, for its commit metadata.
func (h *Handler[S, C]) Patient(f func(C) string) *Handler[S, C] {
	h.patient = f
	return h
}

// Name is the command's name.
func (h *Handler[S, C]) Name() string { return h.name }

// Handle runs the command through the pipeline for actor, under the caller's
// request id.
func (h *Handler[S, C]) Handle(ctx context.Context, actor access.Actor, requestID string, cmd C) (Result[S], error) {
	var v errs.Validation
	v.RequestID(requestID)
	var id string
	if h.expect != New {
		id = h.id(cmd)
		v.ID(h.idField, id)
	}
	if h.validate != nil {
		h.validate(cmd, &v)
	}
	if err := v.Err(); err != nil {
		return Result[S]{}, err
	}
	if h.agg.barrier != nil {
		if err := h.agg.barrier(ctx); err != nil {
			return Result[S]{}, err
		}
	}
	now := h.agg.clock.Now()
	env := Env{Actor: actor, Now: now, ID: h.agg.ids.New(now)}
	meta := decider.Meta{
		Actor:          actor.Proto(),
		IdempotencyKey: decider.RequestKey(actor.Scope(), requestID),
		Fingerprint:    Fingerprint(h.name, cmd),
	}
	if h.expect == New {
		return h.create(ctx, actor, requestID, cmd, env, meta)
	}
	return h.change(ctx, actor, id, cmd, env, meta)
}

// change runs a command on an existing aggregate.
func (h *Handler[S, C]) change(ctx context.Context, actor access.Actor, id string, cmd C, env Env, meta decider.Meta) (Result[S], error) {
	meta.PatientID = h.agg.patient(h.agg.runtime.Image().Get(id).State)
	var requiredOnce, revealedOnce bool
	res, err := h.agg.runtime.Execute(ctx, id, meta, func(state S) ([]proto.Message, error) {
		exists := h.agg.exists(state)
		refusal := h.allowed(state, exists, actor, cmd)
		// Access checks run once, whatever the refusal: absent, denied by the
		// domain and denied by consent all cost the same checks.
		if h.requires != nil && !requiredOnce {
			requiredOnce = true
			read := h.requires(state, cmd)
			if !exists && h.expect == Existing {
				read.PatientID = ""
			}
			d, err := h.agg.guard.Check(ctx, actor, read)
			if err != nil {
				return nil, err
			}
			if refusal == nil && !h.agg.permits(state, actor, read, d) {
				refusal = h.notFound()
			}
		}
		var events []proto.Message
		if refusal == nil {
			events, refusal = h.act(ctx, state, cmd, env)
		}
		if h.reveals != nil && !revealedOnce {
			revealedOnce = true
			read := h.reveals(state)
			if !exists {
				read.PatientID = ""
			}
			if err := h.reveal(ctx, actor, state, read, refusal == nil); err != nil {
				return nil, err
			}
		}
		return events, refusal
	})
	if err != nil {
		return Result[S]{}, err
	}
	if res.Replay != nil {
		return h.replay(ctx, actor, id, cmd, meta.Fingerprint, *res.Replay)
	}
	return Result[S]{ID: id, State: res.State, Appended: res.Appended}, nil
}

// act consults what the decision needs from outside, if declared, then decides.
func (h *Handler[S, C]) act(ctx context.Context, state S, cmd C, env Env) ([]proto.Message, error) {
	if h.consult != nil {
		var err error
		if cmd, err = h.consult(ctx, state, cmd); err != nil {
			return nil, err
		}
	}
	return h.decide(state, cmd, env)
}

func (h *Handler[S, C]) allowed(state S, exists bool, actor access.Actor, cmd C) error {
	if h.expect == Existing && !exists {
		return h.notFound()
	}
	if h.authorize == nil {
		return nil
	}
	return h.authorize(state, actor, cmd)
}

// reveal checks the read and, when it is permitted and going to be answered,
// logs it. A denied read is the aggregate's NOT_FOUND.
func (h *Handler[S, C]) reveal(ctx context.Context, actor access.Actor, state S, read access.Read, answering bool) error {
	d, err := h.agg.guard.Check(ctx, actor, read)
	if err != nil {
		return err
	}
	if !answering {
		return nil
	}
	if !h.agg.permits(state, actor, read, d) {
		return h.notFound()
	}
	return h.agg.guard.Record(ctx, actor, read, d)
}

// replay answers a request whose key the aggregate has applied: with the
// state that request left behind, and only if it is the same request.
func (h *Handler[S, C]) replay(ctx context.Context, actor access.Actor, id string, cmd C, fingerprint string, first decider.Request) (Result[S], error) {
	if first.Fingerprint != fingerprint {
		return Result[S]{}, errs.RequestIDReused("request_id", id)
	}
	state, err := h.agg.runtime.StateAt(ctx, id, first.Version)
	if err != nil {
		return Result[S]{}, errs.Unavailable("event stream", err)
	}
	if h.reveals != nil && h.ends {
		// The first answer was checked and logged; the command itself may
		// have ended that access. Only who may act on what it left is
		// answered again.
		if err := h.allowed(state, h.agg.exists(state), actor, cmd); err != nil {
			return Result[S]{}, err
		}
		return Result[S]{ID: id, State: state, Replayed: true}, nil
	}
	if h.reveals != nil {
		// What the first answer carried leaves the service again: that is a
		// read like any other, checked and logged now.
		if err := h.reveal(ctx, actor, state, h.reveals(state), true); err != nil {
			return Result[S]{}, err
		}
	}
	return Result[S]{ID: id, State: state, Replayed: true}, nil
}

// errCreated stops a creation whose aggregate turned out to exist already
// (another process won the race for the same claimed id).
var errCreated = errors.New("command: aggregate already created")

// create runs a creation: decide on the initial state first (so a refused
// creation touches nothing), then claim the request's keys, then append.
func (h *Handler[S, C]) create(ctx context.Context, actor access.Actor, requestID string, cmd C, env Env, meta decider.Meta) (Result[S], error) {
	initial := h.agg.runtime.Image().Model().Initial(env.ID)
	if err := h.allowed(initial, false, actor, cmd); err != nil {
		return Result[S]{}, err
	}
	if h.consult != nil {
		// Asked once: the creation decides on the same answer below.
		var err error
		if cmd, err = h.consult(ctx, initial, cmd); err != nil {
			return Result[S]{}, err
		}
	}
	if _, err := h.decide(initial, cmd, env); err != nil {
		return Result[S]{}, err
	}
	keys := []Key{{Field: "request_id", Kind: "request_id", Value: requestID}}
	if h.keys != nil {
		keys = append(keys, h.keys(cmd)...)
	}
	id, replay, err := h.claim(ctx, actor.Scope(), keys, env.ID, meta.Fingerprint)
	if err != nil {
		return Result[S]{}, err
	}
	if replay {
		if res, done, err := h.replayCreation(ctx, actor, id, cmd, meta.Fingerprint); done || err != nil {
			return res, err
		}
		// The claim is ours from an attempt whose append never landed: go on
		// creating under the claimed id.
	}
	if h.patient != nil {
		meta.PatientID = h.patient(cmd)
	}
	meta.MsgID = h.agg.runtime.Image().Model().Type + ".create/" + eventstore.KeyName(actor.Scope(), "request_id", requestID)
	env.ID = id
	res, err := h.agg.runtime.Execute(ctx, id, meta, func(state S) ([]proto.Message, error) {
		if h.agg.exists(state) {
			return nil, errCreated
		}
		return h.decide(state, cmd, env)
	})
	switch {
	case errors.Is(err, errCreated):
		res, _, err := h.replayCreation(ctx, actor, id, cmd, meta.Fingerprint)
		return res, err
	case err != nil:
		return Result[S]{}, err
	case res.Replay != nil:
		return h.replay(ctx, actor, res.ID, cmd, meta.Fingerprint, *res.Replay)
	}
	return Result[S]{ID: res.ID, State: res.State, Appended: res.Appended}, nil
}

// claim claims every key for id. A key held by an earlier request with the
// same fingerprint makes this a replay of that request's aggregate; held by a
// different request, it is refused naming the key's field.
func (h *Handler[S, C]) claim(ctx context.Context, scope string, keys []Key, id, fingerprint string) (string, bool, error) {
	keyspace := h.agg.runtime.Image().Model().Type
	var won []string
	release := func() {
		for _, k := range won {
			// Best effort: a claim left behind only points at an aggregate
			// that was never created, which the next attempt resumes.
			_ = h.agg.runtime.Store().Keys().Release(context.WithoutCancel(ctx), k)
		}
	}
	replay := false
	for _, k := range keys {
		if k.Value == "" {
			continue
		}
		name := eventstore.KeyName(scope, keyspace+"."+k.Kind, k.Value)
		held, ok, err := h.agg.runtime.Store().Keys().Claim(ctx, name, eventstore.Claim{AggregateID: id, Fingerprint: fingerprint})
		if err != nil {
			release()
			return "", false, errs.Unavailable("idempotency keys", err)
		}
		if ok {
			won = append(won, name)
			continue
		}
		if held.Fingerprint != fingerprint {
			release()
			return "", false, errs.RequestIDReused(k.Field, held.AggregateID)
		}
		if held.AggregateID != id {
			// The same request made (or began) another aggregate: claims we
			// made point at an id that will now never be created.
			release()
			won = nil
			id = held.AggregateID
		}
		replay = true
	}
	return id, replay, nil
}

// replayCreation answers a creation whose keys an earlier request holds. done
// is false when that aggregate was never appended (the earlier attempt failed
// after claiming), so the caller creates it now.
func (h *Handler[S, C]) replayCreation(ctx context.Context, actor access.Actor, id string, cmd C, fingerprint string) (Result[S], bool, error) {
	img := h.agg.runtime.Image()
	if !h.agg.exists(img.Get(id).State) {
		// Made by another process, perhaps not yet fed to this image.
		if err := img.Refresh(ctx, h.agg.runtime.Store(), id); err != nil {
			return Result[S]{}, true, errs.Unavailable("event stream", err)
		}
		if !h.agg.exists(img.Get(id).State) {
			return Result[S]{}, false, nil
		}
	}
	res, err := h.replay(ctx, actor, id, cmd, fingerprint, decider.Request{Fingerprint: fingerprint, Version: 1})
	return res, true, err
}

// String describes the handler in test failures.
func (h *Handler[S, C]) String() string {
	return fmt.Sprintf("%s (%s)", h.name, h.agg.what)
}
