package app

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// taskChange is what one commit did to a referral's Task.
type taskChange struct {
	Seq           uint64
	Before, After fhirr4.TaskState
	Changed       bool
}

// taskFold is every referral's Task, folded from referral and pathway
// commits in stream order. The fan-out asks it what each commit changed.
// Folding is idempotent by sequence: a commit at or below a referral's last
// folded one is answered with what it did then, so a redelivered commit is
// told about exactly as the first time.
type taskFold struct {
	mu         sync.Mutex
	byReferral map[string]foldedTask
	byPathway  map[string]string
}

type foldedTask struct {
	state fhirr4.TaskState
	last  taskChange
}

func newTaskFold() *taskFold {
	return &taskFold{byReferral: map[string]foldedTask{}, byPathway: map[string]string{}}
}

// apply folds one commit; ok is false when it concerns no known referral.
func (f *taskFold) apply(rec eventstore.Record) (taskChange, bool, error) {
	c := rec.Commit
	var referralID string
	f.mu.Lock()
	defer f.mu.Unlock()
	switch c.GetAggregateType() {
	case "referral":
		referralID = c.GetAggregateId()
	case "pathway":
		referralID = f.byPathway[c.GetAggregateId()]
	default:
		return taskChange{}, false, nil
	}
	if referralID != "" {
		if t, ok := f.byReferral[referralID]; ok && rec.Seq <= t.last.Seq {
			return t.last, rec.Seq == t.last.Seq, nil
		}
	}
	events, err := rec.Events()
	if err != nil {
		return taskChange{}, false, err
	}
	if referralID == "" {
		if referralID = fhirr4.ReferralOf(events); referralID == "" {
			return taskChange{}, false, nil
		}
		f.byPathway[c.GetAggregateId()] = referralID
	}
	t, known := f.byReferral[referralID]
	if !known {
		t.state = fhirr4.NewTaskState(referralID)
	}
	next, changed := t.state.ApplyEvents(c, events)
	if !next.Exists() {
		return taskChange{}, false, nil
	}
	ch := taskChange{Seq: rec.Seq, Before: t.state, After: next, Changed: changed}
	f.byReferral[referralID] = foldedTask{state: next, last: ch}
	return ch, true, nil
}

// get is a referral's Task as folded so far.
func (f *taskFold) get(referralID string) (fhirr4.TaskState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.byReferral[referralID]
	return t.state, ok
}

// referralOfPathway is the referral a known pathway belongs to.
func (f *taskFold) referralOfPathway(pathwayID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byPathway[pathwayID]
}

// view is what matching needs of a Task.
func view(s fhirr4.TaskState) domain.TaskView {
	return domain.TaskView{
		Exists: s.Exists(),
		Owner:  domain.Unit{HerID: s.Owner.HerID, OrgNumber: s.Owner.OrgNumber},
		Sender: s.Sender,
	}
}

// taskAt is a referral's Task exactly as it was after the commit at seq,
// folded from the store: the referral's commits and those of the pathways
// named, up to seq. A notification shows the change it reports, not what
// happened since.
func taskAt(ctx context.Context, store *eventstore.Store, referralID string, pathwayIDs []string, seq uint64) (fhirr4.TaskState, error) {
	recs, _, err := store.Load(ctx, eventstore.Subject("referral", "referral", referralID), 0)
	if err != nil {
		return fhirr4.TaskState{}, err
	}
	for _, id := range pathwayIDs {
		more, _, err := store.Load(ctx, eventstore.Subject("pathway", "pathway", id), 0)
		if err != nil {
			return fhirr4.TaskState{}, err
		}
		recs = append(recs, more...)
	}
	slices.SortFunc(recs, func(a, b eventstore.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	s := fhirr4.NewTaskState(referralID)
	for _, rec := range recs {
		if rec.Seq > seq {
			break
		}
		if s, _, err = s.Apply(rec.Commit); err != nil {
			return fhirr4.TaskState{}, err
		}
	}
	return s, nil
}
