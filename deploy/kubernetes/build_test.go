package kubernetes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestMergeRefusesShardsOfAnotherBuild runs the two shards of a grid with two nanotick
// executables that differ (the second is the first with a byte appended, which runs
// alike but hashes otherwise), as an Indexed Job whose retried pod pulled a newer image
// of the same tag would: the merge must refuse them, naming the build, and merge the
// shards of one executable.
func TestMergeRefusesShardsOfAnotherBuild(t *testing.T) {
	data := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	dir := t.TempDir()
	bin := filepath.Join(dir, "nanotick")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/nanotick").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "nanotick-other")
	if err := os.WriteFile(other, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	shard := func(exe, index string) string {
		t.Helper()
		out := filepath.Join(dir, filepath.Base(exe)+"-"+index+".jsonl")
		cmd := exec.Command(exe, "sweep", "run", "--data", data, "--param", "halfSpreadBps=1,2", "--shards", "2", "--out", out)
		cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+index)
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s shard %s: %v\n%s", exe, index, err, o)
		}
		return out
	}
	merge := func(files ...string) (string, error) {
		var errb bytes.Buffer
		cmd := exec.Command(bin, append([]string{"sweep", "merge"}, files...)...)
		cmd.Stderr = &errb
		err := cmd.Run()
		return errb.String(), err
	}
	a0, a1, b1 := shard(bin, "0"), shard(bin, "1"), shard(other, "1")
	if e, err := merge(a0, a1); err != nil {
		t.Fatalf("shards of one build: %v %s", err, e)
	}
	if e, err := merge(a0, b1); err == nil || !strings.Contains(e, "differ in the nanotick build that ran them (sha256:") {
		t.Fatalf("shards of two builds: %v %q, want a refusal naming the build", err, e)
	}
}
