package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/paging"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// ListPathways lists a patient's or a unit's pathways. Exactly one of
// PatientID and Unit is set.
type ListPathways struct {
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

// ListPathways returns the pathways the actor may read. Visibility is decided
// before paging, and denied costs what absent costs:
//   - by patient, the candidates are the patient's pathways; one access check
//     for the patient decides the page, whether it holds anything or not, and
//     a denied page is as empty as a patient with no pathway, token included;
//   - by unit, the candidates are the pathways at the actor's organisation's
//     units; the page is cut from them and one batched access check decides
//     its rows, so the token depends only on what the organisation may see.
func (a *App) ListPathways(ctx context.Context, actor access.Actor, in ListPathways) (PathwayPage, error) {
	var v errs.Validation
	switch {
	case in.PatientID == "" && in.Unit == nil:
		v.Add("subject", "one of patient_id or unit is required")
	case in.PatientID != "" && in.Unit != nil:
		v.Add("subject", "only one of patient_id or unit may be set")
	case in.PatientID != "" && !ids.IsPatientID(in.PatientID):
		v.Add("patient_id", "is not a patient id")
	case in.Unit != nil:
		v.Unit("unit", *in.Unit)
	}
	v.Enum("status", in.Status)
	after, size := paging.Parse(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return PathwayPage{}, err
	}

	if in.Unit != nil {
		page := a.page(a.visible.ofOrg(actor.OrgNumber), in, after, size)
		resource := "units/" + in.Unit.HerID + "/pathways"
		visible, err := a.pathways.Visible(ctx, actor, page.Pathways, func(p domain.Pathway) access.Read {
			return pathwayRead(p.PatientID, "ListPathways", resource)
		})
		if err != nil {
			return PathwayPage{}, err
		}
		page.Pathways = visible
		return page, nil
	}
	page := a.page(a.visible.ofPatient(in.PatientID), in, after, size)
	visible, err := a.pathways.OfPatient(ctx, actor, pathwayRead(in.PatientID, "ListPathways", "patients/"+in.PatientID+"/pathways"), page.Pathways)
	if err != nil {
		return PathwayPage{}, err
	}
	page.Pathways = visible
	if len(visible) == 0 {
		// Nothing answered: whether more would follow is not the actor's to know.
		page.NextPageToken = ""
	}
	return page, nil
}

// page filters the candidates by the request, sorts them by start, and cuts
// the page after the cursor; the token is the last row's key when more follow.
func (a *App) page(candidates []string, in ListPathways, after paging.Cursor, size int) PathwayPage {
	var matches []domain.Pathway
	for _, id := range candidates {
		p := a.image.Get(id).State
		if (in.Unit != nil && p.Unit != *in.Unit) ||
			(in.PatientID != "" && p.PatientID != in.PatientID) ||
			(in.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_UNSPECIFIED && p.Status != in.Status) ||
			!after.Precedes(p.StartedAt, p.ID) {
			continue
		}
		matches = append(matches, p)
	}
	slices.SortFunc(matches, func(x, y domain.Pathway) int {
		return cmp.Or(x.StartedAt.Compare(y.StartedAt), strings.Compare(x.ID, y.ID))
	})
	var page PathwayPage
	if len(matches) > size {
		last := matches[size-1]
		page.NextPageToken = paging.After(last.StartedAt, last.ID).Encode()
		matches = matches[:size]
	}
	page.Pathways = matches
	return page
}
