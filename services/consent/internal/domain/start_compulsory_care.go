package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// StartCompulsoryCare records a decision on compulsory observation (Mental
// Health Care Act §3-2) or compulsory care (§3-3).
type StartCompulsoryCare struct {
	EpisodeID     string
	RequestID     string
	PatientID     string
	Kind          consentv1.CompulsoryCareKind
	DecisionMaker string
	StartsOn      civil.Date
	By            Actor
	At            time.Time
}

// DecideStartCompulsoryCare allows one ongoing episode at a time: moving from
// observation to compulsory care is a new decision, so the observation is
// ended first and the legal basis at any date is never ambiguous. The
// decision maker must be health personnel (the responsible professional).
func DecideStartCompulsoryCare(s PatientState, cmd StartCompulsoryCare) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Check(cmd.Kind != consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_UNSPECIFIED &&
		consentv1.CompulsoryCareKind_name[int32(cmd.Kind)] != "", "kind", "is required")
	if p, ok := checkProfessionalID(&v, cmd.DecisionMaker, "decision_maker"); ok && !p.IsHealthPersonnel() {
		v.Add("decision_maker", "must be health personnel (hpr:)")
	}
	v.Check(cmd.StartsOn.Valid(), "starts_on", "must be a date YYYY-MM-DD")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if slices.ContainsFunc(s.CompulsoryCare, func(e CompulsoryCareEpisode) bool { return !e.Ended() }) {
		return nil, errs.Precondition("a compulsory care episode is ongoing; end it first")
	}
	if _, ok := s.Episode(cmd.EpisodeID); ok {
		return nil, errs.Precondition("episode %s already exists", cmd.EpisodeID)
	}
	return []proto.Message{&consentv1.CompulsoryCareStarted{
		EpisodeId: cmd.EpisodeID, PatientId: cmd.PatientID, Kind: cmd.Kind, DecisionMaker: cmd.DecisionMaker,
		StartsOn: cmd.StartsOn.String(), RecordedBy: cmd.By.ProfessionalID,
		RecordedAt: timestamppb.New(cmd.At), RequestId: cmd.RequestID,
	}}, nil
}
