//go:build unix

package eventcache

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockWriting marks f as being written by this process: an exclusive advisory lock,
// which the system releases when the process ends, however it ends.
func lockWriting(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }

// abandoned reports whether no live process is writing the file at path (its writer
// died before Finish or Abort: killed, or the machine stopped).
func abandoned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}
