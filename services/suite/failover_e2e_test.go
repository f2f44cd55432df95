package suite_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/handoffs"
	"github.com/stafett/stafett/services/suite"
)

// chaosFor turns the failover test into the longer chaos run of `make
// chaos`: for this long, repeated kills of the stream leader and a
// partition of one node, under the same load and with the same checks.
var chaosFor = flag.Duration("chaos", 0, "run the failover test as a chaos run this long (make chaos)")

const (
	failoverWorkers = 16
	// failoverAppendTimeout is the suite's --append-timeout in this test.
	failoverAppendTimeout = 2 * time.Second
	// callerPatience is how long each caller would wait. A command makes at
	// most a few bounded store calls (claim a key, append, read back), so
	// an answer that came from the append limit arrives well before it; a
	// call that ran into it hung, which is the failure under test.
	callerPatience = 4 * failoverAppendTimeout
	// resumedAfter is how many commits must be acknowledged after a fault
	// before the test moves on: writes have resumed.
	resumedAfter = 20
)

// outcome is one call the workers made.
type outcome struct {
	kind       string // receive, assess, get
	start, end time.Time
	code       codes.Code
	message    string
	commit     bool // the call appends when it succeeds
}

// resend is a command answered with anything but success, to be sent again
// with the same request_id until it succeeds.
type resend struct {
	kind       string
	request    string
	referral   string
	nationalID string
}

// fault is one injected failure and what it cost.
type fault struct {
	what     string
	at       time.Time
	resumed  time.Time // first acknowledged commit started after the fault
	inFlight int
	caughtUp time.Duration
}

type failover struct {
	t          *testing.T
	cluster    *natstest.Cluster
	nats       *nats.Conn // the suite's connection to the cluster
	suite      *suite.Suite
	client     referralv1.ReferralServiceClient
	engine     string // bearer token of the sending integration engine
	assessor   string
	signer     *authn.Signer
	pseudonyms *ids.Pseudonymizer
	workerIDs  atomic.Int32

	mu        sync.Mutex
	outcomes  []outcome
	received  map[string]string // request id → referral id, acknowledged receipts
	assessed  map[string]bool   // referral id → acknowledged assessment
	resends   []resend
	acked     atomic.Int64
	faults    []*fault
	stopWrite chan struct{}
	workers   sync.WaitGroup

	lost, duplicates int
	commits          uint64
}

func TestKillingTheStreamLeaderUnderLoadLosesNoAcknowledgedCommitAndAnswersEveryCallInTime(t *testing.T) {
	started := time.Now()
	f := startFailover(t)
	for range failoverWorkers {
		f.workers.Go(f.work)
	}
	f.waitAcked(failoverWorkers * 3)

	f.killLeader()
	if *chaosFor > 0 {
		for round := 0; time.Since(started) < *chaosFor; round++ {
			if round%2 == 0 {
				f.isolateLeader()
			} else {
				f.killLeader()
			}
		}
	}
	close(f.stopWrite)
	f.workers.Wait()

	f.resendUnacknowledged()
	f.assertNothingLostOrDuplicated()
	f.assertEveryCallAnsweredByTheLimit()
	f.assertViewsEqualAFreshRebuild()
	f.record(time.Since(started))
}

