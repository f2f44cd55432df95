package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/paging"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ListReferrals filters a unit's referrals.
type ListReferrals struct {
	Unit          domain.Unit
	Status        referralv1.ReferralStatus
	DueOnOrBefore string
	PageSize      int
	PageToken     string
}

// ReferralPage is one page of referrals, oldest receipt first.
type ReferralPage struct {
	Referrals     []domain.Referral
	NextPageToken string
}

// ListReferrals lists the referrals a unit holds now that the actor may read.
// Visibility is decided before paging: the candidates are the referrals the
// actor's organisation holds, the page is cut from them, and one batched
// access check decides the page's rows.
func (a *App) ListReferrals(ctx context.Context, actor access.Actor, in ListReferrals) (ReferralPage, error) {
	var v errs.Validation
	v.Unit("receiving_unit", in.Unit)
	v.Enum("status", in.Status)
	var due civil.Date
	if in.DueOnOrBefore != "" {
		d, err := civil.Parse(in.DueOnOrBefore)
		if err != nil {
			v.Add("due_on_or_before", "must be a real date as YYYY-MM-DD")
		}
		due = d
	}
	after, size := paging.Parse(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return ReferralPage{}, err
	}

	var matches []domain.Referral
	for _, id := range a.visible.of(actor.OrgNumber) {
		r := a.image.Get(id).State
		if r.Unit != in.Unit ||
			(in.Status != referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED && r.Status != in.Status) ||
			(!due.IsZero() && (r.AssessmentDue.IsZero() || r.AssessmentDue.After(due))) ||
			!after.Precedes(r.ReceivedAt, r.ID) {
			continue
		}
		matches = append(matches, r)
	}
	slices.SortFunc(matches, func(x, y domain.Referral) int {
		return cmp.Or(x.ReceivedAt.Compare(y.ReceivedAt), strings.Compare(x.ID, y.ID))
	})
	var page ReferralPage
	if len(matches) > size {
		last := matches[size-1]
		page.NextPageToken = paging.After(last.ReceivedAt, last.ID).Encode()
		matches = matches[:size]
	}
	visible, err := a.referrals.Visible(ctx, actor, matches, read("ListReferrals"))
	if err != nil {
		return ReferralPage{}, err
	}
	page.Referrals = visible
	return page, nil
}
