package benchdb

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Quantile returns the q-quantile of ds by nearest rank (0.5 the median, 1 the
// largest), or 0 when ds is empty. ds is sorted in place.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// Msec writes d in milliseconds with one decimal, as bench reports print timings.
func Msec(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
