package suite_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/suite/suitetest"

	// The descriptors the rows are taken from.
	_ "github.com/stafett/stafett/proto/stafett/consent/v1"
	_ "github.com/stafett/stafett/proto/stafett/continuity/v1"
	_ "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	_ "github.com/stafett/stafett/proto/stafett/pathway/v1"
	_ "github.com/stafett/stafett/proto/stafett/referral/v1"
	_ "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// The pipeline's invariant, over every RPC of every service: a command
// answered with an error appended nothing; a command that appended was
// answered with success, and its retry under the same request_id is answered
// with the same success and appends nothing more; a request_id reused for a
// different request is refused, appending nothing. Queries append nothing.
//
// The rows come from the service descriptors: an RPC without a row fails.

// call is one RPC made as someone.
type call struct {
	name string
	as   authn.TokenSpec
	req  proto.Message
}

// invariantCase is what a row sets up in a fresh suite.
type invariantCase struct {
	// ok succeeds (for a command: and appends).
	ok call
	// refused are each answered with an error.
	refused []call
	// reuse, for a command, sends ok's request_id with a different request.
	reuse *call
}

// invariantRow is one RPC: a query only needs ok; a command all three.
type invariantRow struct {
	query bool
	// operator marks an operator's RPC on a service's own queues (the feed's
	// poison queue): it changes no aggregate, so it carries no request_id
	// and appends nothing to the event stream, refused or not. Its refusals
	// are made before ok, which must still succeed: a refusal consumed nothing.
	operator bool
	setup    func(t *testing.T, env *suitetest.Env) invariantCase
}

var invariantServices = []string{
	"stafett.referral.v1.ReferralService",
	"stafett.consent.v1.ConsentService",
	"stafett.pathway.v1.PathwayService",
	"stafett.continuity.v1.ContinuityService",
	"stafett.handoffs.v1.HandoffService",
	"stafett.subscriptions.v1.SubscriptionAdminService",
}

func invariantRows() map[string]invariantRow {
	rows := map[string]invariantRow{}
	for _, part := range []map[string]invariantRow{
		referralInvariantRows(), consentInvariantRows(), pathwayInvariantRows(),
		continuityInvariantRows(), handoffsInvariantRows(), subscriptionsInvariantRows(),
	} {
		for k, v := range part {
			rows[k] = v
		}
	}
	return rows
}

func TestARefusedCommandAppendsNothingAndAnAppendedOneIsAnsweredWithSuccess(t *testing.T) {
	rows := invariantRows()
	for _, svc := range invariantServices {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			t.Fatalf("%s: %v", svc, err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			m := methods.Get(i)
			full := "/" + svc + "/" + string(m.Name())
			t.Run(string(m.Name()), func(t *testing.T) {
				row, ok := rows[full]
				if !ok {
					t.Fatalf("no invariant row for %s: every RPC needs one", full)
				}
				if m.IsStreamingServer() || m.IsStreamingClient() {
					if !row.query {
						t.Fatalf("%s streams: only queries stream", full)
					}
					return
				}
				env := suitetest.Start(t)
				c := row.setup(t, env)
				checkInvariant(t, env, m, row, c)
			})
		}
	}
	for full := range rows {
		svc, _, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
		if !slices.Contains(invariantServices, svc) {
			t.Errorf("row %s names no known service", full)
		}
	}
}

