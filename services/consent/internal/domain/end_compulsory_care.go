package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// EndCompulsoryCare ends an episode on its last day.
type EndCompulsoryCare struct {
	EpisodeID string
	EndedOn   civil.Date
	By        access.Actor
	At        time.Time
}

// DecideEndCompulsoryCare ends an ongoing episode no earlier than it began.
func DecideEndCompulsoryCare(s PatientState, cmd EndCompulsoryCare) ([]proto.Message, error) {
	e, ok := s.Episode(cmd.EpisodeID)
	if !ok {
		return nil, errs.NotFound("compulsory care episode")
	}
	if e.Ended() {
		return nil, errs.Precondition("episode %s already ended on %s", e.ID, e.EndedOn)
	}
	if cmd.EndedOn.Before(e.StartsOn) {
		return nil, errs.Invalid("ended_on", "must not be before the episode started ("+e.StartsOn.String()+")")
	}
	return []proto.Message{&consentv1.CompulsoryCareEnded{
		EpisodeId: e.ID, PatientId: s.PatientID, EndedOn: cmd.EndedOn.String(),
		RecordedBy: cmd.By.ProfessionalID, RecordedAt: timestamppb.New(cmd.At),
	}}, nil
}
