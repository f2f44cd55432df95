package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/services/console"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/internal/demo"
)

// signInTTL is how long a token from the dev sign-in page lasts.
const signInTTL = 8 * time.Hour

// unitRegisterFlag is --unit-register on dev and serve.
func unitRegisterFlag(fs *flag.FlagSet) *string {
	return fs.String("unit-register", envDefault("unit-register", ""),
		"JSON file naming units for the console: HER-id → name and kind (BUP, DPS, TSB, GP, NAV, MUNICIPAL); see docs/unit-register.md")
}

// unitRegister reads the register file; with none, --demo brings the
// scenario's own and otherwise units are shown by HER-id.
func unitRegister(path string, withDemo bool) (console.UnitRegister, error) {
	switch {
	case path != "":
		return console.LoadUnitRegister(path)
	case withDemo:
		return console.ParseUnitRegister(demo.UnitRegister)
	default:
		return console.UnitRegister{}, nil
	}
}

// apiLocation is where a browser reaches the APIs: the gRPC address itself
// when it names a host, else the page's own host on its port.
func apiLocation(addr string) (baseURL, port string, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("console: gRPC address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return "", port, nil
	}
	return "http://" + net.JoinHostPort(host, port), port, nil
}

// devSignIn mints tokens for the demo's personas with the dev signer.
func devSignIn(signer *authn.Signer, pseudonyms *ids.Pseudonymizer) *console.SignIn {
	personas := demo.Personas(pseudonyms)
	in := &console.SignIn{
		Mint: func(_ context.Context, id string, now time.Time) (string, error) {
			i := slices.IndexFunc(personas, func(p demo.Persona) bool { return p.ID == id })
			if i < 0 {
				return "", fmt.Errorf("unknown persona %q", id)
			}
			return signer.Mint(personas[i].Spec, now, signInTTL)
		},
	}
	for _, p := range personas {
		in.Personas = append(in.Personas, console.Persona{ID: p.ID, Landing: p.Landing, Patient: p.Patient})
	}
	return in
}

// mountConsole serves the console at /console/ on the suite's HTTP site.
func mountConsole(s *suite.Suite, opts console.Options) error {
	if s.HTTPAddr() == "" {
		return errors.New("the console needs an HTTP address (--http-addr)")
	}
	if opts.APIBaseURL == "" && opts.APIPort == "" {
		base, port, err := apiLocation(s.Addr())
		if err != nil {
			return err
		}
		opts.APIBaseURL, opts.APIPort = base, port
	}
	h, err := console.Handler(opts)
	if err != nil {
		return err
	}
	return s.HandleHTTP(console.Prefix, h)
}
