package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// UseEmergencyAccess opens time-boxed emergency access for the actor.
type UseEmergencyAccess struct {
	AccessID string
	Reason   string
	By       access.Actor
	At       time.Time
}

// DecideUseEmergencyAccess opens access for Policy.EmergencyAccessDuration,
// written to the patient's state for review. A second access while one is
// still open is refused so every opening is a separate, reviewable decision
// rather than a silent extension.
func DecideUseEmergencyAccess(s PatientState, cmd UseEmergencyAccess, p Policy) ([]proto.Message, error) {
	if p.EmergencyAccessDuration <= 0 {
		return nil, errs.Precondition("emergency access is not configured")
	}
	if slices.ContainsFunc(s.EmergencyAccesses, func(e EmergencyAccess) bool {
		return e.ProfessionalID == cmd.By.ProfessionalID && e.OpenAt(cmd.At)
	}) {
		return nil, errs.Precondition("an emergency access by this professional is already open")
	}
	return []proto.Message{&consentv1.EmergencyAccessOpened{
		AccessId: cmd.AccessID, PatientId: s.PatientID, ProfessionalId: cmd.By.ProfessionalID,
		OrgNumber: cmd.By.OrgNumber, Reason: cmd.Reason, OpenedAt: timestamppb.New(cmd.At),
		ExpiresAt: timestamppb.New(cmd.At.Add(p.EmergencyAccessDuration)),
	}}, nil
}
