// Package paging holds the page-size rules every listing shares and the
// opaque page token for listings ordered by (time, id).
package paging

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	// DefaultSize is the page size when the request names none.
	DefaultSize = 50
	// MaxSize caps a page whatever the request asks for.
	MaxSize = 500
)

// Size is the page size to serve for a requested one: DefaultSize when
// unset (zero or less), never more than MaxSize.
func Size(requested int) int {
	if requested <= 0 {
		return DefaultSize
	}
	return min(requested, MaxSize)
}

// Cursor is the sort key of the last item on the previous page of a listing
// ordered by time, then id. The zero cursor is the start of the listing.
type Cursor struct {
	set bool
	at  time.Time
	id  string
}

// After is the cursor positioned on the item with this key.
func After(at time.Time, id string) Cursor { return Cursor{set: true, at: at, id: id} }

// Precedes reports whether the item with this key belongs after the cursor,
// that is on this page or a later one.
func (c Cursor) Precedes(at time.Time, id string) bool {
	if !c.set {
		return true
	}
	if n := c.at.Compare(at); n != 0 {
		return n < 0
	}
	return c.id < id
}

// Encode is the cursor as a page token; tokens are opaque to clients.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at.UnixNano(), 10) + ":" + c.id))
}

// Decode reads a page token Encode wrote; the empty token is the zero cursor.
func Decode(token string) (Cursor, error) {
	if token == "" {
		return Cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, fmt.Errorf("page token: %w", err)
	}
	nanos, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return Cursor{}, errors.New("page token: malformed")
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("page token: %w", err)
	}
	return After(time.Unix(0, n), id), nil
}

// Violations collects a request's field violations; pkg/errs.Validation is one.
type Violations interface {
	Add(field, description string)
}

// Parse reads a listing request's page size and token, recording bad ones on
// v under the request's field names, and returns the cursor to start after
// and the page size to serve.
func Parse(v Violations, pageSize int, pageToken string) (Cursor, int) {
	if pageSize < 0 {
		v.Add("page_size", "must not be negative")
	}
	after, err := Decode(pageToken)
	if err != nil {
		v.Add("page_token", "is not a token this service issued")
	}
	return after, Size(pageSize)
}

// seqPrefix marks a page token of a listing ordered by stream sequence, so
// it is never mistaken for a cursor token.
const seqPrefix = "seq:"

// SeqToken is the page token after the item at stream sequence seq, for
// listings ordered by sequence (the access log).
func SeqToken(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(seqPrefix + strconv.FormatUint(seq, 10)))
}

// ParseSeq is Parse for listings ordered by stream sequence: it returns the
// sequence to start after (0: the start) and the page size to serve.
func ParseSeq(v Violations, pageSize int, pageToken string) (uint64, int) {
	if pageSize < 0 {
		v.Add("page_size", "must not be negative")
	}
	var after uint64
	if pageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(pageToken)
		n, ok := strings.CutPrefix(string(raw), seqPrefix)
		seq, perr := strconv.ParseUint(n, 10, 64)
		if err != nil || !ok || perr != nil || seq == 0 {
			v.Add("page_token", "is not a token this service issued")
		} else {
			after = seq
		}
	}
	return after, Size(pageSize)
}
