// Package audit keeps the access log: one entry per read of patient data, in
// its own stream with long retention, appended and acknowledged before the
// data leaves the service. The patient may list who looked, and why.
package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
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
}

// Open creates the audit stream if needed. Entries are never discarded or
// deleted: the patient's right to see who looked outlives any single record.
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (*Log, error) {
	if replicas == 0 {
		replicas = 1
	}
	stream, err := eventstore.EnsureStream(ctx, js, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Stafett access log: every read of patient data",
		Subjects:    []string{SubjectRoot + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	})
	if err != nil {
		return nil, fmt.Errorf("audit: create stream: %w", err)
	}
	return &Log{js: js, stream: stream}, nil
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
	if _, err := l.js.PublishMsg(ctx, msg); err != nil {
		return errs.Unavailable("access log", err)
	}
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
