//go:build unix

package eventcache

import (
	"os"

	"golang.org/x/sys/unix"
)

// mmap maps the first size bytes of f read-only.
func mmap(f *os.File, size int) ([]byte, error) {
	return unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
}

func unmap(b []byte) error { return unix.Munmap(b) }

// dontNeed drops the pages of b, a page-aligned part of a read-only file mapping, from
// resident memory; touching them again reads them back from the file.
func dontNeed(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }
