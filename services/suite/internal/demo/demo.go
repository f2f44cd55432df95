// Package demo loads the scenario `stafett dev --demo` shows a newcomer,
// through the real gRPC API with tokens the dev signer mints, so it passes
// every rule and access check a real client would. Every command carries a
// fixed request id: loading twice returns the original results and adds
// nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Organisations and units of the scenario.
const (
	GPOrg  = "974760673" // the GP office's integration engine
	DPSOrg = "983974724" // an adult community mental health centre
	BUPOrg = "934567897" // a child and adolescent clinic
	NAVOrg = "889640782"
	// MunicipalOrg is the municipal mental health service.
	MunicipalOrg = "923456783"
)

// Units of the scenario.
var (
	DPS       = &eventsv1.UnitRef{HerId: "80001", OrgNumber: DPSOrg}
	BUP       = &eventsv1.UnitRef{HerId: "80002", OrgNumber: BUPOrg}
	Municipal = &eventsv1.UnitRef{HerId: "80003", OrgNumber: MunicipalOrg}
)

// Birth dates are fixed, so a second load finds the same patients.
var (
	idaBorn    = time.Date(2007, 9, 14, 0, 0, 0, 0, time.UTC)
	jonasBorn  = time.Date(1999, 6, 20, 0, 0, 0, 0, time.UTC)
	cohortBorn = time.Date(2008, 1, 3, 0, 0, 0, 0, time.UTC)
)

// CohortSize is how many young people move from the BUP to the DPS at 18:
// at least 5, so ops views show the edge's numbers.
const CohortSize = 6

// Result names what was loaded, for the printed walk-through.
type Result struct {
	// YoungAdult is the patient id of the young adult who meets many providers.
	YoungAdult string
	// LeftAlone is the patient whose therapist left without a handoff.
	LeftAlone string
	Cohort    []string
}

// Loader loads the scenario.
type Loader struct {
	conn   *grpc.ClientConn
	signer *authn.Signer
	now    time.Time
	out    io.Writer
}

// Load runs the scenario against the suite at addr.
func Load(ctx context.Context, addr string, signer *authn.Signer, now time.Time, out io.Writer) (Result, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	l := &Loader{conn: conn, signer: signer, now: now, out: out}
	return l.load(ctx)
}

func (l *Loader) as(ctx context.Context, spec authn.TokenSpec) (context.Context, error) {
	tok, err := l.signer.Mint(spec, time.Now(), time.Hour)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), nil
}

func staff(hpr, org string, role authn.Role) authn.TokenSpec {
	return authn.TokenSpec{Subject: "hpr:" + hpr, HPRNumber: hpr, ChildOrgNumber: org, Role: role,
		Scopes: []string{"referral:read", "referral:write", "pathway:read", "pathway:write", "continuity:read", "continuity:write", "consent:read", "consent:write", "handoffs:read"}}
}

func (l *Loader) ago(days int) *timestamppb.Timestamp {
	return timestamppb.New(l.now.AddDate(0, 0, -days))
}

// step wraps one call's error with what the scenario was doing.
func step(what string, err error) error {
	if err != nil {
		return fmt.Errorf("demo: %s: %w", what, err)
	}
	return nil
}

func (l *Loader) load(ctx context.Context) (Result, error) {
	var res Result
	var err error
	if res.YoungAdult, err = l.youngAdult(ctx); err != nil {
		return res, err
	}
	if res.LeftAlone, err = l.leftAlone(ctx); err != nil {
		return res, err
	}
	for i := range CohortSize {
		pid, err := l.cohortMember(ctx, i)
		if err != nil {
			return res, err
		}
		res.Cohort = append(res.Cohort, pid)
	}
	return res, nil
}

