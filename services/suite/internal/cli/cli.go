// Package cli implements the stafett command's subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

const usage = `usage: stafett <command> [flags]

commands:
  dev     run every service with an embedded JetStream server
  serve   run chosen services against an external NATS cluster
  token   print a signed development token
  poison  list or replay the subscription feed's poison queue
`

// Main runs one subcommand and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "dev":
		err = runDev(ctx, args[1:], stdout, stderr)
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "token":
		err = runToken(args[1:], stdout, stderr)
	case "poison":
		err = runPoison(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "stafett: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "stafett %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// envDefault lets every flag also come from a STAFETT_* variable.
func envDefault(name, fallback string) string {
	if v, ok := os.LookupEnv("STAFETT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
		return v
	}
	return fallback
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// origins is the repeatable --cors-origin flag; each value may also be a
// comma-separated list, as STAFETT_CORS_ORIGIN is. Flags replace the
// variable's list.
type origins struct {
	list    []string
	fromEnv bool
	envErr  error
}

func originsFlag(fs *flag.FlagSet) *origins {
	o := &origins{}
	if env := envDefault("cors-origin", ""); env != "" {
		o.envErr = o.Set(env)
		o.fromEnv = true
	}
	fs.Var(o, "cors-origin", "origin whose pages may call the gRPC address from a browser, e.g. https://console.example.no (repeatable or comma-separated)")
	return o
}

// origins are the values given, once the flags are parsed.
func (o *origins) origins() ([]string, error) {
	if o.fromEnv && o.envErr != nil {
		return nil, fmt.Errorf("STAFETT_CORS_ORIGIN: %w", o.envErr)
	}
	return o.list, nil
}

func (o *origins) String() string { return strings.Join(o.list, ",") }

func (o *origins) Set(v string) error {
	if o.fromEnv {
		o.list, o.fromEnv, o.envErr = nil, false, nil
	}
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if err := checkOrigin(part); err != nil {
			return err
		}
		o.list = append(o.list, part)
	}
	return nil
}

// checkOrigin accepts what a browser sends as Origin: scheme, host and
// optional port, nothing else. A wildcard would let any site's pages call
// the API, so it is refused.
func checkOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil || strings.Contains(u.Host, "*") {
		return fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. https://console.example.no", origin)
	}
	return nil
}
