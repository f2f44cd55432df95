// Package audit keeps the access log: one entry per read of patient data, in
// its own stream with long retention, appended and acknowledged before the
// data leaves the service. The patient may list who looked, and why.
package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/telemetry"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

const (
	// StreamName is the access log's stream.
	StreamName = "STAFETT_AUDIT"
	// SubjectRoot prefixes each patient's subject: stafett.audit.<patient id>.
	SubjectRoot = "stafett.audit"
)

// Subject is a patient's access-log subject.
func Subject(patientID string) string { return SubjectRoot + "." + patientID }

// Log appends and lists access-log entries.
type Log struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	tracer trace.Tracer
	drifts []eventstore.Drift
	// limit bounds how long an append waits for its acknowledgement.
	limit time.Duration
}

// WithAppendTimeout returns a view of the log whose appends wait at most d
// (0: eventstore.DefaultAppendTimeout) for the stream's acknowledgement, as
// event appends do: while the access log's stream has no leader, a read
// that must be logged is answered UNAVAILABLE in time.
func (l *Log) WithAppendTimeout(d time.Duration) *Log {
	if d <= 0 {
		d = eventstore.DefaultAppendTimeout
	}
	return &Log{js: l.js, stream: l.stream, tracer: l.tracer, drifts: l.drifts, limit: d}
}

// StreamDrift lists how the audit stream, found already configured,
// differs from what Open would have created; none of it was changed.
func (l *Log) StreamDrift() []eventstore.Drift { return l.drifts }

// SubjectTemplate is every access-log subject, for span names and metrics.
const SubjectTemplate = SubjectRoot + ".{patient_id}"

// Instrumented returns a view of the log whose appends are traced by one
// service's tracer: the service reading the data.
func (l *Log) Instrumented(tracer trace.Tracer) *Log {
	if tracer == nil {
		tracer = noop.NewTracerProvider().Tracer("")
	}
	return &Log{js: l.js, stream: l.stream, tracer: tracer, drifts: l.drifts, limit: l.limit}
}

// Open creates the audit stream if needed. Entries are never discarded or
// deleted: the patient's right to see who looked outlives any single record.
// An existing stream is used as it is and checked like the event stream
// (eventstore.EnsureStream): differences are in StreamDrift. Unlike events,
// entries may have a retention period (max_age) the data controller set:
// see docs/operations.md, "The access log".
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (*Log, error) {
	if replicas == 0 {
		replicas = 1
	}
	stream, drifts, err := eventstore.OpenStream(ctx, js, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Stafett access log: every read of patient data",
		Subjects:    []string{SubjectRoot + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}, eventstore.Rules{MayAgeOut: true})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Log{js: js, stream: stream, tracer: noop.NewTracerProvider().Tracer(""), drifts: drifts, limit: eventstore.DefaultAppendTimeout}, nil
}

// Record appends entry and waits for the stream to acknowledge it. Any
// failure is ErrUnavailable: a read that cannot be logged must not happen.
func (l *Log) Record(ctx context.Context, entry *consentv1.AccessLogEntry) error {
	if entry.GetPatientId() == "" {
		return errors.New("audit: entry without patient id")
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() && entry.GetTraceId() == "" {
		entry.TraceId = sc.TraceID().String()
	}
	data, err := proto.Marshal(entry)
	if err != nil {
		return fmt.Errorf("audit: marshal: %w", err)
	}
	msg := nats.NewMsg(Subject(entry.GetPatientId()))
	msg.Data = data
	var server string
	if nc := l.js.Conn(); nc != nil {
		server = nc.ConnectedAddr()
	}
	// The subject names the patient's pseudonym: an attribute at most,
	// never the span name.
	name, opts := telemetry.SendSpan(telemetry.Message{Subject: msg.Subject, Template: SubjectTemplate, BodySize: len(data), Server: server})
	ctx, span := l.tracer.Start(ctx, name, opts...)
	defer span.End()
	publishCtx, cancel := context.WithTimeout(ctx, l.limit)
	defer cancel()
	ack, err := l.js.PublishMsg(publishCtx, msg)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "access log unavailable")
		return errs.Unavailable("access log", err)
	}
	span.SetAttributes(attribute.Int64("messaging.nats.stream.sequence", int64(ack.Sequence)))
	return nil
}

// Entry is a stored access-log entry with its position.
type Entry struct {
	Seq   uint64
	Entry *consentv1.AccessLogEntry
}

// List returns up to limit of the patient's entries after sequence after, in
// order, and the sequence to continue from (0 when there are no more).
func (l *Log) List(ctx context.Context, patientID string, after uint64, limit int) ([]Entry, uint64, error) {
	subject := Subject(patientID)
	var out []Entry
	next := after + 1
	for len(out) < limit {
		raw, err := l.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, 0, nil
		}
		if err != nil {
			return nil, 0, errs.Unavailable("access log", err)
		}
		var e consentv1.AccessLogEntry
		if err := proto.Unmarshal(raw.Data, &e); err != nil {
			return nil, 0, fmt.Errorf("audit: entry %d: %w", raw.Sequence, err)
		}
		out = append(out, Entry{Seq: raw.Sequence, Entry: &e})
		next = raw.Sequence + 1
	}
	// Only promise another page when there is one.
	if _, err := l.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subject)); errors.Is(err, jetstream.ErrMsgNotFound) {
		return out, 0, nil
	}
	return out, out[len(out)-1].Seq, nil
}
