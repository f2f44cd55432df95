package app_test

import (
	"context"
	"testing"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// work is what one call cost, as the counting fakes and the stream saw it.
type work struct {
	err      string
	calls    int // CheckAccess/BatchCheckAccess calls
	checks   int // checks they carried
	records  int // access-log records
	appended uint64
}

func (e *env) workOf(t *testing.T, run func(context.Context) error) work {
	t.Helper()
	calls, checks := e.checker.Counts()
	records, seq := e.log.Records(), e.lastSeq()
	var w work
	if err := run(t.Context()); err != nil {
		w.err = err.Error()
	}
	c, k := e.checker.Counts()
	w.calls, w.checks, w.records, w.appended = c-calls, k-checks, e.log.Records()-records, e.lastSeq()-seq
	return w
}

// permitsClinicianOn is the fake consent service: only the DPS clinician,
// and only on patient pid.
func permitsClinicianOn(pid string) accesstest.Rule {
	return func(r *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
		if r.GetPatientId() == pid && r.GetActorProfessionalId() == clinicianID {
			return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
		}
		return nil
	}
}

// knownPatient is a patient with something of everything recorded, by the
// patient themself and their care team.
type knownPatient struct {
	id, consent, objection, episode, emergency string
}

func (e *env) knownPatient(t *testing.T) knownPatient {
	t.Helper()
	p := knownPatient{id: e.patientID(patientNID)}
	e.referred(p.id)
	me := e.patient(patientNID)
	var err error
	if p.consent, err = e.app.GrantConsent(t.Context(), me, "known-consent", grantToStranger(p.id)); err != nil {
		t.Fatal(err)
	}
	if p.objection, err = e.app.RecordObjection(t.Context(), me, "known-objection", app.RecordObjection{
		PatientID: p.id, Against: domain.Party{ProfessionalID: colleagueID}, Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.app.PermitContactAfterEnd(t.Context(), me, "known-contact", app.PermitContactAfterEnd{PatientID: p.id, ProfessionalID: clinicianID}); err != nil {
		t.Fatal(err)
	}
	if p.episode, err = e.app.StartCompulsoryCare(t.Context(), clinician(), "known-episode", app.StartCompulsoryCare{
		PatientID: p.id, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION, DecisionMaker: clinicianID, StartsOn: "2026-03-02",
	}); err != nil {
		t.Fatal(err)
	}
	opened, err := e.app.UseEmergencyAccess(t.Context(), clinician(), "known-emergency", app.UseEmergencyAccess{PatientID: p.id, Reason: "unconscious"})
	if err != nil {
		t.Fatal(err)
	}
	p.emergency = opened.ID
	return p
}

// TestAbsentAndDeniedPatientsCostTheSameForEveryQuery: asking about a patient
// one may not see and about one nobody knows makes the same image read, the
// same one access check and no access-log record, and answers the same
// NOT_FOUND; a permitted read makes the same check and one record.
func TestAbsentAndDeniedPatientsCostTheSameForEveryQuery(t *testing.T) {
	e := newCountingEnv(t, permitsClinicianOn(patientIDOf(t, patientNID)))
	known := e.knownPatient(t).id
	absent := e.patientID(otherNID)
	queries := map[string]func(ctx context.Context, actor access.Actor, pid string) error{
		"GetLegalStatus": func(ctx context.Context, actor access.Actor, pid string) error {
			_, err := e.app.GetLegalStatus(ctx, actor, pid)
			return err
		},
		"ListConsents": func(ctx context.Context, actor access.Actor, pid string) error {
			_, err := e.app.ListConsents(ctx, actor, app.ListConsents{PatientID: pid, IncludeInactive: true})
			return err
		},
		"ListAccessLog": func(ctx context.Context, actor access.Actor, pid string) error {
			_, err := e.app.ListAccessLog(ctx, actor, app.ListAccessLog{PatientID: pid})
			return err
		},
		"ListEmergencyAccesses": func(ctx context.Context, actor access.Actor, pid string) error {
			_, err := e.app.ListEmergencyAccesses(ctx, actor, app.ListEmergencyAccesses{PatientID: pid})
			return err
		},
	}
	for name, query := range queries {
		t.Run(name, func(t *testing.T) {
			denied := e.workOf(t, func(ctx context.Context) error { return query(ctx, stranger(), known) })
			missing := e.workOf(t, func(ctx context.Context) error { return query(ctx, stranger(), absent) })
			if denied != missing {
				t.Fatalf("denied cost %+v, absent %+v", denied, missing)
			}
			if want := (work{err: "patient not found", calls: 1, checks: 1}); denied != want {
				t.Fatalf("denied cost %+v, want %+v", denied, want)
			}
			permitted := e.workOf(t, func(ctx context.Context) error { return query(ctx, clinician(), known) })
			if want := (work{calls: 1, checks: 1, records: 1}); permitted != want {
				t.Fatalf("a permitted read cost %+v, want %+v", permitted, want)
			}
		})
	}
}

// TestAbsentAndDeniedPatientsCostTheSameForEveryCommand: a command refused
// for a patient the caller may not act on and one for a patient nobody knows
// are the same refusal, after the same work, and append nothing.
func TestAbsentAndDeniedPatientsCostTheSameForEveryCommand(t *testing.T) {
	e := newCountingEnv(t, nil)
	p := e.knownPatient(t)
	absent := e.patientID(otherNID)
	type command func(ctx context.Context, pid string) error
	commands := map[string]struct {
		actor access.Actor
		run   func(actor access.Actor) command
		want  testkit.Kind
	}{}
	add := func(name string, actor access.Actor, want testkit.Kind, run func(actor access.Actor) command) {
		commands[name] = struct {
			actor access.Actor
			run   func(actor access.Actor) command
			want  testkit.Kind
		}{actor, run, want}
	}
	add("GrantConsent", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.GrantConsent(ctx, a, "grant", grantToStranger(pid))
			return err
		}
	})
	add("WithdrawConsent", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.WithdrawConsent(ctx, a, "withdraw", app.WithdrawConsent{PatientID: pid, ConsentID: p.consent})
		}
	})
	add("RecordObjection", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.RecordObjection(ctx, a, "object", app.RecordObjection{PatientID: pid,
				Against: domain.Party{ProfessionalID: clinicianID}, Categories: []consentv1.Category{consentv1.Category_CATEGORY_ALL}})
			return err
		}
	})
	add("LiftObjection", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.LiftObjection(ctx, a, "lift", app.LiftObjection{PatientID: pid, ObjectionID: p.objection})
		}
	})
	add("RecordCapacityAssessment", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.RecordCapacityAssessment(ctx, a, "assess", app.RecordCapacityAssessment{PatientID: pid, Domain: consentv1.CapacityDomain_CAPACITY_DOMAIN_SHARING})
			return err
		}
	})
	add("RecordCapacityAssessment by NAV", nav(), testkit.Permission, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.RecordCapacityAssessment(ctx, a, "assess", app.RecordCapacityAssessment{PatientID: pid, Domain: consentv1.CapacityDomain_CAPACITY_DOMAIN_SHARING})
			return err
		}
	})
	add("RegisterRepresentative", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.RegisterRepresentative(ctx, a, "represent", app.RegisterRepresentative{
				PatientID: pid, PersonID: e.patientID(parentNID), Role: consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_GUARDIAN,
			})
			return err
		}
	})
	add("StartCompulsoryCare", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.StartCompulsoryCare(ctx, a, "start", app.StartCompulsoryCare{
				PatientID: pid, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE, DecisionMaker: strangerID, StartsOn: "2026-03-02",
			})
			return err
		}
	})
	add("EndCompulsoryCare", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.EndCompulsoryCare(ctx, a, "end", app.EndCompulsoryCare{PatientID: pid, EpisodeID: p.episode, EndedOn: "2026-03-03"})
		}
	})
	add("PermitContactAfterEnd", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.PermitContactAfterEnd(ctx, a, "permit", app.PermitContactAfterEnd{PatientID: pid, ProfessionalID: strangerID})
		}
	})
	add("RevokeContactAfterEnd", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.RevokeContactAfterEnd(ctx, a, "revoke", app.RevokeContactAfterEnd{PatientID: pid, ProfessionalID: clinicianID})
		}
	})
	add("UseEmergencyAccess by NAV", nav(), testkit.Permission, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			_, err := e.app.UseEmergencyAccess(ctx, a, "emergency", app.UseEmergencyAccess{PatientID: pid, Reason: "r"})
			return err
		}
	})
	add("ReviewEmergencyAccess", stranger(), testkit.NotFound, func(a access.Actor) command {
		return func(ctx context.Context, pid string) error {
			return e.app.ReviewEmergencyAccess(ctx, a, "review", app.ReviewEmergencyAccess{PatientID: pid, AccessID: p.emergency, Justified: true, Note: "n"})
		}
	})
	for name, c := range commands {
		t.Run(name, func(t *testing.T) {
			run := c.run(c.actor)
			denied := e.workOf(t, func(ctx context.Context) error { return run(ctx, p.id) })
			missing := e.workOf(t, func(ctx context.Context) error { return run(ctx, absent) })
			if denied != missing {
				t.Fatalf("denied cost %+v, absent %+v", denied, missing)
			}
			if denied.err == "" || denied.calls != 0 || denied.records != 0 || denied.appended != 0 {
				t.Fatalf("a refused command cost %+v", denied)
			}
			testkit.ExpectErr(t, run(t.Context(), p.id), c.want)
		})
	}
}
