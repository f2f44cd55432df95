package eventstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Drift is one way an existing stream's configuration differs from what
// the suite would have created. The suite never rewrites such a stream:
// replicas, placement tags, limits and the like are an operator's to set.
type Drift struct {
	Stream  string
	Setting string
	Have    string
	Want    string
	// Breaks means the stream cannot keep the suite's promises as
	// configured (events could age out or vanish, appends could not land,
	// a retry could be stored twice), so the stream is refused.
	Breaks bool
}

func (d Drift) String() string {
	return fmt.Sprintf("%s: %s is %s, the suite expects %s", d.Stream, d.Setting, d.Have, d.Want)
}

// ErrStreamUnsafe means an existing stream is configured so that the suite
// could lose or duplicate what it stores; the error lists the settings.
var ErrStreamUnsafe = errors.New("eventstore: stream configuration is unsafe for the suite")

// Rules say what an existing stream must hold to for the suite.
type Rules struct {
	// AppendTimeout is how long an append may wait; the duplicate window
	// must outlast it, so that a retry after a timeout is deduplicated.
	AppendTimeout time.Duration
	// MayAgeOut accepts a max_age an operator set: a retention period the
	// data controller decided (the access log), reported, never refused.
	// Events may never age out.
	MayAgeOut bool
}

// OpenStream is EnsureStream for the suite's own streams: the stream want
// describes is created if it is missing, and one that exists is left
// exactly as it is — never updated — and checked against want instead.
// Every difference is returned, and those that break the store's guarantees
// make OpenStream fail with ErrStreamUnsafe naming them, so an operator's
// setting is never silently overwritten and never silently unsafe.
func OpenStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig, rules Rules) (jetstream.Stream, []Drift, error) {
	stream, err := EnsureStream(ctx, js, want)
	if err != nil {
		return nil, nil, fmt.Errorf("eventstore: open stream %s: %w", want.Name, err)
	}
	drifts := checkStream(stream.CachedInfo().Config, want, rules)
	var unsafe []string
	for _, d := range drifts {
		if d.Breaks {
			unsafe = append(unsafe, d.String())
		}
	}
	if len(unsafe) > 0 {
		return nil, drifts, fmt.Errorf("%w: %s", ErrStreamUnsafe, strings.Join(unsafe, "; "))
	}
	return stream, drifts, nil
}

// checkStream compares an existing stream's configuration with want.
func checkStream(have, want jetstream.StreamConfig, rules Rules) []Drift {
	var out []Drift
	drift := func(setting string, h, w any, breaks bool) {
		out = append(out, Drift{Stream: want.Name, Setting: setting, Have: fmt.Sprint(h), Want: fmt.Sprint(w), Breaks: breaks})
	}
	for _, subject := range want.Subjects {
		if !slices.ContainsFunc(have.Subjects, func(s string) bool { return covers(s, subject) }) {
			// Appends to uncovered subjects would find no stream.
			drift("subjects", have.Subjects, want.Subjects, true)
			break
		}
	}
	if have.Retention != want.Retention {
		// Interest or work-queue retention deletes what was consumed.
		drift("retention", have.Retention, want.Retention, true)
	}
	if have.MaxAge != want.MaxAge {
		drift("max_age", have.MaxAge, want.MaxAge, have.MaxAge > 0 && !rules.MayAgeOut)
	}
	limited := have.MaxMsgs > 0 || have.MaxBytes > 0 || have.MaxMsgsPerSubject > 0
	if have.Discard != want.Discard {
		// With discard old, a limit deletes the oldest events to make room.
		drift("discard", have.Discard, want.Discard, have.Discard == jetstream.DiscardOld && limited)
	}
	if limited {
		// With discard new, a full stream refuses appends (UNAVAILABLE):
		// nothing is lost, but capacity must be watched.
		drift("limits", fmt.Sprintf("max_msgs=%d max_bytes=%d max_msgs_per_subject=%d", have.MaxMsgs, have.MaxBytes, have.MaxMsgsPerSubject), "none", have.Discard == jetstream.DiscardOld)
	}
	if want.Duplicates > 0 && have.Duplicates != want.Duplicates {
		// A retry after an append timed out must still be deduplicated.
		drift("duplicate_window", have.Duplicates, want.Duplicates, have.Duplicates <= rules.AppendTimeout)
	}
	if have.Replicas != want.Replicas {
		drift("replicas", have.Replicas, want.Replicas, false)
	}
	if have.Storage != want.Storage {
		drift("storage", have.Storage, want.Storage, false)
	}
	if have.DenyDelete != want.DenyDelete {
		drift("deny_delete", have.DenyDelete, want.DenyDelete, false)
	}
	if have.DenyPurge != want.DenyPurge {
		drift("deny_purge", have.DenyPurge, want.DenyPurge, false)
	}
	if have.AllowDirect != want.AllowDirect {
		drift("allow_direct", have.AllowDirect, want.AllowDirect, false)
	}
	return out
}

// covers reports whether the stream subject filter f matches every subject
// that s matches (f is s, or a wildcard over it).
func covers(f, s string) bool {
	ft, st := strings.Split(f, "."), strings.Split(s, ".")
	for i, tok := range ft {
		if tok == ">" {
			return len(st) > i
		}
		if i >= len(st) || (tok != "*" && tok != st[i]) || (tok == "*" && st[i] == ">") {
			return false
		}
	}
	return len(ft) == len(st)
}
