package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// StartRelationship is a new relationship as a caller submits it.
type StartRelationship struct {
	Caller          Caller
	RequestID       string
	PatientID       string
	ProfessionalID  string
	Role            continuityv1.Role
	Unit            domain.Unit
	Sector          continuityv1.Sector
	ChosenByPatient bool
	StartedAt       *time.Time
}

// StartRelationship starts a relationship and returns its id. Only someone
// who may already see the patient's relationships (the patient, the care
// team, or by consent) may add one: an active relationship with health
// personnel makes them care team, so anyone else could grant themselves access.
func (a *App) StartRelationship(ctx context.Context, in StartRelationship) (string, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validatePatientID(&v, in.PatientID)
	validateProfessional(&v, "professional_id", in.ProfessionalID, true)
	v.Check(enumOK(in.Role, continuityv1.Role_name), "role", "must be a known ROLE_ value")
	validateUnit(&v, "unit", in.Unit, true)
	v.Check(enumOK(in.Sector, continuityv1.Sector_name), "sector", "must be a known SECTOR_ value")
	startedAt := instantOr(&v, "started_at", in.StartedAt, now, false)
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := a.authorize(ctx, in.Caller, in.PatientID, consentv1.Category_CATEGORY_RELATIONSHIPS, "patient"); err != nil {
		return "", err
	}
	cmd := domain.StartRelationship{
		RelationshipID: a.ids.New(now), PatientID: in.PatientID, ProfessionalID: in.ProfessionalID, Role: in.Role,
		Unit: in.Unit, Sector: in.Sector, ChosenByPatient: in.ChosenByPatient, StartedAt: startedAt, By: domainActor(in.Caller),
	}
	res, err := a.execute(ctx, in.Caller, in.PatientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideStartRelationship(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}
