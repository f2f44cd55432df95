package archtest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/archtest"
)

func TestEveryServiceKeepsItsLayers(t *testing.T) {
	vs, err := archtest.Check(filepath.Join("..", "..", "services"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

// fixture writes files (path under the temp dir → source) and returns the
// services dir among them.
func fixture(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, src := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "services")
}

func TestCheckerReportsEveryPlantedViolationAndNothingElse(t *testing.T) {
	const mod = "github.com/stafett/stafett/services/demo/internal/"
	dir := fixture(t, map[string]string{
		"services/demo/internal/domain/impure.go": `package domain

import (
	"database/sql"
	"os"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/eventstore"
	"` + mod + `app"
	"` + mod + `ports/grpcport"
)
`,
		"services/demo/internal/domain/clock.go": `package domain

import clk "time"

func due() clk.Time { return clk.Now().Add(clk.Hour) }

func age(t clk.Time) clk.Duration {
	since := clk.Since
	return since(t)
}
`,
		"services/demo/internal/domain/rules/pure.go": `package rules

import (
	"errors"
	"net/url"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Now is a field, not the clock.
type Decision struct{ Now time.Time }

func Decide(now time.Time, d Decision) time.Time { return d.Now.Add(time.Hour) }
`,
		"services/demo/internal/domain/impure_test.go": `package domain

import (
	"testing"
	"time"

	"google.golang.org/grpc"
)

func TestX(t *testing.T) { _ = time.Now() }
`,
		"services/demo/internal/app/transport.go": `package app

import (
	"net/http"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"

	"github.com/stafett/stafett/pkg/eventstore"
	"` + mod + `domain"
	"` + mod + `ports"
	"` + mod + `adapters"
)
`,
		"services/demo/internal/ports/maps.go": `package ports

import (
	"time"

	"google.golang.org/grpc"

	"` + mod + `app"
	"` + mod + `domain"
)

func now() time.Time { return time.Now() }
`,
		"services/demo/internal/ports/stores.go": `package ports

import (
	"github.com/stafett/stafett/pkg/eventstore"
	"` + mod + `adapters"
)
`,
		"services/demo/demo.go": `package demo

import "google.golang.org/grpc"
`,
	})
	vs, err := archtest.Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(vs))
	for i, v := range vs {
		got[i] = v.String()
	}
	want := []string{
		"services/demo/internal/app/transport.go:4: app imports net/http: HTTP is transport",
		"services/demo/internal/app/transport.go:6: app imports connectrpc.com/connect: Connect is transport",
		"services/demo/internal/app/transport.go:8: app imports google.golang.org/grpc/codes: gRPC is transport",
		"services/demo/internal/app/transport.go:12: app imports " + mod + "ports: the app layer may not know the ports layer",
		"services/demo/internal/app/transport.go:13: app imports " + mod + "adapters: the app layer may not know the adapters layer",
		"services/demo/internal/domain/clock.go:5: domain uses time.Now: the clock is injected",
		"services/demo/internal/domain/clock.go:8: domain uses time.Since: the clock is injected",
		"services/demo/internal/domain/impure.go:4: domain imports database/sql: SQL is storage",
		"services/demo/internal/domain/impure.go:5: domain imports os: the file system, processes and environment are I/O",
		"services/demo/internal/domain/impure.go:7: domain imports github.com/nats-io/nats.go: NATS is messaging and storage",
		"services/demo/internal/domain/impure.go:8: domain imports go.opentelemetry.io/otel/trace: telemetry is I/O",
		"services/demo/internal/domain/impure.go:9: domain imports google.golang.org/grpc/status: gRPC is transport",
		"services/demo/internal/domain/impure.go:11: domain imports github.com/stafett/stafett/pkg/audit: the audit log is storage",
		"services/demo/internal/domain/impure.go:12: domain imports github.com/stafett/stafett/pkg/eventstore: the event store is storage",
		"services/demo/internal/domain/impure.go:13: domain imports " + mod + "app: the domain layer may not know the app layer",
		"services/demo/internal/domain/impure.go:14: domain imports " + mod + "ports/grpcport: the domain layer may not know the ports layer",
		"services/demo/internal/ports/stores.go:4: ports imports github.com/stafett/stafett/pkg/eventstore: the event store is storage",
		"services/demo/internal/ports/stores.go:5: ports imports " + mod + "adapters: the ports layer may not know the adapters layer",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("unexpected: %s", g)
		}
	}
}

func TestCheckerRefusesATreeWithoutServiceLayers(t *testing.T) {
	dir := fixture(t, map[string]string{"services/demo/demo.go": "package demo\n"})
	if _, err := archtest.Check(dir); err == nil || !strings.Contains(err.Error(), "no services") {
		t.Fatalf("err = %v, want one saying nothing was checked", err)
	}
}
