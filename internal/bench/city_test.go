package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/store/storetest"
)

// TestCityDeliversEveryChannel runs the city benchmark small: three node
// processes and four channels, two of them starting with a full pass, and
// checks that every change arrived and every target equals its source.
func TestCityDeliversEveryChannel(t *testing.T) {
	faultTest(t)
	bin, err := buildGovshare()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	o := CityOptions{Nodes: 3, Channels: 4, FullEvery: 2, FullRows: 2000, Rate: 40, Duration: 3 * time.Second,
		Poll: 100 * time.Millisecond, Self: bin, Target: Target{Database: storetest.PostgresSchema(t), Dir: t.TempDir()}}
	if err := City(ctx, o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"channels starved (a change not seen in the end, or lag p99 ≥ 3s): 0 of 4",
		"targets differing from their source: 0",
		"city-01  full+i node01→02",
		"city-02  incr   node02→00",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
