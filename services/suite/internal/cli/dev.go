package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/natsembed"
	"github.com/stafett/stafett/pkg/telemetry"
	"github.com/stafett/stafett/services/console"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/internal/demo"
)

const defaultDataDir = ".stafett"

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envDefault("data-dir", defaultDataDir), "where JetStream, the pseudonym key and the token signing key live")
	grpcAddr := fs.String("grpc-addr", envDefault("grpc-addr", "127.0.0.1:7000"), "listen address of every service: gRPC, gRPC-Web, Connect and REST")
	httpAddr := fs.String("http-addr", envDefault("http-addr", "127.0.0.1:7080"), "HTTP listen address of the console and the FHIR edge")
	corsOrigins := originsFlag(fs)
	natsAddr := fs.String("nats-addr", envDefault("nats-addr", ""), "embedded NATS listen address (default: a random loopback port)")
	syncAlways := fs.Bool("sync-always", false, "fsync every JetStream write before acknowledging it")
	targetsFile := fs.String("pathway-targets", envDefault("pathway-targets", ""), "JSON file of milestone targets per pathway type (see docs/pathway-targets.json; default: the built-in table)")
	logLevel := fs.String("log-level", envDefault("log-level", "info"), "debug, info, warn or error")
	appendTimeoutFlag := fs.String("append-timeout", envDefault("append-timeout", defaultAppendTimeout), "how long a command waits for the stream to acknowledge its append before answering UNAVAILABLE")
	loadDemo := fs.Bool("demo", false, "load the demo scenario through the API (idempotent: a second start adds nothing)")
	amqpURL := fs.String("amqp-url", envDefault("amqp-url", ""), "RabbitMQ URL the AMQP subscription channel publishes to (default: AMQP channel off)")
	registerFile := unitRegisterFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	// Configuration is read before anything starts, so a typo fails fast.
	targets, err := loadPathwayTargets(*targetsFile)
	if err != nil {
		return err
	}
	appendTimeout, err := parseAppendTimeout(*appendTimeoutFlag)
	if err != nil {
		return err
	}
	allowedOrigins, err := corsOrigins.origins()
	if err != nil {
		return err
	}
	units, err := unitRegister(*registerFile, *loadDemo)
	if err != nil {
		return err
	}
	// The ports first: a clash must fail before the data dir is touched.
	listener, err := listenGRPC(*grpcAddr)
	if err != nil {
		return err
	}
	defer listener.Close()
	siteListener, err := listenSite(*httpAddr)
	if err != nil {
		return err
	}
	if siteListener != nil {
		defer siteListener.Close()
	}
	// Then the data dir's lock: a second process on the same JetStream files
	// would overwrite the first one's commits.
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	unlock, err := lockDataDir(*dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	pseudonyms, err := loadOrCreatePseudonymKey(*dataDir)
	if err != nil {
		return err
	}
	signer, err := authn.LoadOrCreateSigner(*dataDir)
	if err != nil {
		return err
	}
	creds, err := loadOrCreateNATSCredentials(*dataDir)
	if err != nil {
		return err
	}
	ns, err := natsembed.Start(natsembed.Options{
		StoreDir: filepath.Join(*dataDir, "jetstream"), Addr: *natsAddr, SyncAlways: *syncAlways,
		User: creds.User, Password: creds.Password,
	})
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	nc, err := ns.Connect("stafett-dev")
	if err != nil {
		return err
	}
	defer nc.Close()

	tel, err := telemetry.Setup(ctx, telemetry.Config{Services: suite.AllServices, ServiceVersion: version(), Logger: logger})
	if err != nil {
		return err
	}
	defer shutdownTelemetry(tel, logger)

	s, err := suite.Start(ctx, suite.Options{
		NATS: nc, Listener: listener, HTTPListener: siteListener, Verifier: signer.Verifier(time.Now), Signer: signer, Pseudonyms: pseudonyms,
		Replicas: 1, AppendTimeout: appendTimeout, Logger: logger, Telemetry: tel, PathwayTargets: targets,
		CORSOrigins: allowedOrigins, CORSAllowOwnOrigin: true,
		// A developer's receiver on their own machine may be plain http.
		Feeds: suite.FeedOptions{AMQPURL: *amqpURL, LoopbackRestHooks: true},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stafett dev\n  NATS:     %s\n  gRPC:     %s\n", ns.CredentialedURL(), s.Addr())
	if a := s.HTTPAddr(); a != "" {
		if err := mountConsole(s, console.Options{Mode: console.Dev, Units: units, SignIn: devSignIn(signer, pseudonyms)}); err != nil {
			s.Shutdown(ctx)
			return err
		}
		fmt.Fprintf(stdout, "  HTTP:     http://%s\n  console:  http://%s/console/\n", a, a)
	}
	fmt.Fprintf(stdout, "  data dir: %s\n  tokens:   stafett token --data-dir %s --hpr N --org N --scope referral:read\n", *dataDir, *dataDir)
	if *loadDemo {
		res, err := demo.Load(ctx, s.Addr(), signer, time.Now(), stdout)
		if err != nil {
			s.Shutdown(ctx)
			return err
		}
		fmt.Fprintf(stdout, "  demo:     young adult %s, left without contact %s, %d moved BUP→DPS at 18 (see docs/handoffs.md)\n",
			res.YoungAdult, res.LeftAlone, len(res.Cohort))
	}
	return serveUntilDone(ctx, s, logger)
}

// defaultAppendTimeout is eventstore.DefaultAppendTimeout, as a flag default.
const defaultAppendTimeout = "5s"

func parseAppendTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--append-timeout %q must be a positive duration such as 5s", v)
	}
	return d, nil
}

// serveUntilDone waits for a signal (ctx) or a server failure, then shuts down.
func serveUntilDone(ctx context.Context, s *suite.Suite, logger *slog.Logger) error {
	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case serveErr = <-s.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	s.Shutdown(shutdownCtx)
	return serveErr
}

func shutdownTelemetry(tel *telemetry.Process, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		logger.Warn("telemetry shutdown", "error", err)
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return telemetry.NewLogger(w, l, false), nil
}
