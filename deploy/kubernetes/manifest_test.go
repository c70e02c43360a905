package kubernetes

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/nanotick/nanotick/internal/testdata"
)

// manifests decodes every document of every YAML file here strictly: an unknown or
// misspelt field, a duplicate key or a wrong type fails, as the API server's strict
// field validation would.
func manifests(t *testing.T) (jobs map[string]*batchv1.Job, pvcs map[string]*corev1.PersistentVolumeClaim) {
	t.Helper()
	jobs, pvcs = map[string]*batchv1.Job{}, map[string]*corev1.PersistentVolumeClaim{}
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for k, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, k+1, err)
			}
			switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
			case "batch/v1 Job":
				var j batchv1.Job
				if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
					t.Fatalf("%s document %d: %v", f, k+1, err)
				}
				jobs[j.Name] = &j
			case "v1 PersistentVolumeClaim":
				var p corev1.PersistentVolumeClaim
				if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
					t.Fatalf("%s document %d: %v", f, k+1, err)
				}
				pvcs[p.Name] = &p
			default:
				t.Fatalf("%s document %d: unexpected %s", f, k+1, gvk)
			}
		}
	}
	return jobs, pvcs
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func TestStrictDecodingCatchesTypos(t *testing.T) {
	var j batchv1.Job
	err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionsMode: Indexed\n"), &j)
	if err == nil || !strings.Contains(err.Error(), "completionsMode") {
		t.Fatalf("a misspelt field decoded: %v", err)
	}
}

// TestManifests checks what the manifests promise: an Indexed Job whose pod count and
// --shards agree, pods that run as non-root on a read-only root, volumes that exist,
// and a merge that lists exactly the files the shards write.
func TestManifests(t *testing.T) {
	jobs, pvcs := manifests(t)
	sweep, merge := jobs["nanotick-sweep"], jobs["nanotick-sweep-merge"]
	if sweep == nil || merge == nil {
		t.Fatalf("jobs %v: want nanotick-sweep and nanotick-sweep-merge", keys(jobs))
	}
	s := &sweep.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || s.Completions == nil {
		t.Fatal("the sweep is not an Indexed Job with completions")
	}
	n := int(*s.Completions)
	c := sweep.Spec.Template.Spec.Containers[0]
	if got := flagValue(c.Args, "--shards"); got != strconv.Itoa(n) {
		t.Errorf("--shards %s, completions %d: they must agree", got, n)
	}
	var outs []string
	for i := range n {
		outs = append(outs, expand(flagValue(c.Args, "--out"), map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(i)}))
	}
	mc := merge.Spec.Template.Spec.Containers[0]
	if got := mc.Args[2 : 2+n]; !slices.Equal(got, outs) || mc.Args[2+n] != "--out" {
		t.Errorf("merge reads %v, the shards write %v", mc.Args[2:], outs)
	}
	// The object-storage variant: the same sweep, its data downloaded by an init
	// container into an emptyDir where the sweep reads it, its shards the same files.
	byURL := jobs["nanotick-sweep-url"]
	if byURL == nil {
		t.Fatalf("jobs %v: want nanotick-sweep-url", keys(jobs))
	}
	if u := &byURL.Spec; u.CompletionMode == nil || *u.CompletionMode != batchv1.IndexedCompletion || u.Completions == nil || *u.Completions != *s.Completions {
		t.Error("nanotick-sweep-url is not an Indexed Job of the sweep's completions")
	}
	us := byURL.Spec.Template.Spec
	if !slices.Equal(us.Containers[0].Args, c.Args) {
		t.Errorf("nanotick-sweep-url runs %v, the volume's sweep %v: the merge reads the files of either", us.Containers[0].Args, c.Args)
	}
	if len(us.InitContainers) != 1 {
		t.Fatalf("nanotick-sweep-url: %d init containers, want the one that downloads the data", len(us.InitContainers))
	}
	fetch := us.InitContainers[0]
	if got, want := flagValue(fetch.Args, "--output"), flagValue(c.Args, "--data"); got != want {
		t.Errorf("the init container downloads to %s, the sweep reads %s", got, want)
	}
	if !slices.Contains(fetch.Args, "--fail") || flagValue(fetch.Args, "--retry") == "" || flagValue(fetch.Args, "--retry-max-time") == "" {
		t.Errorf("the download must fail on an HTTP error and retry with a limit: %v", fetch.Args)
	}
	for _, v := range us.Volumes {
		if v.Name == "data" && v.EmptyDir == nil {
			t.Error("nanotick-sweep-url: the data volume is not an emptyDir")
		}
	}
	for _, j := range []*batchv1.Job{sweep, merge, byURL} {
		ps := j.Spec.Template.Spec
		if ps.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q", j.Name, ps.RestartPolicy)
		}
		if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			t.Errorf("%s: pods may run as root", j.Name)
		}
		for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: not locked down (read-only root, no privilege escalation, no capabilities)", j.Name, c.Name)
			}
			if c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: no memory limit", j.Name, c.Name)
			}
		}
		for _, v := range ps.Volumes {
			if v.EmptyDir != nil {
				continue
			}
			if v.PersistentVolumeClaim == nil || pvcs[v.PersistentVolumeClaim.ClaimName] == nil {
				t.Errorf("%s: volume %s claims nothing volumes.yaml declares", j.Name, v.Name)
			}
		}
	}
}

