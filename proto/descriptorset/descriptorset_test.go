package descriptorset_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/stafett/stafett/proto/descriptorset"
	_ "github.com/stafett/stafett/proto/stafett/consent/v1"
	_ "github.com/stafett/stafett/proto/stafett/continuity/v1"
	_ "github.com/stafett/stafett/proto/stafett/events/v1"
	_ "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	_ "github.com/stafett/stafett/proto/stafett/pathway/v1"
	_ "github.com/stafett/stafett/proto/stafett/referral/v1"
	_ "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// The embedded set must describe exactly what the generated code compiles
// in, or reflection would show methods the server does not have.
func TestTheEmbeddedSetDescribesTheGeneratedCodeExactly(t *testing.T) {
	set, err := descriptorset.Set()
	if err != nil {
		t.Fatal(err)
	}
	inSet := map[string]bool{}
	for _, file := range set.GetFile() {
		inSet[file.GetName()] = true
		if file.GetPackage() == "google.api" || file.GetPackage() == "google.protobuf" {
			continue // not generated here
		}
		compiled, err := protoregistry.GlobalFiles.FindFileByPath(file.GetName())
		if err != nil {
			t.Errorf("%s is in the set but not in the generated code: run make generate", file.GetName())
			continue
		}
		want := protodesc.ToFileDescriptorProto(compiled)
		got := proto.CloneOf(file)
		got.SourceCodeInfo = nil
		// Managed mode (buf generate) sets the file options; buf build does not.
		got.Options, want.Options = nil, nil
		if !proto.Equal(got, want) {
			t.Errorf("%s differs from the generated code: run make generate", file.GetName())
		}
	}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if name := fd.Path(); strings.HasPrefix(name, "stafett/") && !inSet[name] {
			t.Errorf("%s is generated but missing from the set: run make generate", name)
		}
		return true
	})
}

// Reflection shows these comments; every RPC is documented in its .proto.
func TestEveryRPCInTheSetCarriesItsComment(t *testing.T) {
	files, err := descriptorset.Files()
	if err != nil {
		t.Fatal(err)
	}
	services := 0
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "stafett.") {
			return true
		}
		for i := range fd.Services().Len() {
			svc := fd.Services().Get(i)
			services++
			for j := range svc.Methods().Len() {
				m := svc.Methods().Get(j)
				if fd.SourceLocations().ByDescriptor(m).LeadingComments == "" {
					t.Errorf("%s has no comment in the set", m.FullName())
				}
			}
		}
		return true
	})
	if services < 5 {
		t.Fatalf("found %d services in the set, want every one of the suite's five", services)
	}
}
