package benchdb

import (
	"testing"
	"time"
)

func TestQuantileIsTheNearestRank(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5}, {0.95, 10}, {0.1, 1}, {0, 1}, {1, 10}} {
		if got := Quantile(ds, c.q); got != c.want {
			t.Errorf("q %.2f: %d, want %d", c.q, got, c.want)
		}
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("an empty set has a quantile")
	}
}
