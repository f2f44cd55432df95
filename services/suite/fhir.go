package suite

import (
	"net/http"
	"runtime/debug"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/fhirr4"
)

// FHIRBase is where the FHIR R4 API is mounted on the HTTP site.
const FHIRBase = "/fhir/R4"

// fhirService is a service with a part in the FHIR API.
type fhirService interface {
	FHIR(codec *fhirr4.Codec, base string) fhirr4.Edge
}

// mountFHIR serves the FHIR API at FHIRBase on the HTTP site: the parts of
// the services that have one, and the resource types the options inject,
// behind one router and one CapabilityStatement. Without a service that
// takes part, nothing is mounted.
func (s *Suite) mountFHIR(opts Options, services []service, verifier authn.Verifier) error {
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		return err
	}
	cfg := fhirr4.Config{
		Base: FHIRBase, Codec: codec, Verifier: verifier, Software: "Stafett", Version: buildVersion(),
		Started: opts.Clock.Now(), Logger: opts.Logger.With("edge", "fhir"),
	}
	for _, svc := range services {
		if f, ok := svc.(fhirService); ok {
			part := f.FHIR(codec, FHIRBase)
			cfg.Resources = append(cfg.Resources, part.Resources...)
			if part.Transaction != nil {
				cfg.Transaction, cfg.TransactionScope = part.Transaction, part.TransactionScope
			}
		}
	}
	for _, extra := range opts.FHIRResources {
		cfg.Resources = append(cfg.Resources, extra(codec)...)
	}
	if len(cfg.Resources) == 0 {
		return nil
	}
	router, err := fhirr4.NewRouter(cfg)
	if err != nil {
		return err
	}
	var edge http.Handler = router
	if opts.Telemetry != nil {
		edge = opts.Telemetry.HTTPHandler("fhir", router)
	}
	s.site.mux.Handle(FHIRBase+"/", edge)
	s.site.mux.Handle(FHIRBase, edge)
	return nil
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
