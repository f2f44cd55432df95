// Package eventstore keeps Stafett's events in one JetStream stream. Each
// command appends exactly one message, a Commit holding all the events it
// decided, under the aggregate's own subject; optimistic concurrency uses the
// subject's last sequence, so two writers can never both extend the same
// version of an aggregate.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/messagingconv"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/telemetry"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

const (
	// StreamName is the one stream every context writes to.
	StreamName = "STAFETT_EVENTS"
	// SubjectRoot prefixes every event subject.
	SubjectRoot = "stafett.events"

	// HeaderCommitType lists the commit's event types, comma separated, so
	// routers can filter without decoding the payload.
	HeaderCommitType = "Stafett-Commit-Type"
	// HeaderPatient carries the pseudonymous patient id, never a national id.
	HeaderPatient = "Stafett-Patient"
	// HeaderOrigin is the W3C traceparent of the span where the commit's
	// story began (a referral's receipt): see Append.Origin.
	HeaderOrigin = "Stafett-Origin"
)

// ErrConflict means another commit reached the aggregate first: the expected
// last subject sequence no longer held. Reload and decide again.
var ErrConflict = errors.New("eventstore: aggregate changed concurrently")

// ErrNotAcknowledged means the stream did not acknowledge an append in time:
// it has no leader, or its leader has lost quorum. The append may still land
// later, so it is reported as unavailable (errs.ErrUnavailable) and a retry
// must carry the same MsgID, which the stream then deduplicates.
var ErrNotAcknowledged = errors.New("eventstore: append not acknowledged in time")

// errAppendTimedOut tells the append's own time limit from the caller's.
var errAppendTimedOut = errors.New("eventstore: append timeout")

// ErrNotFound means no message exists at the requested sequence.
var ErrNotFound = errors.New("eventstore: no such message")

// Subject names an aggregate's subject: stafett.events.<context>.<type>.<id>.
func Subject(context, aggregateType, id string) string {
	return SubjectRoot + "." + context + "." + aggregateType + "." + id
}

// ContextFilter matches every subject of one bounded context.
func ContextFilter(context string) string { return SubjectRoot + "." + context + ".>" }

// AllFilter matches every event subject.
const AllFilter = SubjectRoot + ".>"

// Propagator moves trace context into and out of message headers.
type Propagator interface {
	InjectNATS(ctx context.Context, h nats.Header)
	ExtractNATS(ctx context.Context, h nats.Header) context.Context
}

// Config shapes the stream and says where the store reports.
type Config struct {
	// Replicas is 1 in dev and 3 in production.
	Replicas int
	// DuplicateWindow is how long Nats-Msg-Id deduplicates; default 2 minutes.
	DuplicateWindow time.Duration
	// AppendTimeout bounds how long an append waits for the stream to
	// acknowledge it; default 5 seconds. It must be shorter than
	// DuplicateWindow, so that a retry after it still deduplicates.
	AppendTimeout time.Duration
	// Tracer, if set, records a span per append and per handled record.
	Tracer trace.Tracer
	// Meter, if set, records append latency, conflicts, consumer lag and
	// parked records.
	Meter metric.Meter
	// Propagator, if set, carries trace context in message headers.
	Propagator Propagator
}

// Instrumentation is where one service's use of a store is reported.
type Instrumentation struct {
	Tracer     trace.Tracer
	Meter      metric.Meter
	Propagator Propagator
	// Committed, if set, sees every commit this store newly appended (never
	// a duplicate), after the stream acknowledged it: the hook for counting
	// domain events where they are decided.
	Committed func(ctx context.Context, c *eventsv1.Commit)
	// Stories, if set, tells commands which referrals a patient's story is
	// in (see Store.Stories).
	Stories Stories
}

// Stories knows the patient's open referrals and the spans their receipts
// began in (see package telemetry/stories): commands on aggregates that are
// not a referral's name them in their spans.
type Stories interface {
	Open(patientID string) (referralIDs []string, origins []trace.SpanContext)
}

