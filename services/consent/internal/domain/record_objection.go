package domain

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RecordObjection records the patient's objection to §25 sharing.
type RecordObjection struct {
	ObjectionID string
	Against     Party
	Categories  []consentv1.Category
	By          access.Actor
	At          time.Time
}

// DecideRecordObjection records an objection against a professional or a
// unit (never "the care team": that would be a blanket objection, which is
// what withdrawing consents and objecting per unit express precisely). An
// objection against an ext: professional is refused because such people
// never share under §25 in the first place; the patient withdraws the
// consent instead, and an objection that did nothing would mislead.
func DecideRecordObjection(s PatientState, cmd RecordObjection) ([]proto.Message, error) {
	if strings.HasPrefix(cmd.Against.ProfessionalID, "ext:") {
		return nil, errs.Invalid("against.professional_id", "only health personnel share under §25; withdraw the consent instead")
	}
	if _, ok := s.Objection(cmd.ObjectionID); ok {
		return nil, errs.Precondition("objection %s already exists", cmd.ObjectionID)
	}
	return []proto.Message{&consentv1.ObjectionRecorded{
		ObjectionId: cmd.ObjectionID, PatientId: s.PatientID, Against: targetProto(cmd.Against),
		Categories: normalise(cmd.Categories), RecordedBy: cmd.By.ProfessionalID,
		RecordedAt: timestamppb.New(cmd.At),
	}}, nil
}
