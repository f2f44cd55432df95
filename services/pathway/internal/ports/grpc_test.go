package ports_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/idgen"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/ports"
)

// Every RPC needs a scope, and every RPC that writes is a command declared
// once on the pipeline: nothing writes around it.
func TestEveryWriteRPCIsACommandDeclaredOnThePipeline(t *testing.T) {
	a := app.New(app.Deps{Image: decider.NewImage(app.Model(), nil), Clock: clock.System{}, IDs: idgen.NewULIDs()})
	scopes := ports.Scopes()
	var writes []string
	for _, m := range pathwayv1.PathwayService_ServiceDesc.Methods {
		full := "/" + pathwayv1.PathwayService_ServiceDesc.ServiceName + "/" + m.MethodName
		scope, ok := scopes[full]
		if !ok {
			t.Errorf("%s has no scope", full)
		}
		if strings.HasSuffix(scope, ":write") {
			writes = append(writes, m.MethodName)
		}
	}
	slices.Sort(writes)
	if got := a.Commands(); !slices.Equal(got, writes) {
		t.Fatalf("declared commands %v, write RPCs %v", got, writes)
	}
}
