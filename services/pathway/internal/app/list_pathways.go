package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/paging"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// ListPathways lists a patient's or a unit's pathways. Exactly one of
// PatientID and Unit is set.
type ListPathways struct {
	Caller    Caller
	PatientID string
	Unit      *domain.Unit
	Status    pathwayv1.PathwayStatus
	PageSize  int
	PageToken string
}

// PathwayPage is one page of pathways, oldest start first.
type PathwayPage struct {
	Pathways      []domain.Pathway
	NextPageToken string
}

// ListPathways returns the pathways the caller may read. Every patient whose
// pathways appear is checked with the consent service and logged; a patient
// the caller may not see is left out, exactly as if they had no pathway.
func (a *App) ListPathways(ctx context.Context, in ListPathways) (PathwayPage, error) {
	var v errs.Validation
	switch {
	case in.PatientID == "" && in.Unit == nil:
		v.Add("subject", "one of patient_id or unit is required")
	case in.PatientID != "" && !ids.IsPatientID(in.PatientID):
		v.Add("patient_id", "is not a patient id")
	case in.Unit != nil:
		v.Unit("unit", *in.Unit)
	}
	if _, ok := pathwayv1.PathwayStatus_name[int32(in.Status)]; !ok {
		v.Add("status", "is not a known status")
	}
	after, size := paging.Parse(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return PathwayPage{}, err
	}

	var matches []domain.Pathway
	a.image.Range(func(s decider.Snapshot[domain.Pathway]) bool {
		p := s.State
		if (in.PatientID != "" && p.PatientID != in.PatientID) ||
			(in.Unit != nil && p.Unit != *in.Unit) ||
			(in.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_UNSPECIFIED && p.Status != in.Status) ||
			!after.Precedes(p.StartedAt, p.ID) {
			return true
		}
		matches = append(matches, p)
		return true
	})
	slices.SortFunc(matches, func(x, y domain.Pathway) int {
		return cmp.Or(x.StartedAt.Compare(y.StartedAt), strings.Compare(x.ID, y.ID))
	})

	method := "ListPathways"
	resource := "patients/" + in.PatientID + "/pathways"
	if in.Unit != nil {
		resource = "units/" + in.Unit.HerID + "/pathways"
	}
	allowed := map[string]bool{}
	var page PathwayPage
	for _, p := range matches {
		ok, seen := allowed[p.PatientID]
		if !seen {
			var err error
			ok, err = a.allowRead(ctx, in.Caller, pathwayRead(p.PatientID, method, resource))
			if err != nil {
				return PathwayPage{}, err
			}
			allowed[p.PatientID] = ok
		}
		if !ok {
			continue
		}
		if len(page.Pathways) == size {
			last := page.Pathways[len(page.Pathways)-1]
			page.NextPageToken = paging.After(last.StartedAt, last.ID).Encode()
			break
		}
		page.Pathways = append(page.Pathways, p)
	}
	return page, nil
}

// allowRead is Guard.Allow with a refusal as false instead of NotFound.
func (a *App) allowRead(ctx context.Context, c Caller, read access.Read) (bool, error) {
	d, err := a.guard.Check(ctx, c.Access, read)
	if err != nil || !d.Permit {
		return false, err
	}
	if err := a.guard.Record(ctx, c.Access, read, d); err != nil {
		return false, err
	}
	return true, nil
}
