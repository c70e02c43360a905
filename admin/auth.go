package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// TokenEnv is the environment variable the admin token is read from when no token file
// is given.
const TokenEnv = "NANOTICK_ADMIN_TOKEN"

// LoadToken returns the admin server's bearer token: the first line of file if it is
// set (the file must not be readable by group or others), else $NANOTICK_ADMIN_TOKEN,
// else "" (New then generates one). A token shorter than 16 characters is refused: it
// would be guessable.
func LoadToken(file string) (string, error) {
	var tok, from string
	if file != "" {
		fi, err := os.Stat(file)
		if err != nil {
			return "", fmt.Errorf("admin: token file: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("admin: token file %s: mode %v is open to group or others; chmod 600 it", file, fi.Mode().Perm())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("admin: token file: %w", err)
		}
		tok, _, _ = strings.Cut(string(b), "\n")
		from = file
	} else {
		tok, from = os.Getenv(TokenEnv), "$"+TokenEnv
	}
	tok = strings.TrimSpace(tok)
	if tok != "" && len(tok) < 16 {
		return "", fmt.Errorf("admin: token from %s has %d characters; want at least 16", from, len(tok))
	}
	return tok, nil
}

// generateToken returns 32 random bytes in hex.
func generateToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin: generate token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// MaskToken shows the first four characters of a token and hides the rest.
func MaskToken(tok string) string {
	if len(tok) <= 8 {
		return "****"
	}
	return tok[:4] + "****"
}

// WriteTokenFile writes a generated token to a new private file (mode 0600) in dir
// (the temporary directory if empty), so that the operator can read it, and returns
// the file's path.
func WriteTokenFile(dir, tok string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "nanotick-admin-*.token")
	if err != nil {
		return "", fmt.Errorf("admin: token file: %w", err)
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return "", fmt.Errorf("admin: token file: %w", err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		return "", fmt.Errorf("admin: token file: %w", err)
	}
	return filepath.Abs(f.Name())
}

// guard wraps the server's handler with its defences, in this order:
//
//   - the Host header must name the address the server listens on (127.0.0.1:port,
//     localhost:port or [::1]:port when that is loopback, or Config.Hosts): a web page
//     whose own name resolves to 127.0.0.1 (DNS rebinding) is refused with 421;
//   - a request from a browser on another origin (an Origin header that is not this
//     server, or Sec-Fetch-Site cross-site) is refused with 403, so that a page the
//     operator opens cannot POST /halt or read a profile;
//   - every endpoint but /healthz needs "Authorization: Bearer <token>", compared in
//     constant time; pprof included. A missing or wrong token is refused with 401.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !s.sameOrigin(o, r.Host) {
			http.Error(w, "cross-origin requests are refused", http.StatusForbidden)
			return
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			http.Error(w, "cross-site requests are refused", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/healthz" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="nanotick admin"`)
				http.Error(w, "a bearer token is required", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed reports whether host (a Host header) names this server. Before Start,
// with no Config.Hosts, the listening address is unknown and any host passes: only the
// token and origin checks apply to a caller serving Handler itself.
func (s *Server) hostAllowed(host string) bool {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	for _, h := range s.cfg.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	if ln == nil {
		return len(s.cfg.Hosts) == 0
	}
	addr := ln.Addr().String()
	if strings.EqualFold(host, addr) {
		return true
	}
	lhost, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if ip := net.ParseIP(lhost); ip != nil && ip.IsLoopback() {
		for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
			if strings.EqualFold(host, h+":"+port) {
				return true
			}
		}
	}
	return false
}

// sameOrigin reports whether an Origin header is this server's own (http://host).
func (s *Server) sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, host)
}
