package tandem

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new identifier: the prefix, an underscore, then 26 characters that
// sort in creation order (48 bits of milliseconds since 1970 followed by 80 random
// bits). Identifiers never reveal how many records exist and sort well in indexes, so
// keyset pagination by id lists records oldest first.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("tandem: no randomness available: " + err.Error())
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])[:26]
}
