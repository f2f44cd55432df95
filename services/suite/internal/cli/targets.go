package cli

import (
	"fmt"
	"os"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/pathway"
)

// loadPathwayTargets reads a milestone target file; no file keeps the
// documented defaults.
func loadPathwayTargets(path string) (map[eventsv1.PathwayType]pathway.Targets, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pathway targets: %w", err)
	}
	defer f.Close()
	return pathway.LoadTargets(f)
}
