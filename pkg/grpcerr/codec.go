package grpcerr

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// ServerCodec returns the server option that makes a request whose bytes do
// not decode (invalid UTF-8 in a string, a truncated message, nesting beyond
// protobuf's recursion limit) an INVALID_ARGUMENT with a generic message.
// It needs this package's interceptors, which give that answer.
//
// grpc-go turns a codec error into INTERNAL carrying its own text, and writes
// that status itself before any interceptor or handler could change it; a
// codec returning a status of its own is overruled the same way. So this
// codec never fails on a request: it empties the message, marks it, and
// the interceptors, which see the message next, refuse it.
func ServerCodec() grpc.ServerOption {
	return grpc.ForceServerCodecV2(markingCodec{encoding.GetCodecV2(grpcproto.Name)})
}

// errMalformed is what the caller is told: what protobuf's decoder objected
// to is of no use to a client whose encoder is broken, and may name fields.
func errMalformed() error {
	return status.Error(codes.InvalidArgument, "request is not a well-formed protobuf message")
}

// markingCodec is the proto codec, except that a request that fails to
// decode becomes an empty message carrying the malformed mark.
type markingCodec struct {
	encoding.CodecV2
}

func (c markingCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if err == nil || !ok {
		return err
	}
	proto.Reset(m)
	m.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, malformedField, protowire.BytesType), []byte(malformedValue)))
	return nil
}

// The mark is one unknown field with the largest valid field number. A
// client can only send it on purpose, and then gets INVALID_ARGUMENT for its
// own request.
const (
	malformedField = protowire.MaxValidNumber
	malformedValue = "stafett: malformed request"
)

// malformed reports whether msg is the mark markingCodec left.
func malformed(msg any) bool {
	m, ok := msg.(proto.Message)
	if !ok {
		return false
	}
	b := m.ProtoReflect().GetUnknown()
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != malformedField || typ != protowire.BytesType {
		return false
	}
	v, vn := protowire.ConsumeBytes(b[n:])
	return vn == len(b)-n && string(v) == malformedValue
}

// markedStream refuses a streamed message that did not decode, as the
// unary interceptor refuses a request.
type markedStream struct {
	grpc.ServerStream
}

func (s markedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if malformed(m) {
		return errMalformed()
	}
	return nil
}
