// Package access is the one piece every service uses before patient data
// leaves it: ask the consent service whether the actor may see it, write the
// access-log entry, and turn a refusal into the same NotFound a missing record
// gets (Health Personnel Act §21: whether someone is a patient is itself
// confidential).
//
// It is also where the suite's one actor type lives. Domain packages decide
// on an Actor in their pure Authorize functions, so this package imports no
// transport, storage or telemetry: the access log and the consent service are
// reached through the small interfaces below.
package access

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Role is what a caller acts as. Roles only add the two blanket restrictions of
// the design (ops sees aggregates only, a patient sees only their own data);
// scopes and the consent service decide everything else.
type Role string

// The roles of DESIGN.md §5, plus RoleService for the suite's own services.
const (
	RoleClinician   Role = "clinician"
	RoleAssessor    Role = "assessor"
	RoleCoordinator Role = "coordinator"
	RoleIntegration Role = "integration"
	RoleOps         Role = "ops"
	RolePatient     Role = "patient"
	RoleService     Role = "service"
)

// Valid reports whether r is one of the known roles. Unknown roles are
// rejected rather than treated as "no role" so that a typo in an issuer's
// configuration fails loudly instead of granting a half-defined identity.
func (r Role) Valid() bool {
	switch r {
	case RoleClinician, RoleAssessor, RoleCoordinator, RoleIntegration, RoleOps, RolePatient, RoleService:
		return true
	}
	return false
}

// Personnel reports whether r is a role held by people working for an
// organisation; those tokens must say which organisation.
func (r Role) Personnel() bool {
	switch r {
	case RoleClinician, RoleAssessor, RoleCoordinator, RoleIntegration, RoleOps:
		return true
	}
	return false
}

// Actor is who issues a command or reads: the end user, or a service acting
// on its own (a deadline watcher, a process manager). It never holds a
// national id: a patient is their pseudonym.
type Actor struct {
	// ProfessionalID is "hpr:<n>" for health personnel, "ext:<org>:<id>" for
	// other personnel, empty for patients and services.
	ProfessionalID string
	OrgNumber      string
	// PatientID is the caller's own pseudonym when a patient acts for themself.
	PatientID string
	Role      Role
	// Service names the suite's own service when it acts on its own behalf.
	Service string
}

// IsHealthPersonnel reports whether the actor is registered health personnel
// (an hpr: id): only they assess referrals and are cooperating personnel.
func (a Actor) IsHealthPersonnel() bool {
	pid, err := ids.ParseProfessionalID(a.ProfessionalID)
	return err == nil && pid.IsHealthPersonnel()
}

// IsPatient reports whether the actor is a patient acting for themself.
func (a Actor) IsPatient() bool { return a.PatientID != "" }

// IsPatientSelf reports whether the actor is the patient patientID.
func (a Actor) IsPatientSelf(patientID string) bool {
	return a.PatientID != "" && a.PatientID == patientID
}

// IsService reports whether the actor is one of the suite's own services.
func (a Actor) IsService() bool { return a.Role == RoleService }

// Proto is the actor as commits record it.
func (a Actor) Proto() *eventsv1.Actor {
	return &eventsv1.Actor{
		ProfessionalId: a.ProfessionalID, OrgNumber: a.OrgNumber, Role: string(a.Role),
		Service: a.Service, PatientId: a.PatientID,
	}
}

// Scope is the caller scope that request ids belong to: idempotency keys are
// the caller's, so no one reaches another's result by guessing a key.
func (a Actor) Scope() string {
	switch {
	case a.OrgNumber != "":
		return a.OrgNumber
	case a.PatientID != "":
		return a.PatientID
	default:
		return a.Service
	}
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
	BatchCheckAccess(ctx context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error)
}

// Log is the access log (pkg/audit): an entry is durable when Record returns.
type Log interface {
	Record(ctx context.Context, entry *consentv1.AccessLogEntry) error
}

// Guard checks and logs reads.
type Guard struct {
	checker Checker
	log     Log
	clock   clock.Clock
}

// NewGuard returns a guard over the consent service and the access log.
func NewGuard(checker Checker, log Log, clk clock.Clock) *Guard {
	return &Guard{checker: checker, log: log, clock: clk}
}

// Decision is the answer to one check.
type Decision struct {
	Permit    bool
	Basis     consentv1.Basis
	ConsentID string
}

// Decoy is the patient id checked in place of one that does not exist: a
// missing record costs the same consent call as a present one the caller may
// not see, so timing cannot tell them apart. It is a well-formed pseudonym
// (so the consent service folds and decides it like any other) of an all-zero
// HMAC, which no national id produces.
const Decoy = "pt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// Check asks whether actor may read. A consent service that cannot answer is
// ErrUnavailable: never guess. An empty patient id is checked as the decoy,
// so absent and denied do the same work.
func (g *Guard) Check(ctx context.Context, actor Actor, read Read) (Decision, error) {
	ds, err := g.CheckBatch(ctx, actor, []Read{read})
	if err != nil {
		return Decision{}, err
	}
	return ds[0], nil
}

// CheckBatch decides several reads in one call behind one read barrier,
// answering in order. Ops roles are refused everything patient-level, but
// still cost the same call.
func (g *Guard) CheckBatch(ctx context.Context, actor Actor, reads []Read) ([]Decision, error) {
	out := make([]Decision, len(reads))
	if len(reads) == 0 {
		return out, nil
	}
	req := &consentv1.BatchCheckAccessRequest{Checks: make([]*consentv1.CheckAccessRequest, len(reads))}
	for i, r := range reads {
		patient := r.PatientID
		if patient == "" {
			patient = Decoy
		}
		req.Checks[i] = &consentv1.CheckAccessRequest{
			ActorProfessionalId: actor.ProfessionalID,
			ActorOrgNumber:      actor.OrgNumber,
			ActorPatientId:      actor.PatientID,
			PatientId:           patient,
			Category:            r.Category,
			Purpose:             purpose(r.Purpose),
		}
	}
	var results []*consentv1.CheckAccessResponse
	if len(reads) == 1 {
		resp, err := g.checker.CheckAccess(ctx, req.Checks[0])
		if err != nil {
			return nil, errs.Unavailable("access decision", err)
		}
		results = []*consentv1.CheckAccessResponse{resp}
	} else {
		resp, err := g.checker.BatchCheckAccess(ctx, req)
		if err != nil {
			return nil, errs.Unavailable("access decision", err)
		}
		results = resp.GetResults()
	}
	if len(results) != len(reads) {
		return nil, errs.Unavailable("access decision", fmt.Errorf("%d answers to %d checks", len(results), len(reads)))
	}
	for i, resp := range results {
		permit := resp.GetDecision() == consentv1.Decision_DECISION_PERMIT &&
			reads[i].PatientID != "" && actor.Role != RoleOps
		if permit {
			out[i] = Decision{Permit: true, Basis: resp.GetBasis(), ConsentID: resp.GetConsentId()}
		}
	}
	return out, nil
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
	d, err := g.Check(ctx, actor, read)
	if err != nil {
		return Decision{}, err
	}
	if !d.Permit {
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
