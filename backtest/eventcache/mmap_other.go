//go:build !unix

package eventcache

import (
	"errors"
	"os"
)

// mmap is not available here: Open reads the file instead.
func mmap(*os.File, int) ([]byte, error) { return nil, errors.New("eventcache: no mmap") }

func unmap([]byte) error { return nil }

func dontNeed([]byte) {}