// referral receives and grants a referral and returns the patient and
// referral ids and, once the pathway service has started it, the pathway id.
func (l *Loader) referral(ctx context.Context, key, nationalID string, unit *eventsv1.UnitRef, pathwayType eventsv1.PathwayType, assessor authn.TokenSpec) (string, string, error) {
	engine, err := l.as(ctx, authn.TokenSpec{Subject: "client:" + GPOrg, ChildOrgNumber: GPOrg, Role: authn.RoleIntegration, Scopes: []string{"referral:write", "referral:read"}})
	if err != nil {
		return "", "", err
	}
	rc := referralv1.NewReferralServiceClient(l.conn)
	got, err := rc.ReceiveReferral(engine, &referralv1.ReceiveReferralRequest{
		RequestId: "demo-" + key, ExternalId: "demo-ext-" + key, PatientNationalId: nationalID, ReferrerHpr: "1234567",
		ReferrerOrgNumber: GPOrg, ReceivingUnit: unit, Reason: "demo referral", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	})
	if err := step("receive referral "+key, err); err != nil {
		return "", "", err
	}
	r := got.GetReferral()
	actx, err := l.as(ctx, assessor)
	if err != nil {
		return "", "", err
	}
	if r.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED {
		_, err = rc.AssessReferral(actx, &referralv1.AssessReferralRequest{
			RequestId: "demo-assess-" + key, ReferralId: r.GetReferralId(),
			Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
				CareStartDeadline: l.now.AddDate(0, 0, 30).Format(time.DateOnly), PathwayType: pathwayType, Priority: referralv1.Priority_PRIORITY_NORMAL,
			}},
		})
		if err := step("assess referral "+key, err); err != nil {
			return "", "", err
		}
	}
	pathwayID, err := l.awaitPathway(actx, r.GetPatientId())
	return r.GetPatientId(), pathwayID, step("await pathway "+key, err)
}

// awaitPathway watches the patient's journey until the pathway the process
// manager starts on the granted right appears in it.
func (l *Loader) awaitPathway(ctx context.Context, patientID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	stream, err := handoffsv1.NewHandoffServiceClient(l.conn).WatchPatientJourney(ctx, &handoffsv1.WatchPatientJourneyRequest{PatientId: patientID})
	if err != nil {
		return "", err
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", errors.New("journey watch ended before the pathway started")
			}
			return "", err
		}
		for _, e := range msg.GetEntries() {
			if e.GetKind() == handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED {
				return e.GetRecordId(), nil
			}
		}
	}
}

type continuity struct {
	l   *Loader
	ctx context.Context
	c   continuityv1.ContinuityServiceClient
	pid string
	key string
}

func (c continuity) start(name, prof string, role continuityv1.Role, unit *eventsv1.UnitRef, sector continuityv1.Sector, daysAgo int, chosen bool) (string, error) {
	res, err := c.c.StartRelationship(c.ctx, &continuityv1.StartRelationshipRequest{
		RequestId: "demo-" + c.key + "-start-" + name, PatientId: c.pid, ProfessionalId: prof, Role: role, Unit: unit, Sector: sector,
		ChosenByPatient: chosen, StartedAt: c.l.ago(daysAgo),
	})
	return res.GetRelationshipId(), step("start relationship "+name, err)
}

func (c continuity) contacts(name, rel string, daysAgo ...int) error {
	for i, d := range daysAgo {
		_, err := c.c.RecordContact(c.ctx, &continuityv1.RecordContactRequest{
			RequestId: fmt.Sprintf("demo-%s-contact-%s-%d", c.key, name, i), RelationshipId: rel, OccurredAt: c.l.ago(d), Kind: continuityv1.ContactKind_CONTACT_KIND_CONSULTATION,
		})
		if err := step("record contact "+name, err); err != nil {
			return err
		}
	}
	return nil
}

