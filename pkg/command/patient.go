package command

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
)

// OfPatient answers a query for one patient's aggregates (a page of them,
// already cut) as one read of that patient's data: one access check for the
// patient whether or not the page holds anything, and one access-log record
// only when rows are answered. A patient with no rows and a patient whose
// rows the actor may not see do the same work and give the same empty
// answer, so neither content nor timing tells whether there is anything.
// An empty answer is the caller's cue to leave out its page token too.
func (a *Aggregate[S]) OfPatient(ctx context.Context, actor access.Actor, read access.Read, page []S) ([]S, error) {
	d, err := a.guard.Check(ctx, actor, read)
	if err != nil {
		return nil, err
	}
	var out []S
	for _, s := range page {
		if a.permits(s, actor, read, d) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := a.guard.Record(ctx, actor, read, d); err != nil {
		return nil, err
	}
	return out, nil
}
