package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/watermark"
)

// TaskView is every referral's FHIR Task, folded from the referral and
// pathway commits of the stream by its own consumer. It holds the pathway
// facts a Task shows (first attendance, completion) so that no read has to
// ask the pathway service.
type TaskView struct {
	mu      sync.RWMutex
	tasks   *fhirr4.Tasks
	applied *watermark.Watermark
	sub     *eventstore.Subscription
}

// taskViewFilters are the subjects a Task folds.
var taskViewFilters = []string{
	eventstore.SubjectRoot + ".referral.referral.>",
	eventstore.SubjectRoot + ".pathway.pathway.>",
}

// StartTaskView folds the stream from its start and returns once the view
// holds every referral and pathway commit that was in the stream when it was
// called; it goes on following the stream until ctx ends or Stop.
func StartTaskView(ctx context.Context, store *eventstore.Store, logger *slog.Logger) (*TaskView, error) {
	v := &TaskView{tasks: fhirr4.NewTasks(), applied: watermark.New()}
	var target uint64
	for _, f := range taskViewFilters {
		last, err := store.LastSubjectSeq(ctx, f)
		if err != nil {
			return nil, err
		}
		target = max(target, last)
	}
	sub, err := store.Subscribe(ctx, eventstore.SubscribeOptions{Name: "referral.tasks", Filters: taskViewFilters, Logger: logger},
		func(_ context.Context, rec eventstore.Record) error {
			if err := v.apply(rec); err != nil {
				return err
			}
			v.applied.Mark(rec.Seq)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := v.applied.Wait(ctx, target); err != nil {
		sub.Stop()
		return nil, fmt.Errorf("referral: task view: %w", err)
	}
	v.sub = sub
	return v, nil
}

func (v *TaskView) apply(rec eventstore.Record) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, _, _, err := v.tasks.Apply(rec.Commit)
	return err
}

// Stop ends the view's consumer.
func (v *TaskView) Stop() { v.sub.Stop() }

// WaitApplied blocks until the view has folded stream sequence seq.
func (v *TaskView) WaitApplied(ctx context.Context, seq uint64) error {
	return v.applied.Wait(ctx, seq)
}

// Get is one referral's Task state.
func (v *TaskView) Get(referralID string) (fhirr4.TaskState, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.tasks.Get(referralID)
}

// Filter returns the Task states match accepts.
func (v *TaskView) Filter(match func(fhirr4.TaskState) bool) []fhirr4.TaskState {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var out []fhirr4.TaskState
	v.tasks.Range(func(s fhirr4.TaskState) bool {
		if match(s) {
			out = append(out, s)
		}
		return true
	})
	return out
}
