package domain

import (
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// UseEmergencyAccess opens time-boxed emergency access for the actor.
type UseEmergencyAccess struct {
	AccessID  string
	RequestID string
	PatientID string
	Reason    string
	By        Actor
	At        time.Time
}

// DecideUseEmergencyAccess opens access for Policy.EmergencyAccessDuration.
// Only health personnel may: NAV, schools and child welfare reach patient
// data by consent alone, and an emergency door would bypass that. A second
// access while one is still open is refused so every opening is a separate,
// reviewable decision rather than a silent extension.
func DecideUseEmergencyAccess(s PatientState, cmd UseEmergencyAccess, p Policy) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Check(strings.TrimSpace(cmd.Reason) != "", "reason", "is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if pid, err := ids.ParseProfessionalID(cmd.By.ProfessionalID); err != nil || !pid.IsHealthPersonnel() {
		return nil, errs.Permission("only health personnel may use emergency access")
	}
	if p.EmergencyAccessDuration <= 0 {
		return nil, errs.Precondition("emergency access is not configured")
	}
	if slices.ContainsFunc(s.EmergencyAccesses, func(e EmergencyAccess) bool {
		return e.ProfessionalID == cmd.By.ProfessionalID && e.OpenAt(cmd.At)
	}) {
		return nil, errs.Precondition("an emergency access by this professional is already open")
	}
	return []proto.Message{&consentv1.EmergencyAccessOpened{
		AccessId: cmd.AccessID, PatientId: cmd.PatientID, ProfessionalId: cmd.By.ProfessionalID,
		OrgNumber: cmd.By.OrgNumber, Reason: cmd.Reason, OpenedAt: timestamppb.New(cmd.At),
		ExpiresAt: timestamppb.New(cmd.At.Add(p.EmergencyAccessDuration)), RequestId: cmd.RequestID,
	}}, nil
}