// handoff plans and completes a handoff and ends the old relationship.
func (c continuity) handoff(name, from, to string, role continuityv1.Role, unit *eventsv1.UnitRef, kind continuityv1.HandoffKind, reason continuityv1.EndReason, plannedAgo, doneAgo int) (string, error) {
	planned, err := c.c.PlanHandoff(c.ctx, &continuityv1.PlanHandoffRequest{
		RequestId: "demo-" + c.key + "-plan-" + name, FromRelationshipId: from, ToProfessionalId: to, ToRole: role, ToUnit: unit,
		PlannedAt: c.l.ago(plannedAgo), Kind: kind, JointMeeting: kind == continuityv1.HandoffKind_HANDOFF_KIND_WARM, ToSector: continuityv1.Sector_SECTOR_SPECIALIST,
	})
	if err := step("plan handoff "+name, err); err != nil {
		return "", err
	}
	done, err := c.c.CompleteHandoff(c.ctx, &continuityv1.CompleteHandoffRequest{
		RequestId: "demo-" + c.key + "-complete-" + name, HandoffId: planned.GetHandoffId(), CompletedAt: c.l.ago(doneAgo),
		SummaryShared: kind == continuityv1.HandoffKind_HANDOFF_KIND_WARM,
	})
	if err := step("complete handoff "+name, err); err != nil {
		return "", err
	}
	_, err = c.c.EndRelationship(c.ctx, &continuityv1.EndRelationshipRequest{RequestId: "demo-" + c.key + "-end-" + name, RelationshipId: from, Reason: reason, EndedAt: c.l.ago(doneAgo)})
	return done.GetRelationshipId(), step("end relationship "+name, err)
}

