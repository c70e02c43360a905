package kraken

import (
	"fmt"
	"strings"
	"testing"
)

// TestSignKrakenExample checks Sign against the example of Kraken's "Spot REST
// Authentication" guide (docs.kraken.com/api/docs/guides/spot-rest-auth): a limit buy
// of 1.25 XBTUSD at 37500.
func TestSignKrakenExample(t *testing.T) {
	c, err := NewCredentials("key", "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Sign("/0/private/AddOrder", 1616492376594,
		"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25")
	const want = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
	if got != want {
		t.Fatalf("API-Sign %s, want %s", got, want)
	}
	if _, why := VerifyRequest(c, "/0/private/AddOrder", "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25", want, 0); why != "" {
		t.Fatalf("VerifyRequest refused the documented example: %s", why)
	}
	if _, why := VerifyRequest(c, "/0/private/AddOrder", "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37501&type=buy&volume=1.25", want, 0); why != "EAPI:Invalid signature" {
		t.Fatalf("a changed body: %q, want EAPI:Invalid signature", why)
	}
	if _, why := VerifyRequest(c, "/0/private/AddOrder", "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25", want, 1616492376594); why != "EAPI:Invalid nonce" {
		t.Fatalf("a repeated nonce: %q, want EAPI:Invalid nonce", why)
	}
}

func TestCredentialsMasked(t *testing.T) {
	c, err := NewCredentials("thekey", "c2VjcmV0")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		for _, secret := range []string{"thekey", "c2VjcmV0", "secret"} {
			if contains(s, secret) {
				t.Fatalf("%q shows %q", s, secret)
			}
		}
	}
	if _, err := NewCredentials("k", "not base64!"); err == nil {
		t.Fatal("a secret that is not base64 was taken")
	}
	if _, err := NewCredentials("", "c2VjcmV0"); err == nil {
		t.Fatal("an empty key was taken")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestParseToken(t *testing.T) {
	tok, err := ParseToken(200, []byte(`{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw","expires":900}}`))
	if err != nil || tok.Token != "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw" || tok.Expires != 900 {
		t.Fatalf("%+v %v", tok, err)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"error":["EAPI:Invalid key"]}`, "kraken: token: http 200: kraken: EAPI:Invalid key"},
		{`{"error":[],"result":{}}`, "kraken: token: http 200 without a token"},
		{`not json`, "kraken: token: http 200: undecodable answer: invalid character 'o' in literal null (expecting 'u')"},
	} {
		if _, err := ParseToken(200, []byte(tc.body)); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.body, err, tc.want)
		}
	}
}

func TestNonces(t *testing.T) {
	var n Nonces
	a, b, c := n.Next(100), n.Next(100), n.Next(50)
	if !(a == 100 && b == 101 && c == 102) {
		t.Fatal(a, b, c)
	}
}

// FuzzParseToken: no answer makes ParseToken panic or return a token that would need
// escaping in a request.
func FuzzParseToken(f *testing.F) {
	f.Add(200, []byte(`{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw","expires":900}}`))
	f.Add(200, []byte(`{"error":["EAPI:Invalid key"]}`))
	f.Add(500, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		tok, err := ParseToken(status, b)
		if err == nil && (tok.Token == "" || strings.ContainsAny(tok.Token, "\"\\\n\r\x00")) {
			t.Fatalf("token %q from %q", tok.Token, b)
		}
	})
}
