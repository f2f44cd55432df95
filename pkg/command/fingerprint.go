package command

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
)

// Fingerprint digests a command: its name and every exported field of the
// command value, whatever their types. Two requests with one request id and
// the same fingerprint are the same request sent again; different
// fingerprints mean the id was reused for something else.
//
// The encoding is canonical (maps by sorted key, instants as UTC nanoseconds,
// protobuf messages deterministically marshalled), so it is stable across
// processes and restarts, which a stored fingerprint must be.
func Fingerprint(name string, cmd any) string {
	h := sha256.New()
	writeString(h, name)
	writeValue(h, reflect.ValueOf(cmd))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	messageType = reflect.TypeFor[proto.Message]()
)

func writeString(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func writeUint(h hash.Hash, u uint64) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], u)
	h.Write(n[:])
}

func writeValue(h hash.Hash, v reflect.Value) {
	if !v.IsValid() {
		h.Write([]byte{0})
		return
	}
	t := v.Type()
	switch {
	case t == timeType:
		writeUint(h, uint64(v.Interface().(time.Time).UnixNano()))
		return
	case t.Implements(messageType):
		if v.Kind() == reflect.Pointer && v.IsNil() {
			h.Write([]byte{0})
			return
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(v.Interface().(proto.Message))
		if err != nil {
			// A message that cannot be marshalled cannot have been sent
			// over the wire either; fold its error text in so it still
			// digests deterministically.
			writeString(h, err.Error())
			return
		}
		writeString(h, string(b))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			h.Write([]byte{0})
			return
		}
		h.Write([]byte{1})
		writeValue(h, v.Elem())
	case reflect.Struct:
		if s, ok := v.Interface().(fmt.Stringer); ok && !hasExportedField(t) {
			// A value type that hides its fields (a decimal, an id) is
			// what its canonical text says it is.
			writeString(h, s.String())
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("fingerprint") == "-" {
				continue
			}
			writeString(h, f.Name)
			writeValue(h, v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		writeUint(h, uint64(v.Len()))
		for i := range v.Len() {
			writeValue(h, v.Index(i))
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return compareString(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		writeUint(h, uint64(len(keys)))
		for _, k := range keys {
			writeValue(h, k)
			writeValue(h, v.MapIndex(k))
		}
	case reflect.String:
		writeString(h, v.String())
	case reflect.Bool:
		if v.Bool() {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		writeUint(h, uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		writeUint(h, v.Uint())
	case reflect.Float32, reflect.Float64:
		writeString(h, fmt.Sprint(v.Float()))
	default:
		// Funcs and channels have no value to compare; commands carry data.
		writeString(h, t.String())
	}
}

func hasExportedField(t reflect.Type) bool {
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

func compareString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
