package bybit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Credentials are an API key and its HMAC secret. They print masked in every format,
// so that no log line can carry them; the secret is reachable only by AppendAuth.
type Credentials struct {
	apiKey string
	secret []byte
}

// NewCredentials returns credentials for apiKey and secret, which must both be set and
// hold no character a Bybit key never has (so that the key is written into a request
// without escaping).
func NewCredentials(apiKey, secret string) (Credentials, error) {
	apiKey, secret = strings.TrimSpace(apiKey), strings.TrimSpace(secret)
	if apiKey == "" || secret == "" {
		return Credentials{}, errors.New("bybit: credentials: api key and secret must both be set")
	}
	if strings.ContainsAny(apiKey+secret, "\"\\ \t\r\n") {
		return Credentials{}, errors.New("bybit: credentials: api key or secret has characters Bybit keys never have")
	}
	return Credentials{apiKey: apiKey, secret: []byte(secret)}, nil
}

// CredentialsFromEnv reads the key and secret from the environment variables keyVar and
// secretVar (e.g. BYBIT_API_KEY, BYBIT_API_SECRET).
func CredentialsFromEnv(keyVar, secretVar string) (Credentials, error) {
	c, err := NewCredentials(os.Getenv(keyVar), os.Getenv(secretVar))
	if err != nil {
		return c, fmt.Errorf("bybit: credentials from $%s and $%s: %w", keyVar, secretVar, err)
	}
	return c, nil
}

// String masks the credentials.
func (c Credentials) String() string { return "bybit.Credentials{***}" }

// GoString masks the credentials.
func (c Credentials) GoString() string { return c.String() }

// MarshalJSON masks the credentials.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"***"`), nil }

// Signature returns hex(HMAC-SHA256(secret, "GET/realtime" + expires)), the signature
// of an auth request expiring at expiresMs (Unix ms).
func (c Credentials) Signature(expiresMs int64) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte("GET/realtime"))
	m.Write(strconv.AppendInt(nil, expiresMs, 10))
	return hex.EncodeToString(m.Sum(nil))
}

// AppendAuth appends the auth request of a private or trade connection, valid until
// expiresMs: {"reqId":"auth","op":"auth","args":["key",expires,"signature"]}. The
// trade endpoint echoes reqId; the private one ignores it.
func (c Credentials) AppendAuth(dst []byte, expiresMs int64) []byte {
	dst = append(dst, `{"reqId":"auth","op":"auth","args":["`...)
	dst = append(dst, c.apiKey...)
	dst = append(dst, `",`...)
	dst = strconv.AppendInt(dst, expiresMs, 10)
	dst = append(dst, `,"`...)
	dst = append(dst, c.Signature(expiresMs)...)
	return append(dst, `"]}`...)
}
