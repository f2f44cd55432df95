package command

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
)

func (a *Aggregate[S]) permits(state S, actor access.Actor, read access.Read, d access.Decision) bool {
	return d.Permit && read.PatientID != "" && (a.admit == nil || a.admit(state, actor, d))
}

// Get answers a query for one aggregate as a logged read. Absent and denied
// do the same work — one image read and one access check, no log — and give
// the same NOT_FOUND, so neither content nor timing tells them apart.
func (a *Aggregate[S]) Get(ctx context.Context, actor access.Actor, id string, read func(S) access.Read) (S, error) {
	state := a.runtime.Image().Get(id).State
	r := read(state)
	exists := a.exists(state)
	if !exists {
		r.PatientID = ""
	}
	d, err := a.guard.Check(ctx, actor, r)
	if err != nil {
		var zero S
		return zero, err
	}
	if !exists || !a.permits(state, actor, r, d) {
		var zero S
		return zero, errs.NotFound(a.what)
	}
	if err := a.guard.Record(ctx, actor, r, d); err != nil {
		var zero S
		return zero, err
	}
	return state, nil
}

// Visible keeps the rows of one page that actor may read, in order, and logs
// each: one batched access check for the whole page, whatever it holds. The
// page must already be cut from candidates the caller's organisation may see,
// so what is hidden here never shapes paging.
func (a *Aggregate[S]) Visible(ctx context.Context, actor access.Actor, page []S, read func(S) access.Read) ([]S, error) {
	reads := make([]access.Read, len(page))
	for i, s := range page {
		reads[i] = read(s)
	}
	decisions, err := a.guard.CheckBatch(ctx, actor, reads)
	if err != nil {
		return nil, err
	}
	var out []S
	for i, s := range page {
		if !a.permits(s, actor, reads[i], decisions[i]) {
			continue
		}
		if err := a.guard.Record(ctx, actor, reads[i], decisions[i]); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
