package app_test

// Component tests: the application against a real embedded JetStream and a
// real access guard and access log, with the consent service's decisions
// and commands faked.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/app"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

const (
	dpsOrg       = "983974899"
	therapistHPR = "hpr:1111111"
	nurseHPR     = "hpr:3333333"
	strangerHPR  = "hpr:9999999"
	navWorker    = "ext:889640782:case-17"
)

// checker fakes the consent service's CheckAccess: the patient reads their
// own data, the DPS is the care team, and consents are per professional.
// consents is what the fake consent service permits: the patient's own
// data, the DPS's care team, and plan consents given to named professionals.
type consents struct {
	mu             sync.Mutex
	byProfessional map[string]string // professional id -> consent id, CATEGORY_PLAN
}

func (c *consents) consent(professional, consentID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byProfessional[professional] = consentID
}

func (c *consents) rule(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case req.GetActorPatientId() != "" && req.GetActorPatientId() == req.GetPatientId():
		return accesstest.Permit(consentv1.Basis_BASIS_OWN_DATA, "")
	case req.GetCategory() == consentv1.Category_CATEGORY_PLAN && c.byProfessional[req.GetActorProfessionalId()] != "":
		return accesstest.Permit(consentv1.Basis_BASIS_CONSENT, c.byProfessional[req.GetActorProfessionalId()])
	case req.GetActorOrgNumber() == dpsOrg, req.GetActorProfessionalId() == nurseHPR:
		return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
	}
	return nil
}

// consentCommands records what the application asked the consent service to do.
type consentCommands struct {
	mu        sync.Mutex
	withdrawn []string
	permitted []string
}

func (c *consentCommands) WithdrawConsent(_ context.Context, _ access.Actor, _, consentID, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.withdrawn = append(c.withdrawn, consentID)
	return nil
}

func (c *consentCommands) PermitContactAfterEnd(_ context.Context, _ access.Actor, _, professionalID, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.permitted = append(c.permitted, professionalID)
	return nil
}

type env struct {
	app     *app.App
	store   *eventstore.Store
	audit   *audit.Log
	checker *consents
	access  *accesstest.Checker
	consent *consentCommands
	patient string
}

func start(t *testing.T) *env {
	t.Helper()
	store, log, _ := eventstoretest.OpenWithAudit(t)
	clk := clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	e := &env{store: store, audit: log, checker: &consents{byProfessional: map[string]string{}}, consent: &consentCommands{}, patient: testkit.PatientID(t, "31129998949")}
	e.access = accesstest.NewChecker(e.checker.rule)
	image := decider.NewImage(app.Model(), nil)
	e.app = app.New(app.Deps{
		Store: store, Image: image, Clock: clk, IDs: idgen.NewULIDs(),
		Guard: access.NewGuard(e.access, log, clk), Consent: e.consent,
	})
	feed, err := image.Run(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Stop)
	return e
}

func clinician() access.Actor {
	return access.Actor{ProfessionalID: therapistHPR, OrgNumber: dpsOrg, Role: authn.RoleClinician}
}
func (e *env) self() access.Actor { return access.Actor{PatientID: e.patient, Role: authn.RolePatient} }

