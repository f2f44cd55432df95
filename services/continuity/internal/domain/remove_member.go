package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// RemoveMember ends a member's participation.
type RemoveMember struct {
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
	By              access.Actor
	At              time.Time
}

// DecideRemoveMember lets the patient end any member's participation at any
// time. The event names the consent given for the membership so it is
// withdrawn too.
func DecideRemoveMember(p Patient, cmd RemoveMember) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if err := patientChoice(cmd.By, p.PatientID, cmd.ChosenByPatient, "ending a member's participation"); err != nil {
		return nil, err
	}
	m, ok := plan.Member(cmd.ProfessionalID)
	if !ok {
		return nil, notFound("planning-group member")
	}
	return []proto.Message{&continuityv1.PlanningGroupMemberRemoved{
		PlanId: plan.ID, PatientId: p.PatientID, ProfessionalId: m.ProfessionalID, ConsentId: m.ConsentID,
		RecordedBy: recordedBy(cmd.By), RemovedAt: stamp(cmd.At),
	}}, nil
}
