package app_test

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

func TestARestartedProcessManagerResumesFromItsCheckpointInsteadOfReplaying(t *testing.T) {
	e := newEnv(t)
	// A referral commit nothing can be decoded from: the first process
	// manager parks it, a resumed one never sees it again.
	bad := nats.NewMsg(eventstore.Subject("referral", "referral", "ref-garbled"))
	bad.Data = []byte("not a commit")
	if _, err := e.js.PublishMsg(t.Context(), bad); err != nil {
		t.Fatal(err)
	}
	first := e.assess("ref-before", true, "1990-01-01")

	pm, err := e.app.RunProcessManager(t.Context(), app.ProcessManagerOptions{JetStream: e.js})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.WaitReferralsProcessed(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	pm.Stop()
	if pm.Parked() != 1 {
		t.Fatalf("parked %d, want the garbled commit parked once", pm.Parked())
	}

	restarted := e.start()
	resumed, err := restarted.RunProcessManager(t.Context(), app.ProcessManagerOptions{JetStream: e.js})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(resumed.Stop)
	after := e.assess("ref-after", true, "1990-01-01")
	if err := restarted.WaitReferralsProcessed(t.Context(), after); err != nil {
		t.Fatal(err)
	}
	if resumed.Parked() != 0 {
		t.Fatalf("the resumed process manager saw the parked commit again (%d)", resumed.Parked())
	}
	for _, ref := range []string{"ref-before", "ref-after"} {
		if n := e.commits(domain.PathwayIDForReferral(ref)); n != 1 {
			t.Errorf("%s: %d pathway commits, want exactly 1", ref, n)
		}
	}
}