// Store appends commits to and reads them from the stream.
type Store struct {
	js            jetstream.JetStream
	stream        jetstream.Stream
	keys          *Keys
	appendTimeout writeLimit
	tel           instruments
	drifts        []Drift
}

// instruments are a store's tracer, propagator and metric instruments.
type instruments struct {
	tracer         trace.Tracer
	meter          metric.Meter
	propagator     Propagator
	committed      func(ctx context.Context, c *eventsv1.Commit)
	stories        Stories
	appendDuration metric.Float64Histogram
	conflicts      metric.Int64Counter
	parked         metric.Int64Counter
	lagMessages    metric.Int64ObservableGauge
	lagTime        metric.Float64ObservableGauge
}

func newInstruments(in Instrumentation) (instruments, error) {
	tel := instruments{tracer: in.Tracer, meter: in.Meter, propagator: in.Propagator, committed: in.Committed, stories: in.Stories}
	if tel.tracer == nil {
		tel.tracer = noop.NewTracerProvider().Tracer("")
	}
	if tel.meter == nil {
		tel.meter = metricnoop.NewMeterProvider().Meter("")
	}
	m := tel.meter
	duration, err := messagingconv.NewClientOperationDuration(m,
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	tel.appendDuration = duration.Inst()
	errs := []error{err}
	tel.conflicts, err = m.Int64Counter("stafett.eventstore.append.conflicts", metric.WithUnit("{conflict}"),
		metric.WithDescription("Appends refused because another commit reached the aggregate first; each is reloaded and decided again, or answered ABORTED after the last retry."))
	errs = append(errs, err)
	tel.parked, err = m.Int64Counter("stafett.consumer.parked", metric.WithUnit("{message}"),
		metric.WithDescription("Records a consumer skipped after repeated failures (error.type handler) or could not decode (error.type undecodable)."))
	errs = append(errs, err)
	tel.lagMessages, err = m.Int64ObservableGauge("stafett.consumer.lag.messages", metric.WithUnit("{message}"),
		metric.WithDescription("Records matching a consumer's filter that the server still held for it when it last received one."))
	errs = append(errs, err)
	tel.lagTime, err = m.Float64ObservableGauge("stafett.consumer.lag.time", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest record a consumer has not finished: 0 when caught up; grows while a handler is stuck or the consumer has stopped."))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return instruments{}, fmt.Errorf("eventstore: instruments: %w", err)
	}
	return tel, nil
}

// Instrumented returns a view of the store that reports to in: the same
// stream and connection, one service's tracer, meter and propagator. Each
// service of a process appends and subscribes through its own view, so its
// spans and metrics carry its own service.name.
func (s *Store) Instrumented(in Instrumentation) (*Store, error) {
	tel, err := newInstruments(in)
	if err != nil {
		return nil, err
	}
	return &Store{js: s.js, stream: s.stream, keys: s.keys, appendTimeout: s.appendTimeout, tel: tel, drifts: s.drifts}, nil
}

// DefaultAppendTimeout is how long an append waits for its acknowledgement
// unless Config says otherwise.
const DefaultAppendTimeout = 5 * time.Second

// Open creates the stream if it is missing and returns a store. A stream
// that exists is never rewritten: its configuration is an operator's
// (replicas, placement tags, limits); Open checks it, refuses one that would
// lose or duplicate events, and reports the other differences through
// StreamDrift.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Store, error) {
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.DuplicateWindow == 0 {
		cfg.DuplicateWindow = 2 * time.Minute
	}
	if cfg.AppendTimeout == 0 {
		cfg.AppendTimeout = DefaultAppendTimeout
	}
	if cfg.AppendTimeout < 0 || cfg.AppendTimeout >= cfg.DuplicateWindow {
		return nil, fmt.Errorf("eventstore: append timeout %v must be positive and shorter than the duplicate window %v", cfg.AppendTimeout, cfg.DuplicateWindow)
	}
	stream, drifts, err := OpenStream(ctx, js, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Stafett events: one Commit per command",
		Subjects:    []string{AllFilter},
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  cfg.DuplicateWindow,
		// Events are the truth: nothing may age out or be discarded silently.
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}, Rules{AppendTimeout: cfg.AppendTimeout})
	if err != nil {
		return nil, err
	}
	tel, err := newInstruments(Instrumentation{Tracer: cfg.Tracer, Meter: cfg.Meter, Propagator: cfg.Propagator})
	if err != nil {
		return nil, err
	}
	keys, err := openKeys(ctx, js, cfg.Replicas, writeLimit(cfg.AppendTimeout))
	if err != nil {
		return nil, err
	}
	return &Store{js: js, stream: stream, keys: keys, appendTimeout: writeLimit(cfg.AppendTimeout), tel: tel, drifts: drifts}, nil
}