// TestIndexedJobLocally runs every pod of the sweep Job with its exact command line,
// JOB_COMPLETION_INDEX set as the Job controller sets it and the volumes mapped to
// local directories, then the merge Job's, and checks the merged table covers the grid.
func TestIndexedJobLocally(t *testing.T) {
	data := filepath.Dir(testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz"))
	jobs, _ := manifests(t)
	sweep, merge := jobs["nanotick-sweep"], jobs["nanotick-sweep-merge"]
	bin := filepath.Join(t.TempDir(), "nanotick")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/nanotick").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	results := t.TempDir()
	mounts := map[string]string{"/data": data, "/results": results}

	for i := range int(*sweep.Spec.Completions) {
		idx := strconv.Itoa(i)
		code, stdout, stderr := runPod(t, bin, &sweep.Spec.Template.Spec, mounts, idx)
		if code != 0 || !strings.Contains(stdout, "shard "+idx+"/") {
			t.Fatalf("pod %s: exit %d\n%s\n%s", idx, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runPod(t, bin, &merge.Spec.Template.Spec, mounts, "")
	if code != 0 || !strings.Contains(stdout, "8 points of halfSpreadBps=1,1.5,2,3 size=0.001,0.002") {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(results, "merged.jsonl"))
	if err != nil || bytes.Count(b, []byte("\n")) != 8 || bytes.Contains(b, []byte(`"error"`)) {
		t.Fatalf("merged.jsonl: %v\n%s", err, b)
	}
}

// TestIndexedJobFromURLLocally runs sweep-job-url.yaml's pods as TestIndexedJobLocally
// runs sweep-job.yaml's: each pod's init container's exact command line (the host's
// curl for the image's) downloads the recording from DATA_URL, here a server on
// 127.0.0.1 whose first answer is a 503 (curl must retry), into the pod's own data
// directory (an emptyDir); then the pod's sweep; then merge-job.yaml's merge.
func TestIndexedJobFromURLLocally(t *testing.T) {
	data := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed: the init container's command cannot run here")
	}
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		http.ServeFile(w, r, data)
	}))
	defer srv.Close()
	jobs, _ := manifests(t)
	job, merge := jobs["nanotick-sweep-url"], jobs["nanotick-sweep-merge"]
	bin := filepath.Join(t.TempDir(), "nanotick")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/nanotick").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	results := t.TempDir()
	ps := &job.Spec.Template.Spec
	for i := range int(*job.Spec.Completions) {
		idx := strconv.Itoa(i)
		mounts := map[string]string{"/data": t.TempDir(), "/results": results} // an emptyDir per pod
		fetch := ps.InitContainers[0]
		if len(fetch.Command) != 1 || fetch.Command[0] != "curl" {
			t.Fatalf("the init container runs %v, not curl", fetch.Command)
		}
		code, stdout, stderr := runContainer(t, curl, fetch, mounts, idx, map[string]string{"DATA_URL": srv.URL + "/binance-spot-btcusdt-20240808.gz"})
		if code != 0 {
			t.Fatalf("pod %s: the download: exit %d\n%s\n%s", idx, code, stdout, stderr)
		}
		code, stdout, stderr = runContainer(t, bin, ps.Containers[0], mounts, idx, nil)
		if code != 0 || !strings.Contains(stdout, "shard "+idx+"/") {
			t.Fatalf("pod %s: exit %d\n%s\n%s", idx, code, stdout, stderr)
		}
	}
	if n := gets.Load(); n != int64(*job.Spec.Completions)+1 {
		t.Errorf("%d requests, want one per pod and the one answered 503", n)
	}
	code, stdout, stderr := runPod(t, bin, &merge.Spec.Template.Spec, map[string]string{"/results": results}, "")
	if code != 0 || !strings.Contains(stdout, "8 points of halfSpreadBps=1,1.5,2,3 size=0.001,0.002") {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// runPod runs a pod's first container as the kubelet would: its args with $(VAR)
// references expanded from its env (JOB_COMPLETION_INDEX from the index annotation),
// and its volumes' mount paths mapped to local directories.
func runPod(t *testing.T, bin string, ps *corev1.PodSpec, mounts map[string]string, index string) (int, string, string) {
	t.Helper()
	return runContainer(t, bin, ps.Containers[0], mounts, index, nil)
}

// runContainer runs container c as the kubelet would (see runPod): the program exe
// (the container's image, or its command) with its args, the variables of set
// replacing those of its env.
func runContainer(t *testing.T, exe string, c corev1.Container, mounts map[string]string, index string, set map[string]string) (int, string, string) {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']":
			env[e.Name] = index
		case e.ValueFrom == nil:
			env[e.Name] = expand(e.Value, env)
		default:
			t.Fatalf("env %s: a source this test cannot provide", e.Name)
		}
	}
	if index != "" {
		env["JOB_COMPLETION_INDEX"] = index // the Job controller sets it in every container
	}
	for k, v := range set {
		env[k] = v
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		a = expand(a, env)
		for _, m := range c.VolumeMounts {
			if local, ok := mounts[m.MountPath]; ok && (a == m.MountPath || strings.HasPrefix(a, m.MountPath+"/")) {
				a = local + strings.TrimPrefix(a, m.MountPath)
			}
		}
		args[i] = a
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// expand replaces $(NAME) with env's NAME, leaving unknown references and $$(NAME)
// escapes as Kubernetes does.
func expand(s string, env map[string]string) string {
	return regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func keys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