// youngAdult is Ida, 18: a referral to the DPS, a pathway with a plan she
// chose and a medication-free request, a therapist who leaves with a warm
// handoff, many other providers, and an individual plan with the
// coordinator she chose.
func (l *Loader) youngAdult(ctx context.Context) (string, error) {
	clin := staff("7001", DPSOrg, authn.RoleClinician)
	pid, pathwayID, err := l.referral(ctx, "ida", NationalID(idaBorn, 0), DPS, eventsv1.PathwayType_PATHWAY_TYPE_D11, staff("7000", DPSOrg, authn.RoleAssessor))
	if err != nil {
		return "", err
	}
	cctx, err := l.as(ctx, clin)
	if err != nil {
		return "", err
	}
	pw := pathwayv1.NewPathwayServiceClient(l.conn)
	calls := []struct {
		what string
		call func() error
	}{
		{"assign coordinator", func() error {
			_, err := pw.AssignPathwayCoordinator(cctx, &pathwayv1.AssignPathwayCoordinatorRequest{RequestId: "demo-ida-coordinator", PathwayId: pathwayID, ProfessionalId: "hpr:7002"})
			return err
		}},
		{"first attendance", func() error {
			_, err := pw.RecordFirstAttendance(cctx, &pathwayv1.RecordFirstAttendanceRequest{RequestId: "demo-ida-attended", PathwayId: pathwayID, AttendedAt: timestamppb.New(l.now)})
			return err
		}},
		{"clinical decision", func() error {
			_, err := pw.RecordClinicalDecision(cctx, &pathwayv1.RecordClinicalDecisionRequest{RequestId: "demo-ida-decision", PathwayId: pathwayID,
				Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC})
			return err
		}},
		{"treatment plan", func() error {
			_, err := pw.AgreeTreatmentPlan(cctx, &pathwayv1.AgreeTreatmentPlanRequest{RequestId: "demo-ida-plan", PathwayId: pathwayID,
				OptionsOffered: []string{"individual therapy", "group therapy", "music therapy"}, ChosenOption: "music therapy",
				DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_CLIENT_LED, ChosenByPatient: true})
			return err
		}},
		{"medication-free request", func() error {
			_, err := pw.RequestMedicationFreeTreatment(cctx, &pathwayv1.RequestMedicationFreeTreatmentRequest{RequestId: "demo-ida-medfree", PathwayId: pathwayID, ChosenByPatient: true})
			return err
		}},
	}
	for _, c := range calls {
		if err := step(c.what, c.call()); err != nil {
			return "", err
		}
	}

	c := continuity{l: l, ctx: cctx, c: continuityv1.NewContinuityServiceClient(l.conn), pid: pid, key: "ida"}
	therapist, err := c.start("therapist", "hpr:7003", continuityv1.Role_ROLE_THERAPIST, DPS, continuityv1.Sector_SECTOR_SPECIALIST, 120, false)
	if err != nil {
		return "", err
	}
	if err := c.contacts("therapist", therapist, 115, 105, 95, 85, 75); err != nil {
		return "", err
	}
	others := []struct {
		name, prof string
		role       continuityv1.Role
		unit       *eventsv1.UnitRef
		sector     continuityv1.Sector
	}{
		{"psychiatrist", "hpr:7004", continuityv1.Role_ROLE_PSYCHIATRIST, DPS, continuityv1.Sector_SECTOR_SPECIALIST},
		{"nurse", "hpr:7005", continuityv1.Role_ROLE_NURSE, DPS, continuityv1.Sector_SECTOR_SPECIALIST},
		{"music-therapist", "hpr:7006", continuityv1.Role_ROLE_MUSIC_THERAPIST, DPS, continuityv1.Sector_SECTOR_SPECIALIST},
		{"gp", "hpr:1234567", continuityv1.Role_ROLE_GP, &eventsv1.UnitRef{HerId: "80009", OrgNumber: GPOrg}, continuityv1.Sector_SECTOR_GP},
		{"peer-worker", "hpr:7007", continuityv1.Role_ROLE_PEER_WORKER, Municipal, continuityv1.Sector_SECTOR_MUNICIPAL},
	}
	for i, o := range others {
		rel, err := c.start(o.name, o.prof, o.role, o.unit, o.sector, 100-i*10, false)
		if err != nil {
			return "", err
		}
		if err := c.contacts(o.name, rel, 90-i*10, 60-i*5); err != nil {
			return "", err
		}
	}
	// The therapist leaves; a warm handoff with a joint meeting and the
	// summary shared passes Ida to her successor.
	next, err := c.handoff("therapist", therapist, "hpr:7008", continuityv1.Role_ROLE_THERAPIST, DPS, continuityv1.HandoffKind_HANDOFF_KIND_WARM,
		continuityv1.EndReason_END_REASON_PROVIDER_LEFT, 70, 60)
	if err != nil {
		return "", err
	}
	if err := c.contacts("successor", next, 50, 40, 30, 20, 10); err != nil {
		return "", err
	}
	// The individual plan, with the coordinator Ida chose.
	plan, err := c.c.CreateIndividualPlan(cctx, &continuityv1.CreateIndividualPlanRequest{
		RequestId: "demo-ida-individual-plan", PatientId: pid, PatientConsents: true,
		PeriodFrom: l.now.Format(time.DateOnly), PeriodTo: l.now.AddDate(1, 0, 0).Format(time.DateOnly),
	})
	if err := step("create individual plan", err); err != nil {
		return "", err
	}
	_, err = c.c.AppointCoordinator(cctx, &continuityv1.AppointCoordinatorRequest{RequestId: "demo-ida-plan-coordinator", PlanId: plan.GetPlanId(), ProfessionalId: "hpr:7005", ChosenByPatient: true})
	if err := step("appoint coordinator", err); err != nil {
		return "", err
	}
	// Ida lets her NAV case worker see her relationships.
	patient, err := l.as(ctx, authn.TokenSpec{Subject: "patient", PatientNationalID: NationalID(idaBorn, 0), Role: authn.RolePatient,
		Scopes: []string{"consent:read", "consent:write", "handoffs:read"}})
	if err != nil {
		return "", err
	}
	_, err = consentv1.NewConsentServiceClient(l.conn).GrantConsent(patient, &consentv1.GrantConsentRequest{
		RequestId: "demo-ida-consent-nav", PatientId: pid,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "ext:" + NAVOrg + ":nav-1"}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_RELATIONSHIPS}, Purpose: consentv1.Purpose_PURPOSE_COORDINATION,
	})
	return pid, step("grant consent to NAV", err)
}

