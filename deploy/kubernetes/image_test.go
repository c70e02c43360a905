package kubernetes

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageBuildsOffline builds the repository's Dockerfile with buildah, offline: the
// build stage starts from scratch with the host's Go toolchain, module cache and build
// cache mounted in and GOPROXY=off, which is how the Dockerfile's GO_IMAGE argument lets
// a machine without a registry build it. It checks that the image is the binary alone,
// run as a non-root user, and that the binary runs. It is skipped where buildah is not
// installed, in -short runs, and where buildah cannot run a build step (no user
// namespaces, say).
func TestImageBuildsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image")
	}
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		t.Skip("buildah is not installed (apt-get install buildah)")
	}
	goroot := strings.TrimSpace(output(t, "go", "env", "GOROOT"))
	modcache := strings.TrimSpace(output(t, "go", "env", "GOMODCACHE"))
	gocache := strings.TrimSpace(output(t, "go", "env", "GOCACHE"))
	if goroot != "/usr/local/go" {
		t.Skipf("the Dockerfile runs Go from /usr/local/go; this machine's is %s", goroot)
	}
	tag := "localhost/nanotick-image-test:latest"
	root, _ := filepath.Abs("../..")
	// chroot isolation needs neither an OCI runtime nor cgroups, so the build runs in
	// an unprivileged container or a CI sandbox too.
	cmd := exec.Command(buildah, "bud", "--isolation", "chroot", "--layers=false",
		"--build-arg", "GO_IMAGE=scratch", "--build-arg", "GOPROXY=off",
		"--build-arg", "GOMODCACHE=/gomodcache", "--build-arg", "GOFLAGS=-mod=mod",
		"--volume", goroot+":/usr/local/go:ro",
		"--volume", modcache+":/gomodcache:ro",
		"--volume", gocache+":/tmp/gocache",
		"-t", tag, root)
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "error running container") || strings.Contains(string(out), "namespace") {
			t.Skipf("buildah cannot run a build step here: %v\n%s", err, tail(out))
		}
		t.Fatalf("buildah bud: %v\n%s", err, tail(out))
	}
	defer exec.Command(buildah, "rmi", tag).Run()

	var img []struct {
		Config struct {
			User       string
			Entrypoint []string
		}
		RootFS struct {
			Layers []string `json:"Layers"`
		}
	}
	if err := json.Unmarshal([]byte(output(t, buildah, "inspect", "--type", "image", "--format", "[{{json .OCIv1}}]", tag)), &img); err != nil || len(img) != 1 {
		t.Fatalf("inspect: %v", err)
	}
	if c := img[0].Config; c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/nanotick" {
		t.Errorf("image runs %v as %q, want /nanotick as 65532:65532", c.Entrypoint, c.User)
	}
	// The image's files: the binary, and the working directory.
	ctr := strings.TrimSpace(output(t, buildah, "from", tag))
	defer exec.Command(buildah, "rm", ctr).Run()
	mnt := strings.TrimSpace(output(t, buildah, "mount", ctr))
	var files []string
	filepath.WalkDir(mnt, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != mnt {
			files = append(files, strings.TrimPrefix(p, mnt))
		}
		return nil
	})
	if strings.Join(files, " ") != "/nanotick /work" {
		t.Errorf("image holds %v, want /nanotick and /work alone", files)
	}
	if out := output(t, filepath.Join(mnt, "nanotick"), "help"); !strings.Contains(out, "backtest") {
		t.Errorf("the image's binary does not run: %q", out)
	}
	if fileOut, err := exec.Command("file", filepath.Join(mnt, "nanotick")).Output(); err == nil && !strings.Contains(string(fileOut), "statically linked") {
		t.Errorf("the binary is not static: %s", fileOut)
	}
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, tail(out))
	}
	return string(out)
}

func tail(b []byte) string {
	if len(b) > 3000 {
		return "..." + string(b[len(b)-3000:])
	}
	return string(b)
}