func (e *env) startRelationship(t *testing.T, requestID, professional string, role continuityv1.Role) string {
	t.Helper()
	id, err := e.app.StartRelationship(t.Context(), app.StartRelationship{
		Caller: clinician(), RequestID: requestID, PatientID: e.patient, ProfessionalID: professional, Role: role,
		Unit: domain.Unit{HerID: "8100001", OrgNumber: dpsOrg}, Sector: continuityv1.Sector_SECTOR_SPECIALIST,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// events lists every continuity event of the patient in stream order.
func (e *env) events(t *testing.T) []proto.Message {
	t.Helper()
	records, _, err := e.store.Load(t.Context(), app.Model().Subject(e.patient), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []proto.Message
	for _, r := range records {
		evs, err := r.Events()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, evs...)
	}
	return out
}

func countLeft(events []proto.Message) int {
	n := 0
	for _, e := range events {
		if _, ok := e.(*continuityv1.PatientLeftWithoutContact); ok {
			n++
		}
	}
	return n
}

// Two key relationships ending at the same moment: only one aggregate per
// patient makes "was that the last one?" a question with one answer, so the
// alert is raised exactly once whichever ending commits second.
func TestRacingEndingsOfTheLastTwoKeyRelationshipsRaiseExactlyOneAlert(t *testing.T) {
	e := start(t)
	ids := []string{
		e.startRelationship(t, "s1", therapistHPR, continuityv1.Role_ROLE_THERAPIST),
		e.startRelationship(t, "s2", nurseHPR, continuityv1.Role_ROLE_CONTACT_PERSON),
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			_, err := e.app.EndRelationship(t.Context(), app.EndRelationship{
				Caller: clinician(), RequestID: "end-" + string(rune('a'+i)), RelationshipID: id, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT,
			})
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countLeft(e.events(t)); n != 1 {
		t.Fatalf("PatientLeftWithoutContact appended %d times, want 1", n)
	}
}

func TestARetriedRequestReturnsTheOriginalRelationship(t *testing.T) {
	e := start(t)
	first := e.startRelationship(t, "same", therapistHPR, continuityv1.Role_ROLE_THERAPIST)
	again := e.startRelationship(t, "same", therapistHPR, continuityv1.Role_ROLE_THERAPIST)
	if first == "" || first != again {
		t.Fatalf("ids %q and %q, want the same", first, again)
	}
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

func TestTheCareTeamIsReadOnlyThroughTheGuardAndEveryReadIsLogged(t *testing.T) {
	e := start(t)
	e.startRelationship(t, "s1", therapistHPR, continuityv1.Role_ROLE_THERAPIST)
	stranger := access.Actor{ProfessionalID: strangerHPR, OrgNumber: "923456783", Role: authn.RoleClinician}
	_, denied := e.app.GetCareTeam(t.Context(), stranger, e.patient)
	other := []byte(e.patient)
	other[10] = map[bool]byte{true: 'c', false: 'b'}[other[10] == 'b']
	_, missing := e.app.GetCareTeam(t.Context(), stranger, string(other))
	var nf1, nf2 *errs.NotFoundError
	if !errors.As(denied, &nf1) || !errors.As(missing, &nf2) || denied.Error() != missing.Error() {
		t.Fatalf("denied %v and missing %v must be the same NotFound", denied, missing)
	}
	p, err := e.app.GetCareTeam(t.Context(), clinician(), e.patient)
	if err != nil || len(p.Relationships) != 1 {
		t.Fatalf("care team = %+v, %v", p.Relationships, err)
	}
	entries, _, err := e.audit.List(t.Context(), e.patient, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Entry.GetCategory() != consentv1.Category_CATEGORY_RELATIONSHIPS || entries[0].Entry.GetActorProfessionalId() != therapistHPR {
		t.Fatalf("access log = %v, want the one permitted read", entries)
	}
}

func TestAStrangerCannotAddThemselvesToTheCareTeam(t *testing.T) {
	e := start(t)
	_, err := e.app.StartRelationship(t.Context(), app.StartRelationship{
		Caller: access.Actor{ProfessionalID: strangerHPR, OrgNumber: "923456783"}, RequestID: "s1", PatientID: e.patient,
		ProfessionalID: strangerHPR, Role: continuityv1.Role_ROLE_THERAPIST,
		Unit: domain.Unit{HerID: "1", OrgNumber: "923456783"}, Sector: continuityv1.Sector_SECTOR_SPECIALIST,
	})
	var nf *errs.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want NotFound", err)
	}
}

func TestAPlanningGroupMemberNeedsConsentAndTheirRemovalWithdrawsIt(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	planID, err := e.app.CreatePlan(ctx, app.CreatePlan{Caller: e.self(), RequestID: "p1", PatientID: e.patient})
	if err != nil {
		t.Fatal(err)
	}
	add := app.AddMember{Caller: e.self(), RequestID: "m1", PlanID: planID, ProfessionalID: navWorker, Role: continuityv1.Role_ROLE_NAV_CASEWORKER}
	_, err = e.app.AddMember(ctx, add)
	var pe *errs.PreconditionError
	if !errors.As(err, &pe) || pe.Conditions[0].Reason != domain.ReasonShareConsent || pe.Conditions[0].Metadata["category"] != "CATEGORY_PLAN" {
		t.Fatalf("err = %v, want the missing sharing consent named", err)
	}
	e.checker.consent(navWorker, "consent-7")
	add.RequestID = "m2"
	if consentID, err := e.app.AddMember(ctx, add); err != nil || consentID != "consent-7" {
		t.Fatalf("add = %q, %v", consentID, err)
	}
	plan, _, err := e.app.GetPlan(ctx, access.Actor{ProfessionalID: navWorker, OrgNumber: "889640782"}, planID)
	if err != nil || len(plan.Members) != 1 {
		t.Fatalf("the member reads the plan: %+v, %v", plan.Members, err)
	}
	if _, err := e.app.GetCareTeam(ctx, access.Actor{ProfessionalID: navWorker, OrgNumber: "889640782"}, e.patient); err == nil {
		t.Fatal("a planning-group member read the patient's care team")
	}
	out, err := e.app.RemoveMember(ctx, app.RemoveMember{Caller: e.self(), RequestID: "r1", PlanID: planID, ProfessionalID: navWorker})
	if err != nil || !out.ConsentWithdrawn {
		t.Fatalf("remove = %+v, %v", out, err)
	}
	if len(e.consent.withdrawn) != 1 || e.consent.withdrawn[0] != "consent-7" {
		t.Fatalf("withdrawn = %v", e.consent.withdrawn)
	}
}

func TestWantingContactAfterCareEndsRecordsThePermissionInTheConsentService(t *testing.T) {
	e := start(t)
	out, err := e.app.RecordPreference(t.Context(), app.RecordPreference{
		Caller: e.self(), RequestID: "pref", PatientID: e.patient, KeepProfessionalID: therapistHPR,
		Closeness: continuityv1.Closeness_CLOSENESS_HIGH, ContactAfterEnd: true,
	})
	if err != nil || !out.ContactAfterEndRecorded {
		t.Fatalf("preference = %+v, %v", out, err)
	}
	if len(e.consent.permitted) != 1 || e.consent.permitted[0] != therapistHPR {
		t.Fatalf("permitted = %v", e.consent.permitted)
	}
}

func TestDeniedCostsWhatAbsentCosts(t *testing.T) {
	e := start(t)
	rel := e.startRelationship(t, "s1", therapistHPR, continuityv1.Role_ROLE_THERAPIST)
	planID, err := e.app.CreatePlan(t.Context(), app.CreatePlan{Caller: e.self(), RequestID: "p1", PatientID: e.patient})
	if err != nil {
		t.Fatal(err)
	}
	stranger := access.Actor{ProfessionalID: strangerHPR, OrgNumber: "923456783", Role: authn.RoleClinician}
	const unknown = "01JNOSUCHIDNOSUCHIDNOSUCHID"
	for _, tc := range []struct {
		name string
		run  func(id string) error
		id   string
	}{
		{"RecordContact by relationship id", func(id string) error {
			return e.app.RecordContact(t.Context(), app.RecordContact{Caller: stranger, RequestID: "c-" + id, RelationshipID: id, Kind: continuityv1.ContactKind_CONTACT_KIND_PHONE})
		}, rel},
		{"GetIndividualPlan", func(id string) error { _, _, err := e.app.GetPlan(t.Context(), stranger, id); return err }, planID},
		{"SetPlanGoal", func(id string) error {
			_, err := e.app.SetGoal(t.Context(), app.SetGoal{Caller: stranger, RequestID: "g-" + id, PlanID: id, Text: "x"})
			return err
		}, planID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			measure := func(id string) (int, error) {
				calls0, _ := e.access.Counts()
				err := tc.run(id)
				calls, _ := e.access.Counts()
				return calls - calls0, err
			}
			absentCalls, absentErr := measure(unknown)
			deniedCalls, deniedErr := measure(tc.id)
			testkit.ExpectErr(t, absentErr, testkit.NotFound)
			if absentErr.Error() != deniedErr.Error() || absentCalls != deniedCalls || absentCalls == 0 {
				t.Fatalf("absent: %v after %d checks; denied: %v after %d checks", absentErr, absentCalls, deniedErr, deniedCalls)
			}
		})
	}
}