// StreamDrift lists how the stream, found already configured, differs from
// what Open would have created; none of it was changed (see EnsureStream).
// The caller reports it: an operator's replicas or placement are usually
// on purpose, a missing deny_purge rarely.
func (s *Store) StreamDrift() []Drift { return s.drifts }

// Stories is the index of patients' open stories this view was given, nil
// when it has none.
func (s *Store) Stories() Stories { return s.tel.stories }

// Keys is where creations claim their idempotency keys.
func (s *Store) Keys() *Keys { return s.keys }

// Append is one commit to write.
type Append struct {
	// Subject of the aggregate (see Subject).
	Subject string
	Commit  *eventsv1.Commit
	// ExpectedSeq is the stream sequence of the aggregate's last commit, 0 for
	// an aggregate that must not exist yet.
	ExpectedSeq uint64
	// MsgID deduplicates retries inside the duplicate window; defaults to the commit id.
	MsgID string
	// Origin is the span where the commit's story began (a referral's
	// receipt), stored in the HeaderOrigin header so that later commands
	// and consumers can link to it. Left invalid on an aggregate's first
	// commit, it is the span current in ctx: the command creating the
	// aggregate begins its story.
	Origin trace.SpanContext
}

// AppendResult is where the commit landed.
type AppendResult struct {
	Seq uint64
	// Duplicate means a message with the same MsgID was already stored at Seq;
	// nothing new was written.
	Duplicate bool
}

