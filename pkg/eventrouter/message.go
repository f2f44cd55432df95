// Package eventrouter runs watermill routers over durable JetStream
// consumers of the event stream (DESIGN §4): the process managers and the
// outbound feeds. A consumer's acknowledgements are its checkpoint, so a
// restarted process resumes where the last one stopped instead of replaying
// history; handlers stay idempotent because JetStream delivers at least once.
//
// Messages keep the stored commit byte for byte and every NATS header
// (Stafett-Commit-Type, Stafett-Patient, traceparent, Nats-Msg-Id), plus the
// message's place in its stream as metadata.
package eventrouter

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/eventstore"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Metadata keys the unmarshaler adds beside the message's own headers.
const (
	// MetaStream and MetaSeq place the message in its stream.
	MetaStream = "Stafett-Stream"
	MetaSeq    = "Stafett-Stream-Seq"
	// MetaSubject is the subject the message was stored under.
	MetaSubject = "Stafett-Subject"
	// MetaPublished is when the stream stored it (RFC 3339, nanoseconds).
	MetaPublished = "Stafett-Published"
	// MetaDelivered counts deliveries of this message to the consumer, 1 first.
	MetaDelivered = "Stafett-Delivered"
)

// Unmarshaler turns a JetStream message into a watermill message without
// touching the payload: a commit stays the protobuf the event store wrote,
// so handlers decode exactly what was appended. It never fails — the
// subscriber cannot handle a failed unmarshal — so a message that is not a
// commit reaches the handler, which decides whether it is poison.
type Unmarshaler struct{}

// Unmarshal implements the watermill-nats JetStream Unmarshaler.
func (Unmarshaler) Unmarshal(m jetstream.Msg) (*message.Message, error) {
	md := make(message.Metadata, len(m.Headers())+5)
	for k, v := range m.Headers() {
		if len(v) > 0 {
			md.Set(k, v[0])
		}
	}
	md.Set(MetaSubject, m.Subject())
	var id string
	if meta, err := m.Metadata(); err == nil {
		md.Set(MetaStream, meta.Stream)
		md.Set(MetaSeq, strconv.FormatUint(meta.Sequence.Stream, 10))
		md.Set(MetaPublished, meta.Timestamp.UTC().Format(time.RFC3339Nano))
		md.Set(MetaDelivered, strconv.FormatUint(meta.NumDelivered, 10))
		id = meta.Stream + ":" + strconv.FormatUint(meta.Sequence.Stream, 10)
	}
	// Prefer the id the publisher gave the message, so a republished copy
	// (a poison queue entry) keeps it.
	if v := md.Get(wmnats.WatermillUUIDHdr); v != "" {
		id = v
	} else if id == "" {
		id = md.Get(nats.MsgIdHdr)
	}
	msg := message.NewMessage(id, m.Data())
	msg.Metadata = md
	return msg, nil
}

// Seq is the message's stream sequence, 0 when unknown.
func Seq(msg *message.Message) uint64 {
	seq, _ := strconv.ParseUint(msg.Metadata.Get(MetaSeq), 10, 64)
	return seq
}

// Delivered is how often the message has been delivered, 1 the first time.
func Delivered(msg *message.Message) uint64 {
	n, _ := strconv.ParseUint(msg.Metadata.Get(MetaDelivered), 10, 64)
	return n
}

// Header rebuilds the message's NATS headers from its metadata.
func Header(msg *message.Message) nats.Header {
	h := make(nats.Header, len(msg.Metadata))
	for k, v := range msg.Metadata {
		h[k] = []string{v}
	}
	return h
}

// ErrNotACommit marks a message whose payload is not a Commit: nothing can
// be built from it, so it belongs in a poison queue.
var ErrNotACommit = errors.New("eventrouter: message is not a commit")

// Record decodes the message into the event store's record of the commit.
// The error wraps ErrNotACommit (and eventstore.ErrUndecodable) when the
// payload is not a commit.
func Record(msg *message.Message) (eventstore.Record, error) {
	rec := eventstore.Record{Seq: Seq(msg), Subject: msg.Metadata.Get(MetaSubject), Header: Header(msg)}
	if at, err := time.Parse(time.RFC3339Nano, msg.Metadata.Get(MetaPublished)); err == nil {
		rec.Published = at
	}
	var c eventsv1.Commit
	if err := proto.Unmarshal(msg.Payload, &c); err != nil || c.GetCommitId() == "" {
		return rec, fmt.Errorf("%w (%w): seq %d", ErrNotACommit, eventstore.ErrUndecodable, rec.Seq)
	}
	rec.Commit = &c
	return rec, nil
}
