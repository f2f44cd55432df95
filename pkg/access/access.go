// Package access is the one piece every service uses before patient data
// leaves it: ask the consent service whether the actor may see it, write the
// access-log entry, and turn a refusal into the same NotFound a missing record
// gets (Health Personnel Act §21: whether someone is a patient is itself
// confidential).
package access

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// Actor is the end user a read is for.
type Actor struct {
	ProfessionalID string
	OrgNumber      string
	// PatientID is the caller's own pseudonym when a patient acts for themself.
	PatientID string
	Role      authn.Role
	Service   string
}

// ActorOf turns an authenticated principal into an actor. A patient's national
// id becomes their pseudonym here and goes no further.
func ActorOf(p authn.Principal, pseudonyms *ids.Pseudonymizer) Actor {
	a := Actor{ProfessionalID: p.ProfessionalID, OrgNumber: p.OrgNumber, Role: p.Role, Service: p.Service}
	if p.IsPatient() && p.PatientNationalID != "" {
		if nid, err := ids.ParseNationalID(p.PatientNationalID); err == nil {
			a.PatientID = pseudonyms.PatientID(nid)
		}
	}
	return a
}

// Caller is the end user of the request in ctx, and the principal it came
// from for what an actor does not carry (scopes, the service flag).
func Caller(ctx context.Context, pseudonyms *ids.Pseudonymizer) (Actor, authn.Principal, error) {
	p, ok := authn.FromContext(ctx)
	if !ok {
		// The authentication interceptor always runs first; reaching here
		// without a principal is a wiring fault, not the caller's.
		return Actor{}, authn.Principal{}, errs.Permission("no authenticated caller")
	}
	return ActorOf(p, pseudonyms), p, nil
}

// Read describes one read of one patient's data.
type Read struct {
	PatientID string
	Category  consentv1.Category
	// Purpose is recorded; it never denies. Unspecified means treatment.
	Purpose consentv1.Purpose
	// Service, Operation and Resource say what was read, for the log.
	Service   string
	Operation string
	Resource  string
}

// Checker is the consent service's policy decision point.
type Checker interface {
	CheckAccess(ctx context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error)
}

// Guard checks and logs reads.
type Guard struct {
	checker Checker
	log     *audit.Log
	clock   clock.Clock
}

// NewGuard returns a guard over the consent service and the access log.
func NewGuard(checker Checker, log *audit.Log, clk clock.Clock) *Guard {
	return &Guard{checker: checker, log: log, clock: clk}
}

// Decision is a permitted read's basis.
type Decision struct {
	Basis     consentv1.Basis
	ConsentID string
}

// Check asks whether actor may read. Denied is (false, nil). A consent
// service that cannot answer is ErrUnavailable: never guess.
func (g *Guard) Check(ctx context.Context, actor Actor, read Read) (Decision, bool, error) {
	// Ops roles see de-identified aggregates for every unit and nothing
	// patient-level, whatever else their token says.
	if actor.Role == authn.RoleOps || read.PatientID == "" {
		return Decision{}, false, nil
	}
	resp, err := g.checker.CheckAccess(ctx, &consentv1.CheckAccessRequest{
		ActorProfessionalId: actor.ProfessionalID,
		ActorOrgNumber:      actor.OrgNumber,
		ActorPatientId:      actor.PatientID,
		PatientId:           read.PatientID,
		Category:            read.Category,
		Purpose:             purpose(read.Purpose),
	})
	if err != nil {
		return Decision{}, false, errs.Unavailable("access decision", err)
	}
	if resp.GetDecision() != consentv1.Decision_DECISION_PERMIT {
		return Decision{}, false, nil
	}
	return Decision{Basis: resp.GetBasis(), ConsentID: resp.GetConsentId()}, true, nil
}

// Record writes the access-log entry for a permitted read and waits for it.
func (g *Guard) Record(ctx context.Context, actor Actor, read Read, d Decision) error {
	err := g.log.Record(ctx, &consentv1.AccessLogEntry{
		At:                  timestamppb.New(g.clock.Now()),
		ActorProfessionalId: actor.ProfessionalID,
		ActorOrgNumber:      actor.OrgNumber,
		ActorPatientId:      actor.PatientID,
		Category:            read.Category,
		Purpose:             purpose(read.Purpose),
		Decision:            consentv1.Decision_DECISION_PERMIT,
		Basis:               d.Basis,
		ConsentId:           d.ConsentID,
		Operation:           read.Operation,
		PatientId:           read.PatientID,
		Service:             read.Service,
		Resource:            read.Resource,
	})
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}

// Allow is Check then Record: it returns nil only when the actor may read
// and the read is logged. A refusal is errs.NotFound(what), exactly what a
// missing record of that kind answers.
func (g *Guard) Allow(ctx context.Context, actor Actor, read Read, what string) (Decision, error) {
	d, ok, err := g.Check(ctx, actor, read)
	if err != nil {
		return Decision{}, err
	}
	if !ok {
		return Decision{}, errs.NotFound(what)
	}
	return d, g.Record(ctx, actor, read, d)
}

func purpose(p consentv1.Purpose) consentv1.Purpose {
	if p == consentv1.Purpose_PURPOSE_UNSPECIFIED {
		return consentv1.Purpose_PURPOSE_TREATMENT
	}
	return p
}
