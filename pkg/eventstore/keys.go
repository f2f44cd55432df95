package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// KeysBucket holds the idempotency keys of creations: which aggregate a
// caller's request id (or external id) created, and a digest of the request.
const KeysBucket = "STAFETT_KEYS"

// Keys claims idempotency keys in JetStream itself. A claim is a KV create,
// which JetStream accepts only while the key has no value (expected sequence
// 0), so two racing creations with one key can never both win — across
// processes too, and without any in-memory index to rebuild at start.
type Keys struct {
	kv    jetstream.KeyValue
	limit writeLimit
}

// Claim is what a key stands for.
type Claim struct {
	AggregateID string `json:"aggregate_id"`
	Fingerprint string `json:"fingerprint"`
}

// openKeys creates the keys bucket if needed. Keys are kept forever, like
// the commits they point at: integration engines retry for days.
func openKeys(ctx context.Context, js jetstream.JetStream, replicas int, limit writeLimit) (*Keys, error) {
	kv, err := EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      KeysBucket,
		Description: "Stafett idempotency keys of creations",
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		History:     1,
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore: create key bucket: %w", err)
	}
	return &Keys{kv: kv, limit: limit}, nil
}

// KeyName turns a caller-scoped key into a bucket key. It is a digest, so
// neither request ids nor external ids are stored in the clear.
func KeyName(scope, kind, value string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + kind + "\x00" + value))
	return kind + "." + hex.EncodeToString(sum[:])
}

// Claim records c under key unless the key is taken. It returns the claim
// that holds the key: c itself when this call won (won is true), else the
// earlier one. Like an append, it waits at most the store's AppendTimeout,
// then answers ErrNotAcknowledged as errs.ErrUnavailable.
func (k *Keys) Claim(ctx context.Context, key string, c Claim) (held Claim, won bool, err error) {
	data, err := json.Marshal(c)
	if err != nil {
		return Claim{}, false, err
	}
	bounded, cancel := k.limit.start(ctx)
	defer cancel()
	if _, err := k.kv.Create(bounded, key, data); err == nil {
		return c, true, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		if err := k.limit.unavailable(ctx, bounded, "idempotency keys", key, err); err != nil {
			return Claim{}, false, err
		}
		return Claim{}, false, fmt.Errorf("eventstore: claim key: %w", err)
	}
	held, found, err := k.Lookup(ctx, key)
	if err != nil {
		return Claim{}, false, err
	}
	if !found {
		// Released between our create and our read: claim again.
		return k.Claim(ctx, key, c)
	}
	return held, false, nil
}

// Lookup returns the claim on key, if any.
func (k *Keys) Lookup(ctx context.Context, key string) (Claim, bool, error) {
	bounded, cancel := k.limit.start(ctx)
	defer cancel()
	e, err := k.kv.Get(bounded, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Claim{}, false, nil
	}
	if err != nil {
		if err := k.limit.unavailable(ctx, bounded, "idempotency keys", key, err); err != nil {
			return Claim{}, false, err
		}
		return Claim{}, false, fmt.Errorf("eventstore: look up key: %w", err)
	}
	var c Claim
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return Claim{}, false, fmt.Errorf("eventstore: key %s: %w", key, err)
	}
	return c, true, nil
}

// Release gives up a claim this process made but could not use (a second
// key of the same creation was held by another aggregate).
func (k *Keys) Release(ctx context.Context, key string) error {
	bounded, cancel := k.limit.start(ctx)
	defer cancel()
	if err := k.kv.Purge(bounded, key); err != nil {
		if err := k.limit.unavailable(ctx, bounded, "idempotency keys", key, err); err != nil {
			return err
		}
		return fmt.Errorf("eventstore: release key: %w", err)
	}
	return nil
}
