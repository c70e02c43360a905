package htmlreport_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport"
	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/internal/testdata"
)

// chromium finds a headless-capable browser, skipping the test where there is none
// (.ci/run installs Debian's chromium, so under CI its absence is a failure).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH: .ci/run installs Debian's chromium package")
	}
	t.Skip("no Chromium installed (apt-get install chromium); the HTML report's rendering is not checked")
	return ""
}

// TestReportRendersInBrowser opens a real backtest's HTML report, and a comparison of
// it with a slower run, in headless Chromium, from a file and with the network unused,
// and checks each screenshot shows charts: not blank, and with the colored lines and
// fill markers the charts draw.
func TestReportRendersInBrowser(t *testing.T) {
	browser := chromium(t)
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	lat, err := backtest.ConstantLatency(2*time.Millisecond, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := backtest.Config{
		Engine: enginetest.SpotConfig(), Strategy: marketmaker.New(), StrategyName: "marketmaker",
		Data: []string{path}, Open: recorded.Open, Latency: lat, MakerFeeBps: -0.5, TakerFeeBps: 4.5,
		Queue: backtest.RiskAverse, PartialFills: true, InitialBalance: decimal.RequireFromString("10000"),
		OrderLog: true,
	}
	rep, err := backtest.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := htmlreport.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	screenshot(t, browser, dir, "report", buf.Bytes(), 500)

	// The comparison page, with a second run at ten times the latency.
	lat20, err := backtest.ConstantLatency(20*time.Millisecond, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Latency = lat20
	rep20, err := backtest.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := htmlreport.WriteCompare(&buf, []htmlreport.Run{{Name: "2ms", Report: rep}, {Name: "20ms", Report: rep20}}, htmlreport.Options{}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, browser, dir, "compare", buf.Bytes(), 300)
}

// screenshot opens page in headless Chromium, from a file and with the network unused,
// and checks the screenshot is not blank and shows at least minColored strongly
// colored pixels (the charts' lines and markers).
func screenshot(t *testing.T, browser, dir, name string, page []byte, minColored int) {
	t.Helper()
	file := filepath.Join(dir, name+".html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, name+".png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile-"+name), "--hide-scrollbars", "--window-size=1280,3000",
		"--screenshot="+shot, "file://"+file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	inked, colored, total := pixels(img)
	t.Logf("%s screenshot %v: %.1f%% inked, %d strongly colored pixels", name, img.Bounds().Size(), 100*float64(inked)/float64(total), colored)
	if float64(inked)/float64(total) < 0.02 {
		t.Errorf("%s: the page looks blank: %d of %d pixels differ from white", name, inked, total)
	}
	if colored < minColored {
		t.Errorf("%s: only %d strongly colored pixels: the charts' lines and markers did not render", name, colored)
	}
}

// pixels counts the pixels that are not white, and those that are strongly colored
// (not a shade of grey, as text and axes are).
func pixels(img image.Image) (inked, colored, total int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			total++
			if r < 245 || g < 245 || bl < 245 {
				inked++
			}
			if max(r, g, bl)-min(r, g, bl) > 80 {
				colored++
			}
		}
	}
	return inked, colored, total
}
