package binance

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// Credentials are an API key and its HMAC secret, or its Ed25519 private key
// (NewEd25519Credentials). They print masked in every format (fmt's %v, %+v, %#v and
// %s, JSON, zerolog), so that no log line can carry them; the secret is reachable only
// by the Signer.
type Credentials struct {
	apiKey string
	secret []byte
	ed     ed25519.PrivateKey // set for an Ed25519 key: requests are signed with it
}

// NewCredentials returns credentials for apiKey and secret, which must both be set.
func NewCredentials(apiKey, secret string) (Credentials, error) {
	apiKey, secret = strings.TrimSpace(apiKey), strings.TrimSpace(secret)
	if apiKey == "" || secret == "" {
		return Credentials{}, errors.New("gateway: credentials: api key and secret must both be set")
	}
	if strings.ContainsAny(apiKey+secret, "\"\\&= \t\r\n") {
		return Credentials{}, errors.New("gateway: credentials: api key or secret has characters Binance keys never have")
	}
	return Credentials{apiKey: apiKey, secret: []byte(secret)}, nil
}

// CredentialsFromEnv reads the key and secret from the environment variables keyVar and
// secretVar (e.g. BINANCE_API_KEY, BINANCE_API_SECRET).
func CredentialsFromEnv(keyVar, secretVar string) (Credentials, error) {
	c, err := NewCredentials(os.Getenv(keyVar), os.Getenv(secretVar))
	if err != nil {
		return c, fmt.Errorf("gateway: credentials from $%s and $%s: %w", keyVar, secretVar, err)
	}
	return c, nil
}

// CredentialsFromFile reads a file of two lines, the API key then the secret (blank
// lines and lines starting with # are skipped). The file must not be readable by group
// or others: a secret in a world-readable file is already leaked.
func CredentialsFromFile(path string) (Credentials, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("gateway: credentials file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Credentials{}, fmt.Errorf("gateway: credentials file %s: mode %v is open to group or others; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("gateway: credentials file: %w", err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		return Credentials{}, fmt.Errorf("gateway: credentials file %s: want 2 lines (key, secret), found %d", path, len(lines))
	}
	c, err := NewCredentials(lines[0], lines[1])
	if err != nil {
		return c, fmt.Errorf("gateway: credentials file %s: %w", path, err)
	}
	return c, nil
}

// Masked returns the API key with all but its first 4 characters hidden, the only form
// in which a key is logged.
func (c Credentials) Masked() string {
	if len(c.apiKey) <= 4 {
		return "****"
	}
	return c.apiKey[:4] + "****"
}

// String returns the masked form.
func (c Credentials) String() string { return "Credentials{" + c.Masked() + "}" }

// GoString returns the masked form, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format prints the masked form whatever the verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON writes the masked form.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"` + c.Masked() + `"`), nil }

// MarshalZerologObject logs the masked key only.
func (c Credentials) MarshalZerologObject(e *zerolog.Event) { e.Str("api_key", c.Masked()) }
