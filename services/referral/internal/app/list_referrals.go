package app

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
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

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// ListReferrals lists the referrals a unit holds now that the actor may read.
func (a *App) ListReferrals(ctx context.Context, in ListReferrals) (ReferralPage, error) {
	var v errs.Validation
	validateUnit(&v, "receiving_unit", in.Unit)
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
	if in.PageSize < 0 {
		v.Add("page_size", "must not be negative")
	}
	after, err := decodePageToken(in.PageToken)
	if err != nil {
		v.Add("page_token", "is not a token this service issued")
	}
	if err := v.Err(); err != nil {
		return ReferralPage{}, err
	}
	size := in.PageSize
	if size == 0 {
		size = defaultPageSize
	}
	size = min(size, maxPageSize)

	var matches []domain.Referral
	a.image.Range(func(s decider.Snapshot[domain.Referral]) bool {
		r := s.State
		if r.Unit != in.Unit ||
			(in.Status != referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED && r.Status != in.Status) ||
			(!due.IsZero() && (r.AssessmentDue.IsZero() || r.AssessmentDue.After(due))) ||
			!after.before(r) {
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
			page.NextPageToken = encodePageToken(page.Referrals[len(page.Referrals)-1])
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

// pagePosition is the sort key of the last referral on the previous page.
type pagePosition struct {
	set        bool
	receivedAt time.Time
	id         string
}

func (p pagePosition) before(r domain.Referral) bool {
	if !p.set {
		return true
	}
	if c := p.receivedAt.Compare(r.ReceivedAt); c != 0 {
		return c < 0
	}
	return p.id < r.ID
}

func encodePageToken(r domain.Referral) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(r.ReceivedAt.UnixNano(), 10) + ":" + r.ID))
}

func decodePageToken(token string) (pagePosition, error) {
	if token == "" {
		return pagePosition{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return pagePosition{}, fmt.Errorf("page token: %w", err)
	}
	nanos, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return pagePosition{}, fmt.Errorf("page token: malformed")
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return pagePosition{}, fmt.Errorf("page token: %w", err)
	}
	return pagePosition{set: true, receivedAt: time.Unix(0, n), id: id}, nil
}
