package domain

import "google.golang.org/protobuf/proto"

// evolveContinuityFacts folds the continuity context's events: health
// personnel with an active care relationship are the patient's care team.
// The continuity service's events arrive with it.
func evolveContinuityFacts(s PatientState, _ proto.Message) PatientState { return s }
