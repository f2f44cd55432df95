package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// startDev runs `stafett dev` in the background and returns its gRPC address
// once it has printed it, and a stop function that waits for a clean exit.
func startDev(t *testing.T, dataDir string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"dev", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-level", "error"}, w, io.Discard)
		w.Close()
	}()
	addr := ""
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if a, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "gRPC:"); ok {
			addr = strings.TrimSpace(a)
			break
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("stafett dev exited with %d before printing its address", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return addr, func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("stafett dev exited with %d", code)
		}
	}
}

func token(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Main(t.Context(), append([]string{"token"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("stafett token: %d: %s", code, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

func TestDevKeepsEveryReferralAcrossARestart(t *testing.T) {
	dataDir := t.TempDir()
	engine := token(t, "--data-dir", dataDir, "--org", "974760673", "--role", "integration", "--scope", "referral:write")
	assessor := token(t, "--data-dir", dataDir, "--hpr", "555", "--org", "983974724", "--role", "assessor", "--scope", "referral:read")

	addr, stop := startDev(t, dataDir)
	c := dial(t, addr)
	res, err := c.ReceiveReferral(bearer(t.Context(), engine), &referralv1.ReceiveReferralRequest{
		RequestId: "r1", PatientNationalId: "31129998949", ReferrerHpr: "1234567", ReferrerOrgNumber: "974760673",
		ReceivingUnit: &eventsv1.UnitRef{HerId: "80001", OrgNumber: "983974724"}, Reason: "r", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop()

	addr, stop = startDev(t, dataDir)
	defer stop()
	got, err := dial(t, addr).GetReferral(bearer(t.Context(), assessor), &referralv1.GetReferralRequest{ReferralId: res.GetReferral().GetReferralId()})
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.GetReferral().GetPatientId() != res.GetReferral().GetPatientId() {
		t.Fatal("the pseudonym key changed across the restart")
	}
}

func TestTokenNeedsAValidSpec(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main(t.Context(), []string{"token", "--data-dir", t.TempDir(), "--role", "nurse"}, &out, &errOut); code == 0 {
		t.Fatalf("an unknown role was accepted: %s", out.String())
	}
}

func dial(t *testing.T, addr string) referralv1.ReferralServiceClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return referralv1.NewReferralServiceClient(cc)
}

func bearer(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}
