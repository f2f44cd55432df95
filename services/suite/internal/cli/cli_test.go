package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/authn"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// devRun is one `stafett dev` run in the background: either it printed its
// addresses and serves until stop, or it exited first with code and stderr.
type devRun struct {
	grpcAddr, natsURL string
	exited            bool
	code              int
	stderr            *syncBuffer
	stop              func()
}

// startDev runs `stafett dev` on dataDir and waits until it has printed its
// addresses or exited, whichever comes first.
func startDev(t *testing.T, dataDir string, args ...string) devRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	run := devRun{stderr: &syncBuffer{}}
	args = append([]string{"dev", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-level", "error"}, args...)
	go func() {
		done <- Main(ctx, args, w, run.stderr)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	for run.grpcAddr == "" && lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if v, ok := strings.CutPrefix(line, "NATS:"); ok {
			run.natsURL = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "gRPC:"); ok {
			run.grpcAddr = strings.TrimSpace(v)
		}
	}
	if run.grpcAddr == "" {
		cancel()
		run.exited, run.code = true, <-done
		return run
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	var once sync.Once
	run.stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("stafett dev exited with %d: %s", code, run.stderr)
			}
		})
	}
	t.Cleanup(run.stop)
	return run
}

// mustStartDev is startDev for a run that must come up.
func mustStartDev(t *testing.T, dataDir string, args ...string) devRun {
	t.Helper()
	run := startDev(t, dataDir, args...)
	if run.exited {
		t.Fatalf("stafett dev exited with %d before printing its addresses: %s", run.code, run.stderr)
	}
	return run
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func token(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Main(t.Context(), append([]string{"token"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("stafett token: %d: %s", code, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// referrals is a data dir's view of the referral service, with the tokens
// stafett token mints from that dir.
type referrals struct {
	t                *testing.T
	engine, assessor string
}

// referralsIn mints tokens from dataDir, whose dev has created its key.
func referralsIn(t *testing.T, dataDir string) referrals {
	return referrals{
		t:        t,
		engine:   token(t, "--data-dir", dataDir, "--org", "974760673", "--role", "integration", "--scope", "referral:write"),
		assessor: token(t, "--data-dir", dataDir, "--hpr", "555", "--org", "983974724", "--role", "assessor", "--scope", "referral:read"),
	}
}

func (r referrals) receive(addr, requestID string) *referralv1.Referral {
	r.t.Helper()
	res, err := dial(r.t, addr).ReceiveReferral(bearer(r.t.Context(), r.engine), &referralv1.ReceiveReferralRequest{
		RequestId: requestID, PatientNationalId: "31129998949", ReferrerHpr: "1234567", ReferrerOrgNumber: "974760673",
		ReceivingUnit: &eventsv1.UnitRef{HerId: "80001", OrgNumber: "983974724"}, Reason: "r", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	})
	if err != nil {
		r.t.Fatalf("receive referral: %v", err)
	}
	return res.GetReferral()
}

// mustFind fails unless the referral is there, unchanged.
func (r referrals) mustFind(addr string, want *referralv1.Referral) {
	r.t.Helper()
	got, err := dial(r.t, addr).GetReferral(bearer(r.t.Context(), r.assessor), &referralv1.GetReferralRequest{ReferralId: want.GetReferralId()})
	if err != nil {
		r.t.Fatalf("referral %s is gone: %v", want.GetReferralId(), err)
	}
	if got.GetReferral().GetPatientId() != want.GetPatientId() {
		r.t.Fatal("the pseudonym key changed")
	}
}

func TestDevKeepsEveryReferralAcrossARestart(t *testing.T) {
	dataDir := t.TempDir()
	first := mustStartDev(t, dataDir)
	r := referralsIn(t, dataDir)
	ref := r.receive(first.grpcAddr, "r1")
	first.stop()

	second := mustStartDev(t, dataDir)
	r.mustFind(second.grpcAddr, ref)
}

func TestTokenNeedsAValidSpec(t *testing.T) {
	dataDir := t.TempDir()
	if _, err := authn.LoadOrCreateSigner(dataDir); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(t.Context(), []string{"token", "--data-dir", dataDir, "--role", "nurse"}, &out, &errOut); code == 0 {
		t.Fatalf("an unknown role was accepted: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "role") {
		t.Fatalf("the refusal does not name the role: %s", errOut.String())
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