func startFailover(t *testing.T) *failover {
	t.Helper()
	cluster := natstest.NewCluster(t, 3)
	cluster.WaitReady()
	signer, err := authn.LoadOrCreateSigner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pseudonyms, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	nc := cluster.Connect()
	s, err := suite.Start(t.Context(), suite.Options{
		// Errors only: an answer the test refuses has its cause beside it.
		Logger: slog.New(slog.NewTextHandler(newFailureLog(t), &slog.HandlerOptions{Level: slog.LevelError})),
		NATS:   nc, Verifier: signer.Verifier(time.Now), Signer: signer, Pseudonyms: pseudonyms,
		Replicas: 3, AppendTimeout: failoverAppendTimeout, DeadlineInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	mint := func(spec authn.TokenSpec) string {
		tok, err := signer.Mint(spec, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	f := &failover{
		t: t, cluster: cluster, nats: nc, suite: s, client: referralv1.NewReferralServiceClient(cc),
		engine: mint(integration(senderOrg)), assessor: mint(assessor(dpsOrg)),
		signer: signer, pseudonyms: pseudonyms,
		received: map[string]string{}, assessed: map[string]bool{}, stopWrite: make(chan struct{}),
	}
	return f
}

// failureLog keeps the suite's error log lines and prints them only when
// the test fails: an UNAVAILABLE while a node is down is logged too, and is
// expected; an answer the test refuses has its cause among them.
type failureLog struct {
	mu    sync.Mutex
	lines []string
}

func newFailureLog(t *testing.T) *failureLog {
	l := &failureLog{}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, line := range l.lines {
			t.Log(line)
		}
	})
	return l
}

func (l *failureLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) < 10_000 {
		l.lines = append(l.lines, strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// call runs one command as a caller with limited patience would, and
// records how it was answered.
func (f *failover) call(kind, token string, commit bool, do func(ctx context.Context) error) codes.Code {
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(f.t.Context(), "authorization", "Bearer "+token), callerPatience)
	defer cancel()
	o := outcome{kind: kind, start: time.Now(), commit: commit}
	err := do(ctx)
	o.end, o.code, o.message = time.Now(), status.Code(err), status.Convert(err).Message()
	f.mu.Lock()
	f.outcomes = append(f.outcomes, o)
	f.mu.Unlock()
	if commit && o.code == codes.OK {
		f.acked.Add(1)
	}
	return o.code
}

// work is one worker's loop of mixed commands until writes stop: receive a
// referral, assess it with a right granted (which starts a pathway), read
// it (which writes the access log).
func (f *failover) work() {
	worker := f.workerIDs.Add(1)
	for i := 0; ; i++ {
		select {
		case <-f.stopWrite:
			return
		default:
		}
		request := fmt.Sprintf("w%02d-%05d", worker, i)
		referral, ok := f.receive(request, f.patient(int(worker)*100_000+i))
		if !ok {
			continue
		}
		if !f.assess(referral, "a-"+request) {
			continue
		}
		f.call("get", f.assessor, false, func(ctx context.Context) error {
			_, err := f.client.GetReferral(ctx, &referralv1.GetReferralRequest{ReferralId: referral})
			return err
		})
	}
}

// patient is the national id of the n-th patient: every referral is a
// different person's, as at a real unit.
func (f *failover) patient(n int) string {
	return pwNationalID(f.t, time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%20000).Format(time.DateOnly))
}

func (f *failover) receive(request, nationalID string) (string, bool) {
	var id string
	req := receiveRequest(request)
	req.PatientNationalId = nationalID
	code := f.call("receive", f.engine, true, func(ctx context.Context) error {
		res, err := f.client.ReceiveReferral(ctx, req)
		id = res.GetReferral().GetReferralId()
		return err
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	if code != codes.OK {
		f.resends = append(f.resends, resend{kind: "receive", request: request, nationalID: nationalID})
		return "", false
	}
	f.received[request] = id
	return id, true
}

func (f *failover) assess(referral, request string) bool {
	code := f.call("assess", f.assessor, true, func(ctx context.Context) error {
		_, err := f.client.AssessReferral(ctx, assessRequest(referral, request))
		return err
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	if code != codes.OK {
		f.resends = append(f.resends, resend{kind: "assess", request: request, referral: referral})
		return false
	}
	f.assessed[referral] = true
	return true
}

func assessRequest(referral, request string) *referralv1.AssessReferralRequest {
	return &referralv1.AssessReferralRequest{
		RequestId: request, ReferralId: referral,
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2099-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	}
}

// waitAcked waits until n more commits have been acknowledged.
func (f *failover) waitAcked(n int64) time.Time {
	f.t.Helper()
	target := f.acked.Load() + n
	f.until(fmt.Sprintf("%d acknowledged commits", n), func() bool { return f.acked.Load() >= target })
	return time.Now()
}

// until polls cond, which watches the workers or the cluster, until it
// holds. A phase that takes minutes is a failure, not a slow run.
func (f *failover) until(what string, cond func() bool) {
	f.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	limit := time.NewTimer(2 * time.Minute)
	defer limit.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-limit.C:
			f.t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// killLeader kills the events stream's leader under load, waits for writes
// to resume on the other two nodes, brings the node back and waits until
// it has caught up.
func (f *failover) killLeader() {
	f.t.Helper()
	leader := f.cluster.StreamLeader(eventstore.StreamName)
	ft := &fault{what: fmt.Sprintf("kill leader n%d", leader), at: time.Now()}
	f.faults = append(f.faults, ft)
	f.cluster.Kill(leader)
	f.waitAcked(resumedAfter)
	f.cluster.Restart(leader)
	ft.caughtUp = f.waitCaughtUp(leader)
}

// isolateLeader partitions one node from its peers while it keeps running
// and its clients stay connected, then heals the partition. The node is the
// stream leader, unless the suite itself is connected to the leader: a
// client on the minority side of a partition cannot write until it heals
// (its server is up, so it does not reconnect), and the run is about the
// majority carrying on. Then a follower the suite is not on is cut off.
func (f *failover) isolateLeader() {
	f.t.Helper()
	leader := f.cluster.StreamLeader(eventstore.StreamName)
	node, role := leader, "leader"
	if f.nats.ConnectedServerName() == fmt.Sprintf("n%d", leader) {
		for _, i := range f.cluster.Followers(leader) {
			if f.nats.ConnectedServerName() != fmt.Sprintf("n%d", i) {
				node, role = i, "follower"
				break
			}
		}
	}
	ft := &fault{what: fmt.Sprintf("partition %s n%d", role, node), at: time.Now()}
	f.faults = append(f.faults, ft)
	if err := f.cluster.Node(node).Isolate(); err != nil {
		f.t.Fatal(err)
	}
	f.waitAcked(resumedAfter)
	if err := f.cluster.Node(node).Rejoin(); err != nil {
		f.t.Fatal(err)
	}
	ft.caughtUp = f.waitCaughtUp(node)
}

// waitCaughtUp waits until node is a current replica of the events stream
// with nothing left to replicate, and returns how long that took.
func (f *failover) waitCaughtUp(node int) time.Duration {
	f.t.Helper()
	start := time.Now()
	js, err := jetstream.New(f.cluster.Connect(f.cluster.Followers(node)...))
	if err != nil {
		f.t.Fatal(err)
	}
	name := fmt.Sprintf("n%d", node)
	f.until(name+" catching up with the events stream", func() bool {
		stream, err := js.Stream(f.t.Context(), eventstore.StreamName)
		if err != nil {
			return false
		}
		info := stream.CachedInfo()
		if info.Cluster == nil {
			return false
		}
		if info.Cluster.Leader == name {
			return true
		}
		for _, r := range info.Cluster.Replicas {
			if r.Name == name {
				return r.Current && !r.Offline && r.Lag == 0
			}
		}
		return false
	})
	return time.Since(start)
}

// resendUnacknowledged sends every command that was not answered with
// success again, with its own request_id, as an integration engine does,
// until it succeeds.
func (f *failover) resendUnacknowledged() {
	f.t.Helper()
	for _, r := range f.resends {
		f.untilOK(r, func(ctx context.Context) error {
			switch r.kind {
			case "receive":
				req := receiveRequest(r.request)
				req.PatientNationalId = r.nationalID
				res, err := f.client.ReceiveReferral(ctx, req)
				if err == nil {
					f.received[r.request] = res.GetReferral().GetReferralId()
				}
				return err
			default:
				_, err := f.client.AssessReferral(ctx, assessRequest(r.referral, r.request))
				if err == nil {
					f.assessed[r.referral] = true
				}
				return err
			}
		})
	}
}

func (f *failover) untilOK(r resend, do func(ctx context.Context) error) {
	f.t.Helper()
	token := f.engine
	if r.kind == "assess" {
		token = f.assessor
	}
	f.until("a successful resend of "+r.request, func() bool {
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(f.t.Context(), "authorization", "Bearer "+token), callerPatience)
		defer cancel()
		err := do(ctx)
		switch status.Code(err) {
		case codes.OK:
			return true
		case codes.Unavailable:
			return false
		default:
			f.t.Fatalf("resending %s %s: %v", r.kind, r.request, err)
			return false
		}
	})
}

// streamFacts are the referral and pathway events in the whole stream.
type streamFacts struct {
	receipts map[string][]string // external id → referral ids received with it
	assessed map[string]int      // referral id → assessments
	pathways map[string]int      // referral id → pathways started
	head     uint64
	// lastReferral is the sequence of the last referral commit.
	lastReferral uint64
}

func (f *failover) readStream() streamFacts {
	f.t.Helper()
	ctx := f.t.Context()
	facts := streamFacts{receipts: map[string][]string{}, assessed: map[string]int{}, pathways: map[string]int{}}
	head, err := f.suite.Store.LastSeq(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	facts.head = head
	for seq := uint64(1); seq <= head; seq++ {
		rec, err := f.suite.Store.Get(ctx, seq)
		if err != nil {
			f.t.Fatalf("read %d: %v", seq, err)
		}
		if !strings.HasPrefix(rec.Subject, eventstore.SubjectRoot+".referral.") && !strings.HasPrefix(rec.Subject, eventstore.SubjectRoot+".pathway.") {
			continue
		}
		events, err := rec.Events()
		if err != nil {
			f.t.Fatalf("decode %d: %v", seq, err)
		}
		for _, e := range events {
			switch e := e.(type) {
			case *referralv1.ReferralReceived:
				facts.receipts[e.GetExternalId()] = append(facts.receipts[e.GetExternalId()], e.GetReferralId())
				facts.lastReferral = seq
			case *referralv1.ReferralAssessed:
				facts.assessed[e.GetReferralId()]++
				facts.lastReferral = seq
			case *pathwayv1.PathwayStarted:
				facts.pathways[e.GetReferralId()]++
			}
		}
	}
	return facts
}

func (f *failover) assertNothingLostOrDuplicated() {
	f.t.Helper()
	// Every assessment starts one pathway: wait for the process manager,
	// for a bounded time, so a process manager that stopped fails the run.
	ctx, cancel := context.WithTimeout(f.t.Context(), 2*time.Minute)
	defer cancel()
	if err := f.suite.Pathway.WaitReferralsProcessed(ctx, f.readStream().lastReferral); err != nil {
		f.t.Fatalf("the process manager did not get through the referral commits: %v", err)
	}
	facts := f.readStream()
	var lost, duplicates int
	for request, referral := range f.received {
		if !slices.Contains(facts.receipts[receiveRequest(request).GetExternalId()], referral) {
			lost++
			f.t.Errorf("acknowledged receipt %s (referral %s) is not in the stream", request, referral)
		}
	}
	for referral := range f.assessed {
		if facts.assessed[referral] == 0 {
			lost++
			f.t.Errorf("acknowledged assessment of %s is not in the stream", referral)
		}
	}
	for request, referrals := range facts.receipts {
		if len(referrals) > 1 {
			duplicates += len(referrals) - 1
			f.t.Errorf("request %s made %d referrals %v", request, len(referrals), referrals)
		}
	}
	for referral, n := range facts.assessed {
		if n > 1 {
			duplicates += n - 1
			f.t.Errorf("referral %s assessed %d times", referral, n)
		}
		if facts.pathways[referral] != 1 {
			duplicates += max(facts.pathways[referral]-1, 0)
			f.t.Errorf("referral %s assessed with a right granted started %d pathways", referral, facts.pathways[referral])
		}
	}
	f.lost, f.duplicates, f.commits = lost, duplicates, facts.head
}

func (f *failover) assertEveryCallAnsweredByTheLimit() {
	f.t.Helper()
	for _, o := range f.outcomes {
		if o.code != codes.OK && o.code != codes.Unavailable {
			f.t.Errorf("%s answered %s (%q) after %v, %v after the last fault: every call must succeed or be UNAVAILABLE",
				o.kind, o.code, o.message, o.end.Sub(o.start), f.sinceFault(o.start))
		}
		for _, ft := range f.faults {
			if o.start.Before(ft.at) && o.end.After(ft.at) {
				ft.inFlight++
			}
			if o.commit && o.code == codes.OK && o.start.After(ft.at) && (ft.resumed.IsZero() || o.end.Before(ft.resumed)) {
				ft.resumed = o.end
			}
		}
	}
}

func (f *failover) assertViewsEqualAFreshRebuild() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.t.Context(), 2*time.Minute)
	defer cancel()
	now := time.Now()
	fresh, err := handoffs.New(ctx, handoffs.Config{Store: f.suite.Store})
	if err != nil {
		f.t.Fatal(err)
	}
	defer fresh.Stop()
	var diff string
	f.until("the live views to equal a rebuild", func() bool {
		head, err := f.suite.Store.LastSeq(ctx)
		if err != nil {
			return false
		}
		for _, v := range []*handoffs.Service{fresh, f.suite.Handoffs} {
			if err := v.WaitApplied(ctx, head); err != nil {
				f.t.Fatal(err)
			}
		}
		live, rebuilt := f.suite.Handoffs.Views(now), fresh.Views(now)
		if live.Applied != rebuilt.Applied {
			return false
		}
		diff = live.Diff(rebuilt)
		if diff != "" {
			f.t.Fatalf("after the failover the live handoff views differ from a rebuild: %s", diff)
		}
		return true
	})
	// The referral write model: a process started now, from the stream
	// alone, answers every referral as the one that lived through it does.
	peer := f.freshPeer()
	for _, referral := range f.received {
		live, err1 := f.getReferral(f.client, referral)
		rebuilt, err2 := f.getReferral(peer, referral)
		if err1 != nil || err2 != nil || !proto.Equal(live, rebuilt) {
			f.t.Errorf("referral %s: live %v (%v), rebuilt %v (%v)", referral, live, err1, rebuilt, err2)
		}
	}
}

func (f *failover) freshPeer() referralv1.ReferralServiceClient {
	f.t.Helper()
	s, err := suite.Start(f.t.Context(), suite.Options{
		NATS: f.cluster.Connect(), Services: []string{"consent", "referral"},
		Verifier: f.signer.Verifier(time.Now), Signer: f.signer, Pseudonyms: f.pseudonyms,
		Replicas: 3, AppendTimeout: failoverAppendTimeout, DeadlineInterval: time.Hour,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Shutdown(context.Background()) })
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = cc.Close() })
	return referralv1.NewReferralServiceClient(cc)
}

func (f *failover) getReferral(c referralv1.ReferralServiceClient, id string) (*referralv1.Referral, error) {
	ctx := metadata.AppendToOutgoingContext(f.t.Context(), "authorization", "Bearer "+f.assessor)
	res, err := c.GetReferral(ctx, &referralv1.GetReferralRequest{ReferralId: id})
	return res.GetReferral(), err
}

// sinceFault is how long after the latest fault before at a call started.
func (f *failover) sinceFault(at time.Time) time.Duration {
	var since time.Duration = -1
	for _, ft := range f.faults {
		if ft.at.Before(at) {
			since = at.Sub(ft.at)
		}
	}
	return since.Round(time.Millisecond)
}

// record logs the run's figures; none of them is asserted.
func (f *failover) record(took time.Duration) {
	f.t.Helper()
	var unavailable int
	var slowest time.Duration
	for _, o := range f.outcomes {
		if o.code == codes.Unavailable {
			unavailable++
		}
		slowest = max(slowest, o.end.Sub(o.start))
	}
	f.t.Logf("failover: %d calls by %d workers, %d commits in the stream, %d calls UNAVAILABLE, %d resent, slowest answer %v, append limit %v, run %v",
		len(f.outcomes), failoverWorkers, f.commits, unavailable, len(f.resends), slowest.Round(time.Millisecond), failoverAppendTimeout, took.Round(time.Second))
	f.t.Logf("failover: acknowledged commits lost %d, duplicates after resending %d", f.lost, f.duplicates)
	for _, ft := range f.faults {
		stall := "no commit acknowledged after it"
		if !ft.resumed.IsZero() {
			stall = ft.resumed.Sub(ft.at).Round(time.Millisecond).String()
		}
		f.t.Logf("failover: %s: write stall %s, %d calls in flight (each answered OK or UNAVAILABLE), caught up in %v",
			ft.what, stall, ft.inFlight, ft.caughtUp.Round(time.Millisecond))
	}
}