// Append writes one commit atomically with optimistic concurrency. It waits
// at most the configured AppendTimeout for the acknowledgement, then answers
// ErrNotAcknowledged (an errs.ErrUnavailable); a caller's own earlier deadline
// stays the caller's context error.
func (s *Store) Append(ctx context.Context, a Append) (AppendResult, error) {
	data, err := proto.Marshal(a.Commit)
	if err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: marshal commit: %w", err)
	}
	msgID := a.MsgID
	if msgID == "" {
		msgID = a.Commit.GetCommitId()
	}
	origin := a.Origin
	if !origin.IsValid() && a.ExpectedSeq == 0 {
		origin = trace.SpanContextFromContext(ctx)
	}
	m := telemetry.Message{Subject: a.Subject, Template: SubjectTemplate(a.Subject), ID: msgID, BodySize: len(data), Server: s.server()}
	name, opts := telemetry.SendSpan(m, commitAttributes(a.Commit)...)
	if origin.IsValid() && origin.SpanID() != trace.SpanContextFromContext(ctx).SpanID() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: origin}))
	}
	ctx, span := s.tel.tracer.Start(ctx, name, opts...)
	defer span.End()

	msg := nats.NewMsg(a.Subject)
	msg.Data = data
	msg.Header.Set(HeaderCommitType, commitType(a.Commit))
	if p := a.Commit.GetPatientId(); p != "" {
		msg.Header.Set(HeaderPatient, p)
	}
	if tp := telemetry.FormatTraceparent(origin); tp != "" {
		msg.Header.Set(HeaderOrigin, tp)
	}
	s.injectTraceContext(ctx, msg.Header)
	metricAttrs := m.MetricAttributes(semconv.MessagingOperationTypeSend, "send")
	start := time.Now()
	publishCtx, cancel := s.appendTimeout.start(ctx)
	defer cancel()
	ack, err := s.js.PublishMsg(publishCtx, msg,
		jetstream.WithMsgID(msgID),
		jetstream.WithExpectLastSequencePerSubject(a.ExpectedSeq))
	elapsed := time.Since(start).Seconds()
	if err != nil {
		if IsWrongLastSequence(err) {
			span.SetAttributes(attribute.Bool("stafett.conflict", true))
			s.tel.appendDuration.Record(ctx, elapsed, metric.WithAttributes(append(metricAttrs, semconv.ErrorTypeKey.String("conflict"))...))
			s.tel.conflicts.Add(ctx, 1, metric.WithAttributes(semconv.MessagingDestinationTemplate(m.Template)))
			return AppendResult{}, fmt.Errorf("%w: %s expected at %d", ErrConflict, a.Subject, a.ExpectedSeq)
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, "append failed")
		s.tel.appendDuration.Record(ctx, elapsed, metric.WithAttributes(append(metricAttrs, semconv.ErrorTypeKey.String(errorType(err)))...))
		if err := s.appendTimeout.unavailable(ctx, publishCtx, "event stream", a.Subject, err); err != nil {
			return AppendResult{}, err
		}
		return AppendResult{}, fmt.Errorf("eventstore: publish: %w", err)
	}
	s.tel.appendDuration.Record(ctx, elapsed, metric.WithAttributes(metricAttrs...))
	span.SetAttributes(attribute.Int64("messaging.nats.stream.sequence", int64(ack.Sequence)), attribute.Bool("stafett.duplicate", ack.Duplicate))
	if !ack.Duplicate && s.tel.committed != nil {
		s.tel.committed(ctx, a.Commit)
	}
	return AppendResult{Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// commitAttributes are the Stafett attributes of a commit's spans.
func commitAttributes(c *eventsv1.Commit) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("stafett.aggregate_type", c.GetAggregateType())}
	if id := c.GetCorrelationId(); id != "" {
		attrs = append(attrs, telemetry.CorrelationID(id), semconv.MessagingMessageConversationID(id))
	}
	return attrs
}

// errorType is a low-cardinality error.type for an append that failed.
func errorType(err error) string {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return "no_response"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("jetstream_%d", apiErr.ErrorCode)
	default:
		return "_OTHER"
	}
}

// server is the host:port of the NATS server the store is connected to
// right now, for server.address: in a cluster it changes on reconnect.
func (s *Store) server() string {
	if nc := s.js.Conn(); nc != nil {
		return nc.ConnectedAddr()
	}
	return ""
}

// SubjectTemplate is a subject with its aggregate id replaced,
// stafett.events.referral.referral.{id}: low-cardinality, so it can name a
// span and label a metric.
func SubjectTemplate(subject string) string {
	parts := strings.SplitN(subject, ".", 5)
	if len(parts) == 5 && parts[0]+"."+parts[1] == SubjectRoot {
		return strings.Join(parts[:4], ".") + ".{id}"
	}
	return subject
}

// traceHeaders are the only trace headers a commit stores: the W3C trace
// context of the suite's own span. Baggage, or anything else a propagator
// might add, is dropped: the stream denies delete and purge, so whatever a
// caller slipped into a header could never be erased.
var traceHeaders = [...]string{"traceparent", "tracestate"}

func (s *Store) injectTraceContext(ctx context.Context, h nats.Header) {
	if s.tel.propagator == nil {
		return
	}
	carrier := nats.Header{}
	s.tel.propagator.InjectNATS(ctx, carrier)
	for _, k := range traceHeaders {
		if v := carrier.Get(k); v != "" {
			h.Set(k, v)
		}
	}
}

