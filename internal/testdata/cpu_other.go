//go:build !linux

package testdata

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
