package suite

import (
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve even on images without a zone database.

	"github.com/stafett/stafett/pkg/civil"
)

func civilZone() (*time.Location, error) { return civil.LoadOslo() }
