package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/telemetry"
	"github.com/stafett/stafett/services/console"
	"github.com/stafett/stafett/services/suite"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	services := fs.String("services", envDefault("services", strings.Join(suite.AllServices, ",")), "comma-separated services to run")
	natsURL := fs.String("nats", envDefault("nats-url", nats.DefaultURL), "NATS server URL(s), comma separated")
	grpcAddr := fs.String("grpc-addr", envDefault("grpc-addr", ":7000"), "listen address of every service: gRPC, gRPC-Web, Connect and REST")
	httpAddr := fs.String("http-addr", envDefault("http-addr", ""), "HTTP listen address of the console and the FHIR edge (default: none)")
	corsOrigins := originsFlag(fs)
	jwksURL := fs.String("jwks-url", envDefault("jwks-url", ""), "JWKS URL of the token issuer (HelseID)")
	issuer := fs.String("issuer", envDefault("issuer", ""), "expected token issuer for JWKS-verified tokens")
	audience := fs.String("audience", envDefault("audience", authn.Audience), "expected token audience")
	keyFile := fs.String("pseudonym-key-file", envDefault("pseudonym-key-file", ""), "file holding the patient pseudonym HMAC key (32+ bytes)")
	signingDir := fs.String("signing-key-dir", envDefault("signing-key-dir", ""), "directory with the suite's own service-identity signing key")
	consentAddr := fs.String("consent-addr", envDefault("consent-addr", ""), "gRPC address of the consent service when it runs elsewhere (default: this process)")
	replicasFlag := fs.String("replicas", envDefault("stream-replicas", "3"), "event stream replicas")
	targetsFile := fs.String("pathway-targets", envDefault("pathway-targets", ""), "JSON file of milestone targets per pathway type (see docs/pathway-targets.json; default: the built-in table)")
	logLevel := fs.String("log-level", envDefault("log-level", "info"), "debug, info, warn or error")
	amqpURL := fs.String("amqp-url", envDefault("amqp-url", ""), "RabbitMQ URL the AMQP subscription channel publishes to (default: AMQP channel off)")
	publicURL := fs.String("public-url", envDefault("public-url", ""), "the HTTP site as integration engines reach it (https://…); notifications refer to resources under it")
	appendTimeoutFlag := fs.String("append-timeout", envDefault("append-timeout", defaultAppendTimeout), "how long a command waits for the stream to acknowledge its append before answering UNAVAILABLE")
	withConsole := fs.Bool("console", envDefault("console", "") == "true", "serve the console at /console/ on --http-addr (sign-in with the identity provider's bearer tokens)")
	registerFile := unitRegisterFlag(fs)
	consoleAPI := fs.String("console-api-url", envDefault("console-api-url", ""), "where browsers reach --grpc-addr, e.g. https://api.example.no (default: the console page's host on the gRPC port)")
	consoleSignIn := fs.String("console-sign-in-url", envDefault("console-sign-in-url", ""), "OpenID Connect login (HelseID) that returns to the console with #access_token=… (default: a page to paste a token)")
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
	allowedOrigins, err := corsOrigins.origins()
	if err != nil {
		return err
	}
	units, err := unitRegister(*registerFile, false)
	if err != nil {
		return err
	}
	if *withConsole && *httpAddr == "" {
		return errors.New("--console needs --http-addr")
	}
	replicas, err := strconv.Atoi(*replicasFlag)
	if err != nil || replicas < 1 {
		return fmt.Errorf("--replicas must be a positive number")
	}
	appendTimeout, err := parseAppendTimeout(*appendTimeoutFlag)
	if err != nil {
		return err
	}
	if *keyFile == "" {
		return errors.New("--pseudonym-key-file (STAFETT_PSEUDONYM_KEY_FILE) is required")
	}
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("pseudonym key: %w", err)
	}
	pseudonyms, err := ids.NewPseudonymizer(key)
	if err != nil {
		return err
	}
	if *signingDir == "" {
		return errors.New("--signing-key-dir (STAFETT_SIGNING_KEY_DIR) is required: services call each other with the suite's own identity")
	}
	signer, err := authn.LoadOrCreateSigner(*signingDir)
	if err != nil {
		return err
	}
	// Services come with the suite's own key. Users come with the issuer's
	// tokens when one is configured, else with `stafett token`'s.
	verifier := signer.Verifier(time.Now)
	if *jwksURL != "" {
		verifier = authn.Any(signer.ServiceVerifier(time.Now), authn.NewJWKSVerifier(*jwksURL, *issuer, *audience, nil, time.Now))
	}

	listener, err := listenGRPC(*grpcAddr)
	if err != nil {
		return err
	}
	defer listener.Close()
	nc, err := nats.Connect(*natsURL, nats.Name("stafett-serve"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	tel, err := telemetry.Setup(ctx, telemetry.Config{Services: strings.Split(*services, ","), ServiceVersion: version(), Logger: logger})
	if err != nil {
		return err
	}
	defer shutdownTelemetry(tel, logger)

	s, err := suite.Start(ctx, suite.Options{
		NATS: nc, Services: strings.Split(*services, ","), Listener: listener, ConsentAddr: *consentAddr,
		Verifier: verifier, Signer: signer, Pseudonyms: pseudonyms, Replicas: replicas, AppendTimeout: appendTimeout,
		Logger: logger, Telemetry: tel, PathwayTargets: targets,
		HTTPAddr: *httpAddr, CORSOrigins: allowedOrigins, CORSAllowOwnOrigin: *withConsole,
		Feeds: suite.FeedOptions{AMQPURL: *amqpURL, PublicURL: *publicURL},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stafett serve: %s on %s\n", *services, s.Addr())
	if a := s.HTTPAddr(); a != "" {
		fmt.Fprintf(stdout, "  HTTP: http://%s\n", a)
	}
	if *withConsole {
		if err := mountConsole(s, console.Options{Mode: console.Serve, Units: units, APIBaseURL: *consoleAPI, SignInURL: *consoleSignIn}); err != nil {
			s.Shutdown(ctx)
			return err
		}
		fmt.Fprintf(stdout, "  console: http://%s/console/\n", s.HTTPAddr())
	}
	return serveUntilDone(ctx, s, logger)
}
