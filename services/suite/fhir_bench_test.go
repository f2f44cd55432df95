package suite_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// BenchmarkFHIRCreateAgainstGRPCReceive measures, in the same run on the
// same suite, a referral received as a FHIR conditional create of a
// ServiceRequest (HTTP/1.1 keep-alive, JSON parsed and validated by the
// FHIR library, mapped, answered with the rendered ServiceRequest once the
// task view holds it) against ReceiveReferral over gRPC. Both sides run
// with the same concurrency, each call a different patient and identifier.
// The ratio is what counts; absolute numbers depend on the machine.
func BenchmarkFHIRCreateAgainstGRPCReceive(b *testing.B) {
	b.Run("referral_process", func(b *testing.B) { benchFHIRCreate(b, "referral") })
	b.Run("dev_suite", func(b *testing.B) { benchFHIRCreate(b) })
}

var fhirBenchRun atomic.Int64

func benchFHIRCreate(b *testing.B, services ...string) {
	env := suitetest.StartConfigured(b, func(o *suite.Options) {
		o.HTTPAddr = "127.0.0.1:0"
		if len(services) > 0 {
			o.Services = services
		}
	})
	run := fhirBenchRun.Add(1)
	patients := syntheticNationalIDs(2 * b.N)
	ctx := env.As(b.Context(), integration(senderOrg))
	c := client(env)
	grpcSide := measure(b.N, func(i int) error {
		req := receiveRequest(fmt.Sprintf("bench-grpc-%d-%d", run, i))
		req.PatientNationalId = patients[i]
		_, err := c.ReceiveReferral(ctx, req)
		return err
	})

	bodies := make([][]byte, b.N)
	for i := range bodies {
		sr := norwegianServiceRequest(fmt.Sprintf("bench-fhir-%d-%d", run, i), patients[b.N+i], "")
		body, err := json.Marshal(sr)
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
	}
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConcurrency}}
	defer httpClient.CloseIdleConnections()
	url := env.FHIRBase() + "/ServiceRequest"
	token := "Bearer " + env.Token(integration(senderOrg))
	fhirSide := measure(b.N, func(i int) error {
		req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, url, bytes.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Authorization", token)
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("create %d: %d", i, resp.StatusCode)
		}
		return err
	})
	if grpcSide.err != nil || fhirSide.err != nil {
		b.Fatal(grpcSide.err, fhirSide.err)
	}
	b.ReportMetric(grpcSide.opsPerSec(), "grpc_ops/s")
	b.ReportMetric(fhirSide.opsPerSec(), "fhir_ops/s")
	b.ReportMetric(fhirSide.opsPerSec()/grpcSide.opsPerSec(), "ratio")
	b.ReportMetric(float64(grpcSide.percentile(50).Microseconds()), "grpc_p50_µs")
	b.ReportMetric(float64(grpcSide.percentile(99).Microseconds()), "grpc_p99_µs")
	b.ReportMetric(float64(fhirSide.percentile(50).Microseconds()), "fhir_p50_µs")
	b.ReportMetric(float64(fhirSide.percentile(99).Microseconds()), "fhir_p99_µs")
}
