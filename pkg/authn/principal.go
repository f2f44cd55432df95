// Package authn turns bearer tokens into the Principal a request acts as, and
// mints the tokens `stafett dev`, `stafett token` and the services themselves
// use. Tokens are shaped like HelseID's so production can switch to HelseID (or
// any issuer publishing a JWKS) without code changes: only the Verifier differs.
//
// The interceptors log why they refused a token (see errors.go), and nothing
// this package logs or returns contains token contents or a national identity
// number: whether a person is a patient at all is confidential, and errors end
// up in logs and traces.
package authn

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/access"
)

// Role is what a caller acts as; the type lives with the suite's one actor
// type (pkg/access), which the pure domain code decides on.
type Role = access.Role

// The roles of DESIGN.md §5, plus RoleService for the suite's own services.
const (
	RoleClinician   = access.RoleClinician
	RoleAssessor    = access.RoleAssessor
	RoleCoordinator = access.RoleCoordinator
	RoleIntegration = access.RoleIntegration
	RoleOps         = access.RoleOps
	RolePatient     = access.RolePatient
	RoleService     = access.RoleService
)

// Principal is the authenticated caller of one request.
//
// It holds a national identity number for patient tokens, so it formats itself
// (fmt, slog) without it; log the Principal freely, never its fields one by one.
type Principal struct {
	Subject string
	// ProfessionalID is "hpr:<n>" for health personnel, "ext:<org>:<sub>" for
	// personnel without an HPR number (NAV, schools), empty for patients and
	// services. It is the id the consent rules compare against.
	ProfessionalID  string
	HPRNumber       string
	ParentOrgNumber string
	ChildOrgNumber  string
	// OrgNumber is the child organisation number, else the parent: the unit a
	// caller works in is the most specific organisation the token names.
	OrgNumber string
	// PatientNationalID is set only for patient tokens. Personnel tokens from
	// HelseID also carry a pid (the professional's own), which is deliberately
	// dropped so it can never be mistaken for a patient's.
	PatientNationalID string
	Role              Role
	Scopes            []string
	// Service is the calling service's name for service identities.
	Service string
	// ExpiresAt is when the token stops being valid.
	ExpiresAt time.Time
	// suiteService is set only by this package, when the token was signed
	// with the suite's own service key. No other code can set it, so no
	// Verifier written elsewhere can produce a service identity.
	suiteService bool
}

// HasScope reports whether the token granted scope s.
func (p Principal) HasScope(s string) bool { return s != "" && slices.Contains(p.Scopes, s) }

// IsService reports whether the caller is one of the suite's own services:
// the service role on a token signed with the suite's service key. The role
// alone is not enough.
func (p Principal) IsService() bool { return p.Role == RoleService && p.suiteService }

// IsPatient reports whether the caller is a patient acting for themselves.
func (p Principal) IsPatient() bool { return p.Role == RolePatient }

// String describes the principal without the national identity number.
func (p Principal) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "role=%s sub=%s", p.Role, p.Subject)
	if p.ProfessionalID != "" {
		fmt.Fprintf(&b, " professional=%s", p.ProfessionalID)
	}
	if p.OrgNumber != "" {
		fmt.Fprintf(&b, " org=%s", p.OrgNumber)
	}
	if p.Service != "" {
		fmt.Fprintf(&b, " service=%s", p.Service)
	}
	if p.PatientNationalID != "" {
		b.WriteString(" pid=REDACTED")
	}
	fmt.Fprintf(&b, " scopes=%s", strings.Join(p.Scopes, ","))
	return b.String()
}

// Format makes every fmt verb, %#v and %+v included, go through String: the
// default struct formatting would print the national identity number.
func (p Principal) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.String())) }

// LogValue keeps the national identity number out of slog output, which would
// otherwise print (or JSON-encode) every field.
func (p Principal) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("role", string(p.Role)),
		slog.String("sub", p.Subject),
	}
	if p.ProfessionalID != "" {
		attrs = append(attrs, slog.String("professional", p.ProfessionalID))
	}
	if p.OrgNumber != "" {
		attrs = append(attrs, slog.String("org", p.OrgNumber))
	}
	if p.Service != "" {
		attrs = append(attrs, slog.String("service", p.Service))
	}
	attrs = append(attrs, slog.Any("scopes", p.Scopes))
	return slog.GroupValue(attrs...)
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the interceptors stored; ok is false on a
// path that was not authenticated (health, reflection) or outside a request.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
