package ports

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/paging"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
)

// Admin implements stafett.subscriptions.v1.SubscriptionAdminService.
type Admin struct {
	subscriptionsv1.UnimplementedSubscriptionAdminServiceServer
	app *app.App
}

// NewAdmin returns the operators' gRPC server.
func NewAdmin(a *app.App) *Admin { return &Admin{app: a} }

// AdminScopes is the scope each RPC needs; the application also requires
// the ops role.
func AdminScopes() authn.Policy {
	s := subscriptionsv1.SubscriptionAdminService_ServiceDesc.ServiceName
	return authn.Policy{
		"/" + s + "/ListPoisonMessages":  ReadScope,
		"/" + s + "/ReplayPoisonMessage": WriteScope,
	}
}

func grpcCaller(ctx context.Context) (app.Caller, error) {
	p, ok := authn.FromContext(ctx)
	if !ok {
		return app.Caller{}, errs.Permission("no authenticated caller")
	}
	return app.Caller{Principal: p}, nil
}

const poisonPrefix = "poisonMessages/"

// ListPoisonMessages lists the poison queue.
func (s *Admin) ListPoisonMessages(ctx context.Context, req *subscriptionsv1.ListPoisonMessagesRequest) (*subscriptionsv1.ListPoisonMessagesResponse, error) {
	c, err := grpcCaller(ctx)
	if err != nil {
		return nil, err
	}
	var after uint64
	if t := req.GetPageToken(); t != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(t)
		if after, err = strconv.ParseUint(string(raw), 10, 64); derr != nil || err != nil {
			return nil, errs.Invalid("page_token", "is not a token this listing gave")
		}
	}
	page, err := s.app.ListPoison(ctx, c, after, paging.Size(int(req.GetPageSize())))
	if err != nil {
		return nil, err
	}
	out := &subscriptionsv1.ListPoisonMessagesResponse{}
	for _, p := range page.Entries {
		out.PoisonMessages = append(out.PoisonMessages, &subscriptionsv1.PoisonMessage{
			Name: poisonPrefix + strconv.FormatUint(p.ID, 10), StreamSequence: p.Seq, Subject: p.Subject,
			CommitType: p.CommitType, Reason: p.Reason, PoisonedAt: timestamppb.New(p.At),
		})
	}
	if page.Next != 0 {
		out.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(page.Next, 10)))
	}
	return out, nil
}

// ReplayPoisonMessage replays one entry.
func (s *Admin) ReplayPoisonMessage(ctx context.Context, req *subscriptionsv1.ReplayPoisonMessageRequest) (*subscriptionsv1.ReplayPoisonMessageResponse, error) {
	c, err := grpcCaller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(req.GetName(), poisonPrefix), 10, 64)
	if err != nil || !strings.HasPrefix(req.GetName(), poisonPrefix) {
		return nil, errs.Invalid("name", "is poisonMessages/{id}")
	}
	n, err := s.app.ReplayPoison(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &subscriptionsv1.ReplayPoisonMessageResponse{NotificationsQueued: int32(n)}, nil
}
