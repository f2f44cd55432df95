package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func TestPoisonListShowsACommitNoNotificationCouldBeBuiltFromAndReplayRefusesItStill(t *testing.T) {
	env := suitetest.Start(t)
	js, err := jetstream.New(env.Conn)
	if err != nil {
		t.Fatal(err)
	}
	const subject = "stafett.events.referral.referral.garbled"
	if _, err := js.Publish(t.Context(), subject, []byte("not a commit")); err != nil {
		t.Fatal(err)
	}
	operator := env.Token(authn.TokenSpec{
		Subject: "ops:983974724", ChildOrgNumber: "983974724", Role: authn.RoleOps,
		Scopes: []string{"subscriptions:read", "subscriptions:write"},
	})
	poison := func(verb string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		argv := append([]string{"poison", verb, "--grpc-addr", env.Suite.Addr(), "--token", operator}, args...)
		code := Main(t.Context(), argv, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	// The fan-out parks it within moments; wait for the listing to show it.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var listing string
	for {
		code, out, errOut := poison("list")
		if code != 0 {
			t.Fatalf("poison list: %d %s", code, errOut)
		}
		if strings.Contains(out, subject) {
			listing = out
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("never listed: %s", out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fields := strings.Fields(strings.Split(strings.TrimSpace(listing), "\n")[1])
	code, _, errOut := poison("replay", fields[0])
	if code == 0 || !strings.Contains(errOut, "still cannot be built") {
		t.Fatalf("replaying a commit that still does not decode: %d %s", code, errOut)
	}
	if code, out, _ := poison("list"); code != 0 || !strings.Contains(out, subject) {
		t.Fatalf("after a failed replay the entry is gone: %s", out)
	}
	// An integration engine is not an operator.
	engine := env.Token(authn.TokenSpec{Subject: "client:x", ChildOrgNumber: "983974724", Role: authn.RoleIntegration,
		Scopes: []string{"subscriptions:read"}})
	var out, stderr bytes.Buffer
	if code := Main(t.Context(), []string{"poison", "list", "--grpc-addr", env.Suite.Addr(), "--token", engine}, &out, &stderr); code == 0 {
		t.Fatalf("an engine listed the poison queue: %s", out.String())
	}
}