// IsWrongLastSequence recognises an optimistic-concurrency failure by its
// JetStream API error code; both codes exist because replicated streams report
// the constant variant.
func IsWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// writeLimit bounds how long a write (an append, a key claim) waits for
// JetStream's answer. Past it, or when JetStream says it cannot take the write
// now, the write is unavailable, not failed: it may still land, and its retry
// with the same message id (or key) is deduplicated.
type writeLimit time.Duration

func (l writeLimit) start(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, time.Duration(l), errAppendTimedOut)
}

// unanswered is unavailable for a read: err as errs.ErrUnavailable when the
// stream did not answer within the limit, nil for any other error.
func (l writeLimit) unanswered(ctx, bounded context.Context, what string, err error) error {
	if ctx.Err() == nil && errors.Is(context.Cause(bounded), errAppendTimedOut) {
		return errs.Unavailable("event stream", fmt.Errorf("eventstore: %s not answered within %v: %w", what, time.Duration(l), err))
	}
	if isStreamUnavailable(err) {
		return errs.Unavailable("event stream", fmt.Errorf("eventstore: %s: %w", what, err))
	}
	return nil
}

// unavailable wraps err as errs.ErrUnavailable when it means the write was
// not acknowledged, and returns nil for any other error. ctx is the caller's:
// when its own deadline came first, that is the caller's answer to keep.
func (l writeLimit) unavailable(ctx, bounded context.Context, what, subject string, err error) error {
	switch {
	case ctx.Err() == nil && errors.Is(context.Cause(bounded), errAppendTimedOut):
		return errs.Unavailable(what, fmt.Errorf("%w: %s within %v (%v)", ErrNotAcknowledged, subject, time.Duration(l), err))
	case isDuplicateInProcess(err):
		return errs.Unavailable(what, fmt.Errorf("%w: %s: an earlier attempt with the same message id is still in process", ErrNotAcknowledged, subject))
	case isStreamUnavailable(err):
		return errs.Unavailable(what, fmt.Errorf("eventstore: %s: %w", subject, err))
	}
	return nil
}

// jsErrCodeDuplicateInProcess is JetStream's JSStreamDuplicateMessageConflict,
// which nats.go names no constant for.
const jsErrCodeDuplicateInProcess jetstream.ErrorCode = 10158

// isDuplicateInProcess recognises a retry that reached the stream while the
// first attempt with its message id was still being replicated: that
// attempt's outcome is not known yet, so this one is not acknowledged either.
func isDuplicateInProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jsErrCodeDuplicateInProcess
}

// isStreamUnavailable recognises answers that mean "no stream can take this
// now", as opposed to a refusal of this message: nobody listens on the subject
// (no stream, or no server for it), or JetStream says it is unavailable (503).
func isStreamUnavailable(err error) bool {
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.Code == 503
}

func commitType(c *eventsv1.Commit) string {
	names := make([]string, 0, len(c.GetEvents()))
	for _, e := range c.GetEvents() {
		names = append(names, TypeName(e.GetTypeUrl()))
	}
	return strings.Join(names, ",")
}

// TypeName strips the type URL prefix from an Any's type URL.
func TypeName(typeURL string) string {
	if i := strings.LastIndexByte(typeURL, '/'); i >= 0 {
		return typeURL[i+1:]
	}
	return typeURL
}

