package suite

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/stafett/stafett/proto/descriptorset"
)

// registerReflection serves reflection (v1, and v1alpha for older clients)
// from the embedded descriptor set, which keeps the .proto comments the
// generated code leaves out, so `grpcurl describe` shows each RPC's
// documentation. Services outside the set (health, reflection itself) come
// from the generated code.
func registerReflection(s *grpc.Server) error {
	files, err := descriptorset.Files()
	if err != nil {
		return err
	}
	opts := reflection.ServerOptions{
		Services:           s,
		DescriptorResolver: documented{files: files, fallback: protoregistry.GlobalFiles},
	}
	reflectionv1.RegisterServerReflectionServer(s, reflection.NewServerV1(opts))
	reflectionv1alpha.RegisterServerReflectionServer(s, reflection.NewServer(opts))
	return nil
}

// documented resolves from the descriptor set first.
type documented struct {
	files    *protoregistry.Files
	fallback protodesc.Resolver
}

func (d documented) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if fd, err := d.files.FindFileByPath(path); err == nil {
		return fd, nil
	}
	return d.fallback.FindFileByPath(path)
}

func (d documented) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if desc, err := d.files.FindDescriptorByName(name); err == nil {
		return desc, nil
	}
	return d.fallback.FindDescriptorByName(name)
}
