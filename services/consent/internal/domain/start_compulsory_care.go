package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// StartCompulsoryCare records a decision on compulsory observation (Mental
// Health Care Act §3-2) or compulsory care (§3-3).
type StartCompulsoryCare struct {
	EpisodeID     string
	Kind          consentv1.CompulsoryCareKind
	DecisionMaker string
	StartsOn      civil.Date
	By            access.Actor
	At            time.Time
}

// DecideStartCompulsoryCare allows one ongoing episode at a time: moving from
// observation to compulsory care is a new decision, so the observation is
// ended first and the legal basis at any date is never ambiguous. The
// decision maker must be health personnel (the responsible professional).
func DecideStartCompulsoryCare(s PatientState, cmd StartCompulsoryCare) ([]proto.Message, error) {
	if p, err := ids.ParseProfessionalID(cmd.DecisionMaker); err != nil || !p.IsHealthPersonnel() {
		return nil, errs.Invalid("decision_maker", "must be health personnel (hpr:)")
	}
	if slices.ContainsFunc(s.CompulsoryCare, func(e CompulsoryCareEpisode) bool { return !e.Ended() }) {
		return nil, errs.Precondition("a compulsory care episode is ongoing; end it first")
	}
	if _, ok := s.Episode(cmd.EpisodeID); ok {
		return nil, errs.Precondition("episode %s already exists", cmd.EpisodeID)
	}
	return []proto.Message{&consentv1.CompulsoryCareStarted{
		EpisodeId: cmd.EpisodeID, PatientId: s.PatientID, Kind: cmd.Kind, DecisionMaker: cmd.DecisionMaker,
		StartsOn: cmd.StartsOn.String(), RecordedBy: cmd.By.ProfessionalID,
		RecordedAt: timestamppb.New(cmd.At),
	}}, nil
}
