package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestPoisonListShowsACommitNoNotificationCouldBeBuiltFromAndReplayRefusesItStill(t *testing.T) {
	dataDir := t.TempDir()
	d := startDevPrinted(t, dataDir)
	defer d.stop()
	nc, err := nats.Connect(d.nats)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	const subject = "stafett.events.referral.referral.garbled"
	if _, err := js.Publish(subject, []byte("not a commit")); err != nil {
		t.Fatal(err)
	}
	poison := func(verb string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		argv := append([]string{"poison", verb, "--grpc-addr", d.grpc, "--data-dir", dataDir, "--org", "983974724"}, args...)
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
}
