package binance

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// NewEd25519Credentials returns credentials for apiKey and the Ed25519 private key in
// pemKey, a PKCS#8 "PRIVATE KEY" PEM block, the form Binance's key generator writes
// (Binance registers the public key; requests carry the base64 Ed25519 signature of the
// same payload an HMAC key signs). Spot and USD-M accept such keys on every signed
// request; only they may log a WebSocket API session on (session.logon).
func NewEd25519Credentials(apiKey string, pemKey []byte) (Credentials, error) {
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" || strings.ContainsAny(apiKey, "\"\\&= \t\r\n") {
		return Credentials{}, errors.New("gateway: credentials: api key empty or with characters Binance keys never have")
	}
	blk, _ := pem.Decode(pemKey)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return Credentials{}, errors.New("gateway: credentials: Ed25519 key: want a PEM \"PRIVATE KEY\" block (PKCS#8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return Credentials{}, fmt.Errorf("gateway: credentials: Ed25519 key: %w", err)
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return Credentials{}, fmt.Errorf("gateway: credentials: key is a %T, not Ed25519", k)
	}
	return Credentials{apiKey: apiKey, ed: ed}, nil
}

// CredentialsFromKeyFile reads an Ed25519 private key (PEM, PKCS#8) from path, which
// must not be readable by group or others, for the API key apiKey.
func CredentialsFromKeyFile(apiKey, path string) (Credentials, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("gateway: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Credentials{}, fmt.Errorf("gateway: key file %s: mode %v is open to group or others; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("gateway: key file: %w", err)
	}
	return NewEd25519Credentials(apiKey, b)
}

// Ed25519 reports whether the credentials are an Ed25519 key.
func (c Credentials) Ed25519() bool { return c.ed != nil }
