package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ReceiveReferral is a referral as an integration engine submits it.
type ReceiveReferral struct {
	Actor             domain.Actor
	RequestID         string
	ExternalID        string
	PatientNationalID string
	ReferrerHPR       string
	ReferrerOrgNumber string
	Unit              domain.Unit
	Reason            string
	Urgency           referralv1.Urgency
	Internal          bool
	// ReceivedAt is nil when the caller left it out: then it is now.
	ReceivedAt *time.Time
}

// ReceiveReferral registers a referral, or returns the one the same caller
// already registered under the same request id or external id.
func (a *App) ReceiveReferral(ctx context.Context, in ReceiveReferral) (domain.Referral, error) {
	now := a.clock.Now()
	cmd, err := a.validateReceive(in, now)
	if err != nil {
		return domain.Referral{}, err
	}
	if id, ok := a.keys.lookup(in.Actor.OrgNumber, in.RequestID, in.ExternalID); ok {
		return a.image.Get(id).State, nil
	}
	cmd.ReferralID = a.ids.New(now)
	meta := a.meta(in.Actor, in.RequestID, cmd.PatientID)
	// Within JetStream's duplicate window the message id catches a retry that
	// races the first attempt, before the key index has seen it. The sender's
	// external id is the stronger identity when there is one.
	meta.MsgID = "referral.receive/" + decider.RequestKey(in.Actor.OrgNumber, in.RequestID)
	if in.ExternalID != "" {
		meta.MsgID = "referral.receive.external/" + decider.RequestKey(in.Actor.OrgNumber, in.ExternalID)
	}
	res, err := a.runtime.Execute(ctx, cmd.ReferralID, meta, func(r domain.Referral) ([]proto.Message, error) {
		return domain.DecideReceive(r, cmd, a.policy)
	})
	if err != nil {
		return domain.Referral{}, err
	}
	return res.State, nil
}

func (a *App) validateReceive(in ReceiveReferral, now time.Time) (domain.Receive, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Text("external_id", in.ExternalID, false, 128)
	nid, err := ids.ParseNationalID(in.PatientNationalID)
	if err != nil {
		v.Add("patient_national_id", ids.Reason(err))
	}
	if _, err := ids.ParseHPRNumber(in.ReferrerHPR); err != nil {
		v.Add("referrer_hpr", ids.Reason(err))
	}
	if err := ids.ValidateOrgNumber(in.ReferrerOrgNumber); err != nil {
		v.Add("referrer_org_number", ids.Reason(err))
	}
	v.Unit("receiving_unit", in.Unit)
	v.Text("reason", in.Reason, true, 20000)
	switch in.Urgency {
	case referralv1.Urgency_URGENCY_ROUTINE, referralv1.Urgency_URGENCY_URGENT, referralv1.Urgency_URGENCY_EMERGENCY:
	default:
		v.Add("urgency", "must be URGENCY_ROUTINE, URGENCY_URGENT or URGENCY_EMERGENCY")
	}
	receivedAt := now
	if in.ReceivedAt != nil {
		receivedAt = *in.ReceivedAt
		if receivedAt.After(now) {
			v.Add("received_at", "must not be in the future")
		}
	}
	if in.Actor.OrgNumber == "" {
		v.Add("caller", "token carries no organisation number")
	}
	if err := v.Err(); err != nil {
		return domain.Receive{}, err
	}
	return domain.Receive{
		RequestID:         in.RequestID,
		SenderOrgNumber:   in.Actor.OrgNumber,
		PatientID:         a.pseudonyms.PatientID(nid),
		PatientNationalID: nid.String(),
		PatientBirthDate:  nid.BirthDate(),
		ExternalID:        in.ExternalID,
		ReferrerHPR:       in.ReferrerHPR,
		ReferrerOrgNumber: in.ReferrerOrgNumber,
		Unit:              in.Unit,
		Reason:            in.Reason,
		Urgency:           in.Urgency,
		Internal:          in.Internal,
		ReceivedAt:        receivedAt,
	}, nil
}
