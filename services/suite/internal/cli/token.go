package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/stafett/stafett/pkg/authn"
)

func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envDefault("data-dir", defaultDataDir), "data directory whose signing key signs the token (same default as stafett dev)")
	hpr := fs.String("hpr", "", "HPR number of a health professional")
	org := fs.String("org", "", "organisation number (the child organisation, e.g. the clinic)")
	parentOrg := fs.String("parent-org", "", "parent organisation number (e.g. the health trust)")
	role := fs.String("role", "", "role: clinician, assessor, coordinator, integration, ops or patient (default patient with --patient, else clinician)")
	patient := fs.String("patient", "", "national id of a patient acting for themself")
	subject := fs.String("subject", "", "token subject (defaults from the other flags)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	var scopes multiFlag
	fs.Var(&scopes, "scope", "scope such as referral:read (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec := authn.TokenSpec{
		Subject: *subject, HPRNumber: *hpr, ChildOrgNumber: *org, ParentOrgNumber: *parentOrg,
		PatientNationalID: *patient, Role: authn.Role(*role), Scopes: scopes,
	}
	if spec.Role == "" {
		spec.Role = authn.RoleClinician
		if *patient != "" {
			spec.Role = authn.RolePatient
		}
	}
	if spec.Subject == "" {
		switch {
		case *hpr != "":
			spec.Subject = "hpr:" + *hpr
		case *patient != "":
			spec.Subject = "patient"
		default:
			spec.Subject = "client:" + *org
		}
	}
	// Never a new key: a token signed with one no server knows is refused
	// with no hint why, and a stray key file appears wherever this ran.
	signer, err := authn.LoadSigner(*dataDir)
	if errors.Is(err, authn.ErrNoSigningKey) {
		dir, _ := filepath.Abs(*dataDir)
		return fmt.Errorf("no token signing key in %s: `stafett dev --data-dir %s` creates it on its first start; pass the --data-dir that dev uses", dir, *dataDir)
	}
	if err != nil {
		return err
	}
	tok, err := signer.Mint(spec, time.Now(), *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
