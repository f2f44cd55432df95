package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSecondDevOnOneDataDirFailsAtOnceNamingTheDirAndThePID(t *testing.T) {
	dataDir := t.TempDir()
	first := mustStartDev(t, dataDir)
	r := referralsIn(t, dataDir)
	ref := r.receive(first.grpcAddr, "r1")

	second := startDev(t, dataDir)
	if !second.exited {
		t.Fatal("a second stafett dev started on a data dir in use")
	}
	msg := second.stderr.String()
	if !strings.Contains(msg, dataDir) || !strings.Contains(msg, "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("the refusal does not name the dir and the PID holding it: %s", msg)
	}

	// Nothing is lost, neither while the first runs nor after it restarts.
	r.mustFind(first.grpcAddr, ref)
	first.stop()
	third := mustStartDev(t, dataDir)
	r.mustFind(third.grpcAddr, ref)
	if again := r.receive(third.grpcAddr, "r1"); again.GetReferralId() != ref.GetReferralId() {
		t.Fatal("re-sending a request id after the restart created a new referral")
	}
}

func TestDevOnAPortInUseLeavesTheDataDirUntouched(t *testing.T) {
	dataDir := t.TempDir()
	first := mustStartDev(t, dataDir)
	r := referralsIn(t, dataDir)
	ref := r.receive(first.grpcAddr, "r1")
	first.stop()
	before := snapshot(t, dataDir)

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	fresh := filepath.Join(t.TempDir(), "fresh")
	for _, dir := range []string{dataDir, fresh} {
		clash := startDev(t, dir, "--grpc-addr", taken.Addr().String())
		if !clash.exited {
			t.Fatal("stafett dev started on a port in use")
		}
		if msg := clash.stderr.String(); !strings.Contains(msg, taken.Addr().String()) || !strings.Contains(msg, "--grpc-addr") {
			t.Fatalf("the bind error does not say how to choose another address: %s", msg)
		}
	}
	if after := snapshot(t, dataDir); !maps.Equal(before, after) {
		t.Fatalf("a failed start changed the data dir:\nbefore %v\nafter  %v", before, after)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed start created its data dir: %v", err)
	}

	again := mustStartDev(t, dataDir)
	r.mustFind(again.grpcAddr, ref)
}

// snapshot is every file under dir with its mode and content hash.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		entry := info.Mode().String()
		if d.Type().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			entry += " " + hex.EncodeToString(sum[:])
		}
		files[strings.TrimPrefix(path, dir)] = entry
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
