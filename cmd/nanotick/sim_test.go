package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSimDuration runs the local exchange for a second: it prints its URLs
// and exits 0 by itself.
func TestSimDuration(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runSim([]string{"--duration", "1s", "--seed", "3"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"market data  ws://127.0.0.1:", "/stream?streams=btcusdt@depth@100ms", "REST         http://127.0.0.1:", "ws-api       ws://127.0.0.1:", "/ws-api/v3", "bybit spot   ws://127.0.0.1:", "/v5/public/spot", `api key "nano****"`, `HMAC secret "****"`, "stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nanotick-secret") || strings.Contains(out, `"nanotick"`) {
		t.Errorf("credentials printed in full without --show-credentials:\n%s", out)
	}
	stdout.Reset()
	if code := runSim([]string{"--duration", "10ms", "--show-credentials"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `HMAC secret "nanotick-secret"`) {
		t.Errorf("--show-credentials: exit %d:\n%s", code, stdout.String())
	}
}

// TestSimServes reads the printed REST URL while the exchange runs and gets
// a depth snapshot from it.
func TestSimServes(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- runSim([]string{"--duration", "2s", "--api-key", "k", "--api-secret-file", secret, "--drop-rate", "0.1"}, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var rest string
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "REST" {
			rest = f[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if rest == "" {
		t.Fatalf("no REST URL printed; stderr %s", stderr.String())
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(rest)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"lastUpdateId":`)) {
		t.Errorf("GET %s: %d %.100s", rest, resp.StatusCode, body)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d, stderr %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nanotick sim --duration 2s did not stop")
	}
}

func TestSimBadFlags(t *testing.T) {
	tests := [][]string{
		{"--api-key", "k"},
		{"--api-secret-file", "f"},
		{"--drop-rate", "2", "--duration", "1ms"},
		{"--speed", "0"},
		{"--balances", "USDT"},
		{"extra"},
		{"--replay", "/nonexistent/file.gz", "--duration", "1ms"},
	}
	for _, args := range tests {
		var stdout, stderr bytes.Buffer
		if code := runSim(args, &stdout, &stderr); code == 0 {
			t.Errorf("%v: exit 0, want failure", args)
		} else if stderr.Len() == 0 {
			t.Errorf("%v: exit %d with nothing on stderr", args, code)
		}
	}
}