// leftAlone is Jonas: his therapist leaves without a handoff and he has no
// named person left.
func (l *Loader) leftAlone(ctx context.Context) (string, error) {
	pid, _, err := l.referral(ctx, "jonas", NationalID(jonasBorn, 0), DPS, eventsv1.PathwayType_PATHWAY_TYPE_D11, staff("7000", DPSOrg, authn.RoleAssessor))
	if err != nil {
		return "", err
	}
	cctx, err := l.as(ctx, staff("7001", DPSOrg, authn.RoleClinician))
	if err != nil {
		return "", err
	}
	c := continuity{l: l, ctx: cctx, c: continuityv1.NewContinuityServiceClient(l.conn), pid: pid, key: "jonas"}
	rel, err := c.start("therapist", "hpr:7009", continuityv1.Role_ROLE_THERAPIST, DPS, continuityv1.Sector_SECTOR_SPECIALIST, 90, false)
	if err != nil {
		return "", err
	}
	if err := c.contacts("therapist", rel, 80, 60, 40); err != nil {
		return "", err
	}
	_, err = c.c.EndRelationship(cctx, &continuityv1.EndRelationshipRequest{RequestId: "demo-jonas-end-therapist", RelationshipId: rel,
		Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT, EndedAt: l.ago(20)})
	return pid, step("end Jonas' therapist", err)
}

// cohortMember is a young person referred to the BUP who turns 18 and is
// handed warm from the BUP therapist to one at the adult DPS.
func (l *Loader) cohortMember(ctx context.Context, i int) (string, error) {
	key := fmt.Sprintf("cohort-%d", i)
	bupStaff := staff("7100", BUPOrg, authn.RoleClinician)
	pid, _, err := l.referral(ctx, key, NationalID(cohortBorn.AddDate(0, 0, i*9), i), BUP, eventsv1.PathwayType_PATHWAY_TYPE_D12, staff("7101", BUPOrg, authn.RoleAssessor))
	if err != nil {
		return "", err
	}
	cctx, err := l.as(ctx, bupStaff)
	if err != nil {
		return "", err
	}
	c := continuity{l: l, ctx: cctx, c: continuityv1.NewContinuityServiceClient(l.conn), pid: pid, key: key}
	rel, err := c.start("therapist", fmt.Sprintf("hpr:71%02d", 10+i%3), continuityv1.Role_ROLE_THERAPIST, BUP, continuityv1.Sector_SECTOR_SPECIALIST, 200, false)
	if err != nil {
		return "", err
	}
	if err := c.contacts("therapist", rel, 190, 150, 110); err != nil {
		return "", err
	}
	_, err = c.handoff("therapist", rel, fmt.Sprintf("hpr:72%02d", 10+i%2), continuityv1.Role_ROLE_THERAPIST, DPS, continuityv1.HandoffKind_HANDOFF_KIND_WARM,
		continuityv1.EndReason_END_REASON_AGE_TRANSITION, 40, 30-i)
	return pid, err
}

// NationalID makes a valid fødselsnummer for someone born on birth; n picks
// among the valid individual numbers, so a cohort born on one day differs.
func NationalID(birth time.Time, n int) string {
	first := 0 // 1900–1999: individual numbers 000–499
	if birth.Year() >= 2000 {
		first = 500 // 2000–2039: 500–999
	}
	for ind := first; ind < first+500; ind++ {
		base := fmt.Sprintf("%02d%02d%02d%03d", birth.Day(), int(birth.Month()), birth.Year()%100, ind)
		k1 := check(base, []int{3, 7, 6, 1, 8, 9, 4, 5, 2})
		if k1 < 0 {
			continue
		}
		k2 := check(base+fmt.Sprint(k1), []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
		if k2 < 0 {
			continue
		}
		if n > 0 {
			n--
			continue
		}
		return base + fmt.Sprint(k1) + fmt.Sprint(k2)
	}
	return ""
}

func check(digits string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	switch c := 11 - sum%11; c {
	case 11:
		return 0
	case 10:
		return -1
	default:
		return c
	}
}
