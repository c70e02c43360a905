package kraken

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Credentials are a Kraken API key and its private key. They print masked in every
// format, so that no log line can carry them; the private key is reachable only by
// Sign.
type Credentials struct {
	apiKey string
	secret []byte // base64-decoded
}

// NewCredentials returns credentials for apiKey and secret, the private key as Kraken
// gives it (base64). Both must be set; a secret that is not base64 is refused here
// rather than signing wrongly later.
func NewCredentials(apiKey, secret string) (Credentials, error) {
	apiKey, secret = strings.TrimSpace(apiKey), strings.TrimSpace(secret)
	if apiKey == "" || secret == "" {
		return Credentials{}, errors.New("kraken: credentials: api key and private key must both be set")
	}
	if strings.ContainsAny(apiKey, "\"\\ \t\r\n") {
		return Credentials{}, errors.New("kraken: credentials: api key has characters Kraken keys never have")
	}
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return Credentials{}, errors.New("kraken: credentials: the private key is not base64")
	}
	return Credentials{apiKey: apiKey, secret: raw}, nil
}

// CredentialsFromEnv reads the key and private key from the environment variables
// keyVar and secretVar (e.g. KRAKEN_API_KEY, KRAKEN_API_SECRET).
func CredentialsFromEnv(keyVar, secretVar string) (Credentials, error) {
	c, err := NewCredentials(os.Getenv(keyVar), os.Getenv(secretVar))
	if err != nil {
		return c, fmt.Errorf("kraken: credentials from $%s and $%s: %w", keyVar, secretVar, err)
	}
	return c, nil
}

// Set reports whether the credentials hold a key.
func (c Credentials) Set() bool { return c.apiKey != "" }

// String masks the credentials.
func (c Credentials) String() string { return "kraken.Credentials{***}" }

// GoString masks the credentials.
func (c Credentials) GoString() string { return c.String() }

// MarshalJSON masks the credentials.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"***"`), nil }

// Sign returns the API-Sign header of a private REST request, as Kraken's "Spot REST
// Authentication" guide defines it: base64(HMAC-SHA512(uriPath + SHA256(nonce +
// postData))) under the base64-decoded private key, where uriPath is the part from
// "/0/private" on and postData the form-encoded body, which itself holds the nonce.
func (c Credentials) Sign(uriPath string, nonce uint64, postData string) string {
	h := sha256.New()
	h.Write(strconv.AppendUint(nil, nonce, 10))
	h.Write([]byte(postData))
	m := hmac.New(sha512.New, c.secret)
	m.Write([]byte(uriPath))
	m.Write(h.Sum(nil))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TokenPath is the URI path of the REST endpoint that hands out WebSocket tokens.
const TokenPath = "/0/private/GetWebSocketsToken"

// Nonces hands out Kraken's "always increasing, unsigned 64-bit integer" nonces: the
// wall clock in ms, or one more than the last when the clock has not moved on.
type Nonces struct {
	mu   sync.Mutex
	last uint64
}

// Next returns a nonce above every one returned before, at least nowMs.
func (n *Nonces) Next(nowMs int64) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	v := uint64(max(nowMs, 0))
	if v <= n.last {
		v = n.last + 1
	}
	n.last = v
	return v
}

// APIError is a REST answer whose error array is not empty: Kraken's error strings
// ("EAPI:Invalid key", "EAPI:Invalid nonce", ...), as sent.
type APIError struct{ Errors []string }

func (e *APIError) Error() string { return "kraken: " + strings.Join(e.Errors, ", ") }

// Token is what GetWebSocketsToken answers: the token and its lifetime in seconds
// (Kraken: use it within 15 minutes; it does not expire while a private connection
// that used it stays open).
type Token struct {
	Token   string
	Expires int64
}

// FetchToken asks restURL (e.g. "https://api.kraken.com") for a WebSocket token with a
// POST to /0/private/GetWebSocketsToken signed with c and nonce. An answer with errors
// is an *APIError carrying Kraken's strings. It is one request: the caller retries, if
// at all, with backoff.
func FetchToken(ctx context.Context, client *http.Client, restURL string, c Credentials, nonce uint64) (Token, error) {
	if !c.Set() {
		return Token{}, errors.New("kraken: token: no credentials")
	}
	body := "nonce=" + strconv.FormatUint(nonce, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(restURL, "/")+TokenPath, strings.NewReader(body))
	if err != nil {
		return Token{}, fmt.Errorf("kraken: token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "nanotick")
	req.Header.Set("API-Key", c.apiKey)
	req.Header.Set("API-Sign", c.Sign(TokenPath, nonce, body))
	resp, err := client.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("kraken: token: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return Token{}, fmt.Errorf("kraken: token: read: %w", err)
	}
	return ParseToken(resp.StatusCode, b)
}

// ParseToken reads GetWebSocketsToken's answer:
//
//	{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw","expires":900}}
func ParseToken(status int, b []byte) (Token, error) {
	var m struct {
		Error  []string `json:"error"`
		Result *struct {
			Token   string `json:"token"`
			Expires int64  `json:"expires"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return Token{}, fmt.Errorf("kraken: token: http %d: undecodable answer: %w", status, err)
	}
	if len(m.Error) > 0 {
		return Token{}, fmt.Errorf("kraken: token: http %d: %w", status, &APIError{Errors: m.Error})
	}
	if status != http.StatusOK || m.Result == nil || m.Result.Token == "" {
		return Token{}, fmt.Errorf("kraken: token: http %d without a token", status)
	}
	if strings.ContainsAny(m.Result.Token, "\"\\\x00\n\r") {
		return Token{}, errors.New("kraken: token: the token has characters that would need escaping")
	}
	return Token{Token: m.Result.Token, Expires: m.Result.Expires}, nil
}

// VerifyRequest checks a private REST request as Kraken does, for the local exchange:
// apiSign must be the signature of uriPath and the form body under c, and the body's
// nonce must be above last. It returns the nonce, or Kraken's error string.
func VerifyRequest(c Credentials, uriPath, body, apiSign string, last uint64) (uint64, string) {
	form, err := url.ParseQuery(body)
	if err != nil {
		return 0, "EGeneral:Invalid arguments"
	}
	nonce, err := strconv.ParseUint(form.Get("nonce"), 10, 64)
	if err != nil {
		return 0, "EAPI:Invalid nonce"
	}
	want := c.Sign(uriPath, nonce, body)
	if !hmac.Equal([]byte(want), []byte(apiSign)) {
		return 0, "EAPI:Invalid signature"
	}
	if nonce <= last {
		return 0, "EAPI:Invalid nonce"
	}
	return nonce, ""
}