func checkInvariant(t *testing.T, env *suitetest.Env, m protoreflect.MethodDescriptor, row invariantRow, c invariantCase) {
	t.Helper()
	ctx := t.Context()
	method := fmt.Sprintf("/%s/%s", m.Parent().FullName(), m.Name())
	if row.operator {
		before := env.LastSeq(ctx)
		for _, r := range c.refused {
			if _, err := invoke(ctx, env, m, r); status.Code(err) == codes.OK || internal(err) {
				t.Fatalf("%s (%s): %v, want a refusal that is not INTERNAL", method, r.name, err)
			}
		}
		if _, err := invoke(ctx, env, m, c.ok); err != nil {
			t.Fatalf("%s (%s) after the refusals: %v", method, c.ok.name, err)
		}
		if after := env.LastSeq(ctx); after != before {
			t.Fatalf("operator RPC %s appended %d commit(s) to the event stream", method, after-before)
		}
		return
	}
	if row.query {
		for _, r := range c.refused {
			if _, err := invoke(ctx, env, m, r); status.Code(err) == codes.OK || internal(err) {
				t.Fatalf("query %s (%s): %v, want a refusal that is not INTERNAL", method, r.name, err)
			}
		}
		before := env.LastSeq(ctx)
		if _, err := invoke(ctx, env, m, c.ok); err != nil {
			t.Fatalf("%s (%s): %v", method, c.ok.name, err)
		}
		if after := env.LastSeq(ctx); after != before {
			t.Fatalf("query %s appended %d commit(s)", method, after-before)
		}
		return
	}
	// Commands are counted by their own request id: process managers may
	// append on their own meanwhile, and must not be mistaken for the command.
	for _, r := range c.refused {
		_, err := invoke(ctx, env, m, r)
		if status.Code(err) == codes.OK || internal(err) {
			t.Fatalf("%s (%s): %v, want a refusal that is not INTERNAL", method, r.name, err)
		}
		if n := commitsOf(t, env, r.req); n != 0 {
			t.Fatalf("%s (%s) was refused (%v) but appended %d commit(s)", method, r.name, status.Code(err), n)
		}
	}
	first, err := invoke(ctx, env, m, c.ok)
	if err != nil {
		t.Fatalf("%s (%s): %v", method, c.ok.name, err)
	}
	appended := commitsOf(t, env, c.ok.req)
	if appended == 0 {
		t.Fatalf("command %s (%s) succeeded but appended nothing", method, c.ok.name)
	}
	again, err := invoke(ctx, env, m, c.ok)
	if err != nil {
		t.Fatalf("%s retried: %v", method, err)
	}
	if !proto.Equal(first, again) {
		t.Fatalf("%s retried under the same request_id answered differently:\nfirst %v\nagain %v", method, first, again)
	}
	if n := commitsOf(t, env, c.ok.req); n != appended {
		t.Fatalf("%s retried appended again", method)
	}
	if c.reuse == nil {
		t.Fatalf("command %s has no reuse case", method)
	}
	_, err = invoke(ctx, env, m, *c.reuse)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("%s with a reused request_id: %v, want INVALID_ARGUMENT", method, err)
	}
	if n := commitsOf(t, env, c.ok.req); n != appended {
		t.Fatalf("%s with a reused request_id appended", method)
	}
}

func internal(err error) bool {
	code := status.Code(err)
	return code == codes.Internal || code == codes.Unknown
}

// commitsOf counts the commits in the stream made under req's request id.
func commitsOf(t *testing.T, env *suitetest.Env, req proto.Message) int {
	t.Helper()
	field := req.ProtoReflect().Descriptor().Fields().ByName("request_id")
	if field == nil {
		t.Fatalf("%T has no request_id", req)
	}
	requestID := req.ProtoReflect().Get(field).String()
	records, _, err := env.Suite.Store.Load(t.Context(), eventstore.AllFilter, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range records {
		if requestID != "" && strings.HasSuffix(r.Commit.GetIdempotencyKey(), "/"+requestID) {
			n++
		}
	}
	return n
}

func invoke(ctx context.Context, env *suitetest.Env, m protoreflect.MethodDescriptor, c call) (proto.Message, error) {
	out, err := protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName())
	if err != nil {
		return nil, err
	}
	resp := out.New().Interface()
	method := fmt.Sprintf("/%s/%s", m.Parent().FullName(), m.Name())
	err = env.Client.Invoke(env.As(ctx, c.as), method, c.req, resp)
	return resp, err
}
