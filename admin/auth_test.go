package admin

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGuard checks the admin server's defences over a real listener: the token on
// every endpoint but /healthz (pprof included), the Host check against the bound
// address (DNS rebinding), and the refusal of cross-origin browser requests, which
// would otherwise let any page the operator opens POST /halt.
func TestGuard(t *testing.T) {
	f := startFixture(t, true)
	tok := f.srv.Token()
	if len(tok) != 64 {
		t.Fatalf("generated token %q", MaskToken(tok))
	}
	_, port, _ := strings.Cut(f.srv.Addr(), ":")
	tests := []struct {
		name, method, path string
		header             map[string]string
		host               string
		want               int
	}{
		{"halt without token", "POST", "/halt", nil, "", 401},
		{"halt with a wrong token", "POST", "/halt", map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, "", 401},
		{"pprof without token", "GET", "/debug/pprof/", nil, "", 401},
		{"pprof cmdline without token", "GET", "/debug/pprof/cmdline", nil, "", 401},
		{"metrics without token", "GET", "/metrics", nil, "", 401},
		{"healthz without token", "GET", "/healthz", nil, "", 200},
		{"pprof with token", "GET", "/debug/pprof/", map[string]string{"Authorization": "Bearer " + tok}, "", 200},
		{"localhost alias", "GET", "/healthz", nil, "localhost:" + port, 200},
		{"rebinding host", "POST", "/halt", map[string]string{"Authorization": "Bearer " + tok}, "evil.example:" + port, 421},
		{"cross-origin halt", "POST", "/halt", map[string]string{"Authorization": "Bearer " + tok, "Origin": "http://evil.example"}, "", 403},
		{"cross-site fetch", "POST", "/halt", map[string]string{"Authorization": "Bearer " + tok, "Sec-Fetch-Site": "cross-site"}, "", 403},
		{"same-origin halt", "POST", "/halt", map[string]string{"Authorization": "Bearer " + tok, "Origin": "http://" + f.srv.Addr()}, "", 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(t.Context(), tt.method, f.base+tt.path, nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	if n := f.halts.Load(); n != 1 {
		t.Errorf("halted %d times, want once (the same-origin request with the token)", n)
	}
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	os.WriteFile(path, []byte("0123456789abcdef0123\n"), 0o644)
	if _, err := LoadToken(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable token file: %v", err)
	}
	os.Chmod(path, 0o600)
	if tok, err := LoadToken(path); err != nil || tok != "0123456789abcdef0123" {
		t.Errorf("token file: %q %v", tok, err)
	}
	t.Setenv(TokenEnv, "short")
	if _, err := LoadToken(""); err == nil {
		t.Error("a 5-character token accepted")
	}
	t.Setenv(TokenEnv, "")
	if tok, err := LoadToken(""); err != nil || tok != "" {
		t.Errorf("no token: %q %v", tok, err)
	}
	p, err := WriteTokenFile(dir, "abcdefabcdefabcdef")
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("generated token file mode %v", fi.Mode().Perm())
	}
	if got := MaskToken("abcdefabcdefabcdef"); got != "abcd****" {
		t.Errorf("mask %q", got)
	}
}