// LastSeq is the stream's last sequence right now: the read barrier for
// decisions that must reflect everything already appended.
//
// Like an append, it waits at most the append timeout: the stream's leader
// answers it, and while the stream has none the caller gets UNAVAILABLE in
// time rather than at its own deadline.
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	bounded, cancel := s.appendTimeout.start(ctx)
	defer cancel()
	info, err := s.stream.Info(bounded)
	if err != nil {
		if u := s.appendTimeout.unanswered(ctx, bounded, "stream info", err); u != nil {
			return 0, u
		}
		return 0, fmt.Errorf("eventstore: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// LastSubjectSeq is the sequence of the last message on subject, 0 if none.
// It waits at most the append timeout, as LastSeq does.
func (s *Store) LastSubjectSeq(ctx context.Context, subject string) (uint64, error) {
	bounded, cancel := s.appendTimeout.start(ctx)
	defer cancel()
	msg, err := s.stream.GetLastMsgForSubject(bounded, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		if u := s.appendTimeout.unanswered(ctx, bounded, "last message on "+subject, err); u != nil {
			return 0, u
		}
		return 0, fmt.Errorf("eventstore: last message on %s: %w", subject, err)
	}
	return msg.Sequence, nil
}

// Get reads the commit stored at seq.
func (s *Store) Get(ctx context.Context, seq uint64) (Record, error) {
	raw, err := s.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Record{}, fmt.Errorf("%w: sequence %d", ErrNotFound, seq)
	}
	if err != nil {
		return Record{}, fmt.Errorf("eventstore: get %d: %w", seq, err)
	}
	return decode(raw.Sequence, raw.Subject, raw.Header, raw.Data, raw.Time)
}

// Load reads every commit on subject after the sequence after (0 for all),
// in order, and returns them with the subject's last sequence. It walks the
// subject with direct gets rather than a consumer: aggregates are short, and
// creating a consumer per load costs more than a few lookups.
func (s *Store) Load(ctx context.Context, subject string, after uint64) ([]Record, uint64, error) {
	last, err := s.LastSubjectSeq(ctx, subject)
	if err != nil || last <= after {
		return nil, max(last, after), err
	}
	var records []Record
	for next := after + 1; next <= last; {
		raw, err := s.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject))
		if err != nil {
			return nil, 0, fmt.Errorf("eventstore: load %s from %d: %w", subject, next, err)
		}
		if raw.Sequence > last {
			break
		}
		rec, err := decode(raw.Sequence, raw.Subject, raw.Header, raw.Data, raw.Time)
		if err != nil {
			return nil, 0, err
		}
		records = append(records, rec)
		next = raw.Sequence + 1
	}
	return records, last, nil
}

// Record is one stored commit with where it is in the stream.
type Record struct {
	Seq     uint64
	Subject string
	Commit  *eventsv1.Commit
	Header  nats.Header
	// Published is when JetStream stored the commit (its stream timestamp).
	Published time.Time
}

// Origin is the span where the commit's story began (see Append.Origin);
// invalid when the commit names none.
func (r Record) Origin() trace.SpanContext {
	return telemetry.ParseTraceparent(r.Header.Get(HeaderOrigin))
}

// Events decodes the commit's events into their registered message types.
func (r Record) Events() ([]proto.Message, error) { return DecodeEvents(r.Commit) }

// DecodeEvents decodes a commit's events into their registered message types.
func DecodeEvents(c *eventsv1.Commit) ([]proto.Message, error) {
	out := make([]proto.Message, 0, len(c.GetEvents()))
	for _, a := range c.GetEvents() {
		m, err := a.UnmarshalNew()
		if err != nil {
			return nil, fmt.Errorf("eventstore: decode %s: %w", TypeName(a.GetTypeUrl()), err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ErrUndecodable marks a message that is not a Commit; subscribers park it.
var ErrUndecodable = errors.New("eventstore: message is not a commit")

func decode(seq uint64, subject string, h nats.Header, data []byte, at time.Time) (Record, error) {
	var c eventsv1.Commit
	if err := proto.Unmarshal(data, &c); err != nil {
		return Record{Seq: seq, Subject: subject, Header: h}, fmt.Errorf("%w: seq %d: %w", ErrUndecodable, seq, err)
	}
	return Record{Seq: seq, Subject: subject, Commit: &c, Header: h, Published: at}, nil
}
