package eventstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

// operatorStream is STAFETT_EVENTS as an operator might have created it
// before the suite first started, with change applied.
func operatorStream(change func(*jetstream.StreamConfig)) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name: eventstore.StreamName, Subjects: []string{eventstore.AllFilter}, Storage: jetstream.FileStorage,
		Replicas: 1, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardNew, Duplicates: 2 * time.Minute,
		DenyDelete: true, DenyPurge: true, AllowDirect: true,
	}
	change(&cfg)
	return cfg
}

func TestOpenKeepsAnOperatorsReplicasPlacementAndLimitsAndReportsThem(t *testing.T) {
	cluster := natstest.NewCluster(t, 3)
	js, err := jetstream.New(cluster.Connect())
	if err != nil {
		t.Fatal(err)
	}
	want := operatorStream(func(c *jetstream.StreamConfig) {
		c.Replicas = 3
		c.Placement = &jetstream.Placement{Cluster: "stafett-test"}
		c.MaxBytes = 1 << 30
		c.DenyPurge = false
		c.Description = "ours: R3, placed, capped, purgeable"
	})
	if _, err := js.CreateStream(t.Context(), want); err != nil {
		t.Fatal(err)
	}

	// The suite starts as dev would, asking for one replica.
	store, err := eventstore.Open(t.Context(), js, eventstore.Config{Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(t.Context(), eventstore.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	got := stream.CachedInfo().Config
	if got.Replicas != 3 || got.Placement == nil || got.Placement.Cluster != "stafett-test" || got.MaxBytes != 1<<30 || got.DenyPurge || got.Description != want.Description {
		t.Errorf("Open rewrote the operator's stream: replicas %d placement %+v max_bytes %d deny_purge %v description %q",
			got.Replicas, got.Placement, got.MaxBytes, got.DenyPurge, got.Description)
	}
	reported := map[string]eventstore.Drift{}
	for _, d := range store.StreamDrift() {
		reported[d.Setting] = d
		if d.Breaks {
			t.Errorf("%v reported as unsafe", d)
		}
	}
	for _, setting := range []string{"replicas", "limits", "deny_purge"} {
		if _, ok := reported[setting]; !ok {
			t.Errorf("difference in %s not reported; reported %v", setting, store.StreamDrift())
		}
	}
	if d := reported["replicas"]; d.Have != "3" || d.Want != "1" {
		t.Errorf("replicas drift %+v, want have 3 want 1", d)
	}
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: commit(t, "t1", 1, "x")}); err != nil {
		t.Fatalf("append to the operator's stream: %v", err)
	}
}

func TestOpenRefusesAnExistingStreamThatWouldLoseOrDuplicateEventsAndLeavesItAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(*jetstream.StreamConfig)
		setting string
	}{
		{"events age out", func(c *jetstream.StreamConfig) { c.MaxAge = 24 * time.Hour }, "max_age"},
		{"the oldest events make room", func(c *jetstream.StreamConfig) { c.Discard, c.MaxMsgs = jetstream.DiscardOld, 1000 }, "discard"},
		{"consumed events are deleted", func(c *jetstream.StreamConfig) { c.Retention = jetstream.InterestPolicy }, "retention"},
		{"some contexts find no stream", func(c *jetstream.StreamConfig) { c.Subjects = []string{"stafett.events.referral.>"} }, "subjects"},
		{"a retry after the append timeout is stored twice", func(c *jetstream.StreamConfig) { c.Duplicates = time.Second }, "duplicate_window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, nc := natstest.Conn(t)
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			have := operatorStream(tc.change)
			if _, err := js.CreateStream(t.Context(), have); err != nil {
				t.Fatal(err)
			}
			_, err = eventstore.Open(t.Context(), js, eventstore.Config{})
			if !errors.Is(err, eventstore.ErrStreamUnsafe) || !strings.Contains(err.Error(), tc.setting) {
				t.Fatalf("Open = %v, want ErrStreamUnsafe naming %s", err, tc.setting)
			}
			stream, err := js.Stream(t.Context(), eventstore.StreamName)
			if err != nil {
				t.Fatal(err)
			}
			got := stream.CachedInfo().Config
			if got.MaxAge != have.MaxAge || got.Discard != have.Discard || got.Retention != have.Retention || got.Duplicates != have.Duplicates || strings.Join(got.Subjects, ",") != strings.Join(have.Subjects, ",") {
				t.Errorf("Open changed the refused stream: %+v", got)
			}
		})
	}
}

func TestOpenCreatesAMissingStreamAndReportsNothing(t *testing.T) {
	t.Parallel()
	store, _ := eventstoretest.Open(t)
	if d := store.StreamDrift(); len(d) != 0 {
		t.Errorf("a stream Open created itself reports drift %v", d)
	}
}
