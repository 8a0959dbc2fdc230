package app

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// TestGeoDemo starts the demo once: its layers answer under the grants
// over OGC API – Features and vector tiles, refuse the anonymous, the
// officers and an ungranted department, and the console's map draws them.
func TestGeoDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo platform")
	}
	p := start(t, "--data-dir", t.TempDir(), "--demo", "--demo-people", "0")
	if !strings.Contains(p.Stdout.String(), "Demo map (地理空间, synthetic): 4 layers") {
		t.Fatalf("demo output lacks the map line:\n%s", p.Stdout)
	}
	anon := &client{t: t, base: p.URL}
	for _, path := range []string{"/geo/collections", "/geo/collections/grid/items", "/geo/tiles/grid/10/833/429.mvt"} {
		if status, _ := anon.raw("GET", path, nil); status != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d, want 401", path, status)
		}
	}
	xzsp := login(t, p.URL, "xzsp.consumer", demo.Password)
	status, body := xzsp.do("GET", "/geo/collections/grid/items?bbox=113.0,27.6,113.3,27.9&limit=5", nil)
	if status != http.StatusOK || body["type"] != "FeatureCollection" || body["numberReturned"] != float64(5) || body["numberMatched"].(float64) <= 5 {
		t.Fatalf("granted items: %d %v", status, body)
	}
	if status, raw := xzsp.raw("GET", "/geo/tiles/address/14/13361/6879.mvt", nil); status != http.StatusOK || len(raw) == 0 {
		t.Errorf("granted tile: %d, %d bytes", status, len(raw))
	}
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/geo/collections/grid/items?bbox=113,27,112,28", http.StatusBadRequest},
		{"/geo/collections/grid/items?limit=0", http.StatusBadRequest},
		{"/geo/collections/grid/items?bboxx=1", http.StatusBadRequest},
		{"/geo/tiles/grid/30/1/1.mvt", http.StatusBadRequest},
		{"/geo/collections/nosuch/items", http.StatusNotFound},
	} {
		if status, _ := xzsp.raw("GET", tt.path, nil); status != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, status, tt.want)
		}
	}
	for _, u := range []string{"admin", "secadmin", "auditor", "jyj.consumer"} {
		c := login(t, p.URL, u, demo.Password)
		if status, _ := c.raw("GET", "/geo/collections/grid/items", nil); status != http.StatusForbidden {
			t.Errorf("%s reads the grid layer: %d, want 403", u, status)
		}
	}
	if status, body := xzsp.do("POST", "/api/v1/geo/geocode", map[string]string{"address": "株洲市荷塘区演示1路1号"}); status != http.StatusOK ||
		body["division_code"] != "430202" || body["grid_code"] != "4302020001" {
		t.Errorf("geocode: %d %v", status, body)
	}

	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "xzsp.consumer")
	var tiles, errText string
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/map"), chromedp.WaitVisible(chromedp.CSS("#map-layer-grid"))), "open the map")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const d = document.getElementById("map").dataset; return [d.tiles || "", d.error || ""]; })()`))
		must(t, err, "read the map's state")
		tiles, errText = state[0], state[1]
		if n, _ := strconv.Atoi(tiles); n > 0 || errText != "" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { const m = window.govshareMap; if (!m || m.loaded()) return r(true); m.once("idle", () => r(true)); setTimeout(() => r(false), 5000); })`))
	screenshot(t, ctx, "map")
	if n, _ := strconv.Atoi(tiles); n == 0 || errText != "" {
		t.Fatalf("the map loaded %q tiles, error %q", tiles, errText)
	}
	if legend := textOf(t, ctx, "#map-layers"); !strings.Contains(legend, "网格") || !strings.Contains(legend, "标准地址") {
		t.Errorf("legend %q, want the Chinese layer names", legend)
	}
}
