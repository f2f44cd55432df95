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
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
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

// Config shapes the stream.
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
	// Propagator, if set, carries trace context in message headers.
	Propagator Propagator
}

// Store appends commits to and reads them from the stream.
type Store struct {
	js            jetstream.JetStream
	stream        jetstream.Stream
	keys          *Keys
	tracer        trace.Tracer
	propagator    Propagator
	appendTimeout writeLimit
}

// DefaultAppendTimeout is how long an append waits for its acknowledgement
// unless Config says otherwise.
const DefaultAppendTimeout = 5 * time.Second

// Open creates the stream if it is missing (or updates it) and returns a store.
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
	stream, err := EnsureStream(ctx, js, jetstream.StreamConfig{
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
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore: create stream %s: %w", StreamName, err)
	}
	tracer := cfg.Tracer
	if tracer == nil {
		tracer = noop.NewTracerProvider().Tracer("")
	}
	keys, err := openKeys(ctx, js, cfg.Replicas, writeLimit(cfg.AppendTimeout))
	if err != nil {
		return nil, err
	}
	return &Store{js: js, stream: stream, keys: keys, tracer: tracer, propagator: cfg.Propagator, appendTimeout: writeLimit(cfg.AppendTimeout)}, nil
}

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
	ctx, span := s.tracer.Start(ctx, "eventstore.append", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", a.Subject),
			attribute.String("stafett.aggregate_type", a.Commit.GetAggregateType()),
		))
	defer span.End()

	data, err := proto.Marshal(a.Commit)
	if err != nil {
		return AppendResult{}, fmt.Errorf("eventstore: marshal commit: %w", err)
	}
	msg := nats.NewMsg(a.Subject)
	msg.Data = data
	msg.Header.Set(HeaderCommitType, commitType(a.Commit))
	if p := a.Commit.GetPatientId(); p != "" {
		msg.Header.Set(HeaderPatient, p)
	}
	if s.propagator != nil {
		s.propagator.InjectNATS(ctx, msg.Header)
	}
	msgID := a.MsgID
	if msgID == "" {
		msgID = a.Commit.GetCommitId()
	}
	publishCtx, cancel := s.appendTimeout.start(ctx)
	defer cancel()
	ack, err := s.js.PublishMsg(publishCtx, msg,
		jetstream.WithMsgID(msgID),
		jetstream.WithExpectLastSequencePerSubject(a.ExpectedSeq))
	if err != nil {
		if IsWrongLastSequence(err) {
			span.SetAttributes(attribute.Bool("stafett.conflict", true))
			return AppendResult{}, fmt.Errorf("%w: %s expected at %d", ErrConflict, a.Subject, a.ExpectedSeq)
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, "append failed")
		if err := s.appendTimeout.unavailable(ctx, publishCtx, "event stream", a.Subject, err); err != nil {
			return AppendResult{}, err
		}
		return AppendResult{}, fmt.Errorf("eventstore: publish: %w", err)
	}
	span.SetAttributes(attribute.Int64("messaging.message.sequence", int64(ack.Sequence)), attribute.Bool("stafett.duplicate", ack.Duplicate))
	return AppendResult{Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
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
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("eventstore: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// LastSubjectSeq is the sequence of the last message on subject, 0 if none.
func (s *Store) LastSubjectSeq(ctx context.Context, subject string) (uint64, error) {
	msg, err := s.stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
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

func fromJetStream(m jetstream.Msg) (Record, error) {
	md, err := m.Metadata()
	if err != nil {
		return Record{}, fmt.Errorf("eventstore: metadata: %w", err)
	}
	return decode(md.Sequence.Stream, m.Subject(), m.Headers(), m.Data(), md.Timestamp)
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
