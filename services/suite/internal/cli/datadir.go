package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

const lockFile = "lock"

// DataDirInUseError means another process holds a data dir's lock: two
// embedded NATS servers on one store would each overwrite the other's files.
type DataDirInUseError struct {
	Dir string
	// PID of the holder, 0 if it has not written it yet.
	PID int
}

func (e *DataDirInUseError) Error() string {
	holder := "another process"
	if e.PID != 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("data dir %s is in use by %s; stop it, or choose another dir with --data-dir", e.Dir, holder)
}

// lockDataDir takes the data dir's lock for this process, or fails at once if
// another one holds it. The lock file names the holder's PID; the lock itself
// is the kernel's (flock), so it goes away with the process, however it ends.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFile)
	lock := flock.New(path)
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock data dir %s: %w", dir, err)
	}
	if !locked {
		return nil, &DataDirInUseError{Dir: dir, PID: lockHolder(path)}
	}
	// Written through a second descriptor: the lock belongs to the first.
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("lock data dir %s: %w", dir, err)
	}
	return func() { _ = lock.Unlock() }, nil
}

func lockHolder(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}
