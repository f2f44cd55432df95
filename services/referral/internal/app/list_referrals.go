package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/paging"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ListReferrals filters a unit's referrals.
type ListReferrals struct {
	Actor         domain.Actor
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
func (a *App) ListReferrals(ctx context.Context, in ListReferrals) (ReferralPage, error) {
	var v errs.Validation
	v.Unit("receiving_unit", in.Unit)
	if !statusOK(in.Status) {
		v.Add("status", "is not a known status")
	}
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
	a.image.Range(func(s decider.Snapshot[domain.Referral]) bool {
		r := s.State
		if r.Unit != in.Unit ||
			(in.Status != referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED && r.Status != in.Status) ||
			(!due.IsZero() && (r.AssessmentDue.IsZero() || r.AssessmentDue.After(due))) ||
			!after.Precedes(r.ReceivedAt, r.ID) {
			return true
		}
		matches = append(matches, r)
		return true
	})
	slices.SortFunc(matches, func(x, y domain.Referral) int {
		return cmp.Or(x.ReceivedAt.Compare(y.ReceivedAt), strings.Compare(x.ID, y.ID))
	})

	// Each referral is its own patient's data: only those the actor may read
	// are listed, and each listed one is logged.
	var page ReferralPage
	for _, r := range matches {
		if len(page.Referrals) == size {
			last := page.Referrals[len(page.Referrals)-1]
			page.NextPageToken = paging.After(last.ReceivedAt, last.ID).Encode()
			break
		}
		ok, err := a.tryReveal(ctx, in.Actor, r, "ListReferrals")
		if err != nil {
			return ReferralPage{}, err
		}
		if ok {
			page.Referrals = append(page.Referrals, r)
		}
	}
	return page, nil
}
