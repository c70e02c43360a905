package admin

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkScrape serves /metrics over the golden state through the server's guarded
// handler, without a network: the cost of building one scrape.
func BenchmarkScrape(b *testing.B) {
	cfg := goldenConfig(b)
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://"+cfg.Addr+"/metrics", nil)
	req.Host = cfg.Addr
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
