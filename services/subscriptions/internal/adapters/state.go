package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// Bucket names.
const (
	DeliveryBucket = "STAFETT_SUBSCRIPTION_DELIVERY"
	SecretsBucket  = "STAFETT_SUBSCRIPTION_SECRETS"
)

// Deliveries keeps each subscription's delivery state: status, the current
// run of failures, and how far delivery and the access log have got. It is
// operational state that changes with every notification, so it lives in
// a bucket beside the stream rather than in it.
type Deliveries struct {
	kv jetstream.KeyValue
}

// OpenDeliveries creates or opens the delivery-state bucket.
func OpenDeliveries(ctx context.Context, js jetstream.JetStream, replicas int) (*Deliveries, error) {
	kv, err := openBucket(ctx, js, DeliveryBucket, "Stafett subscriptions: delivery state per subscription", replicas)
	if err != nil {
		return nil, err
	}
	return &Deliveries{kv: kv}, nil
}

func openBucket(ctx context.Context, js jetstream.JetStream, name, description string, replicas int) (jetstream.KeyValue, error) {
	if replicas == 0 {
		replicas = 1
	}
	kv, err := eventstore.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: name, Description: description, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("subscriptions: bucket %s: %w", name, err)
	}
	return kv, nil
}

// Get is a subscription's delivery state; one never delivered to is requested.
func (d *Deliveries) Get(ctx context.Context, id string) (domain.Delivery, error) {
	st, _, err := d.get(ctx, id)
	return st, err
}

func (d *Deliveries) get(ctx context.Context, id string) (domain.Delivery, uint64, error) {
	e, err := d.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return domain.NewDelivery(), 0, nil
	}
	if err != nil {
		return domain.Delivery{}, 0, fmt.Errorf("subscriptions: delivery state of %s: %w", id, err)
	}
	var st domain.Delivery
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return domain.Delivery{}, 0, fmt.Errorf("subscriptions: delivery state of %s: %w", id, err)
	}
	return st, e.Revision(), nil
}

// Update changes a subscription's delivery state with f, retrying when
// another writer changed it in between.
func (d *Deliveries) Update(ctx context.Context, id string, f func(domain.Delivery) domain.Delivery) (domain.Delivery, error) {
	for {
		st, rev, err := d.get(ctx, id)
		if err != nil {
			return domain.Delivery{}, err
		}
		next := f(st)
		data, err := json.Marshal(next)
		if err != nil {
			return domain.Delivery{}, fmt.Errorf("subscriptions: delivery state: %w", err)
		}
		if rev == 0 {
			_, err = d.kv.Create(ctx, id, data)
		} else {
			_, err = d.kv.Update(ctx, id, data, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
			continue
		}
		if err != nil {
			return domain.Delivery{}, fmt.Errorf("subscriptions: delivery state of %s: %w", id, err)
		}
		return next, nil
	}
}

// Watch sends a subscription's delivery state each time it changes (and
// once at the start) until ctx ends.
func (d *Deliveries) Watch(ctx context.Context, id string) (<-chan domain.Delivery, error) {
	w, err := d.kv.Watch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: watch delivery state of %s: %w", id, err)
	}
	out := make(chan domain.Delivery, 16)
	go func() {
		defer close(out)
		defer func() { _ = w.Stop() }()
		for {
			var e jetstream.KeyValueEntry
			var open bool
			select {
			case <-ctx.Done():
				return
			case e, open = <-w.Updates():
				if !open {
					return
				}
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var st domain.Delivery
			if json.Unmarshal(e.Value(), &st) != nil {
				continue
			}
			select {
			case out <- st:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Delete forgets a deleted subscription's state.
func (d *Deliveries) Delete(ctx context.Context, id string) error {
	if err := d.kv.Purge(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("subscriptions: delete delivery state of %s: %w", id, err)
	}
	return nil
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Secrets keeps the header values of rest-hooks (a receiver's credentials)
// out of the event stream, in a bucket whose entries deleting a
// subscription purges for good.
type Secrets struct {
	kv jetstream.KeyValue
}

// OpenSecrets creates or opens the secrets bucket.
func OpenSecrets(ctx context.Context, js jetstream.JetStream, replicas int) (*Secrets, error) {
	kv, err := openBucket(ctx, js, SecretsBucket, "Stafett subscriptions: rest-hook header values", replicas)
	if err != nil {
		return nil, err
	}
	return &Secrets{kv: kv}, nil
}

// Put stores a subscription's headers.
func (s *Secrets) Put(ctx context.Context, id string, headers map[string]string) error {
	data, err := json.Marshal(headers)
	if err != nil {
		return fmt.Errorf("subscriptions: headers: %w", err)
	}
	if _, err := s.kv.Put(ctx, id, data); err != nil {
		return fmt.Errorf("subscriptions: store headers: %w", err)
	}
	return nil
}

// Get reads a subscription's headers; none is an empty map.
func (s *Secrets) Get(ctx context.Context, id string) (map[string]string, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("subscriptions: read headers: %w", err)
	}
	h := map[string]string{}
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return nil, fmt.Errorf("subscriptions: read headers: %w", err)
	}
	return h, nil
}

// Delete purges a subscription's headers, history and all.
func (s *Secrets) Delete(ctx context.Context, id string) error {
	if err := s.kv.Purge(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("subscriptions: delete headers: %w", err)
	}
	return nil
}
