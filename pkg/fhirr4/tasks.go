package fhirr4

import (
	"github.com/stafett/stafett/pkg/eventstore"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Tasks folds the Task of every referral from the stream: it routes each
// referral commit to its referral and each pathway commit to the referral
// the pathway started from. It is not safe for concurrent use; a view that
// serves readers guards it.
type Tasks struct {
	byReferral map[string]TaskState
	byPathway  map[string]string
}

// NewTasks returns an empty fold.
func NewTasks() *Tasks {
	return &Tasks{byReferral: map[string]TaskState{}, byPathway: map[string]string{}}
}

// Apply folds one commit into the Task it concerns. ok is false for a
// commit no referral's Task folds (another context's, or a pathway commit
// before its start was seen); changed reports whether the Task a reader
// sees is different.
func (t *Tasks) Apply(c *eventsv1.Commit) (state TaskState, changed, ok bool, err error) {
	var referralID string
	switch c.GetAggregateType() {
	case "referral":
		referralID = c.GetAggregateId()
	case "pathway":
		referralID = t.byPathway[c.GetAggregateId()]
	default:
		return TaskState{}, false, false, nil
	}
	events, err := eventstore.DecodeEvents(c)
	if err != nil {
		return TaskState{}, false, false, err
	}
	if referralID == "" {
		if referralID = ReferralOf(events); referralID == "" {
			return TaskState{}, false, false, nil
		}
		t.byPathway[c.GetAggregateId()] = referralID
	}
	current, known := t.byReferral[referralID]
	if !known {
		current = NewTaskState(referralID)
	}
	next, changed := current.ApplyEvents(c, events)
	if !next.Exists() {
		// A pathway of a referral not (yet) seen: nothing to show.
		return TaskState{}, false, false, nil
	}
	t.byReferral[referralID] = next
	return next, changed, true, nil
}

// Get returns a referral's Task state.
func (t *Tasks) Get(referralID string) (TaskState, bool) {
	s, ok := t.byReferral[referralID]
	return s, ok
}

// Range calls f for every Task until f returns false.
func (t *Tasks) Range(f func(TaskState) bool) {
	for _, s := range t.byReferral {
		if !f(s) {
			return
		}
	}
}

// Len is the number of referrals folded.
func (t *Tasks) Len() int { return len(t.byReferral) }
