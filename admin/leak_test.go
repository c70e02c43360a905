package admin

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// ownedFrames are stack frames of goroutines this package starts or causes: its own, the
// HTTP server's and the runtime flight recorder's.
var ownedFrames = []string{
	"nanotick/admin.(*",
	"net/http.(*Server).Serve",
	"net/http.(*conn).serve",
	"runtime/trace.",
}

// checkNoLeaks registers a cleanup that fails t if a goroutine of ownedFrames is still
// running a few seconds after the test, other than the test's own.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		var left string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if left = leaked(); left == "" {
				return
			}
		}
		t.Errorf("goroutines left running:\n%s", left)
	})
}

// leaked returns the stacks of goroutines that match ownedFrames, except the caller's.
func leaked() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the current goroutine comes first
			continue
		}
		for _, f := range ownedFrames {
			if strings.Contains(g, f) && !strings.Contains(g, "testing.tRunner") {
				out = append(out, g)
				break
			}
		}
	}
	return strings.Join(out, "\n\n")
}
