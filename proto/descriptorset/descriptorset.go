// Package descriptorset embeds every .proto file of the suite with its
// imports and its comments (source info), as `make generate` builds it with
// `buf build --as-file-descriptor-set`. The descriptors compiled into the
// generated Go code carry no comments; reflection serves these instead, so
// that `grpcurl describe` and `buf curl` show what each RPC does.
package descriptorset

import (
	_ "embed"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

//go:embed stafett.binpb
var encoded []byte

// Set is the embedded descriptor set, decoded afresh on every call.
func Set() (*descriptorpb.FileDescriptorSet, error) {
	set := &descriptorpb.FileDescriptorSet{}
	if err := proto.Unmarshal(encoded, set); err != nil {
		return nil, fmt.Errorf("descriptorset: %w", err)
	}
	return set, nil
}

// Files is the embedded set as a registry of file descriptors.
func Files() (*protoregistry.Files, error) {
	set, err := Set()
	if err != nil {
		return nil, err
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, fmt.Errorf("descriptorset: %w", err)
	}
	return files, nil
}
