package partner

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Cursor returns the keyset position just after p in a list sorted by s: p's id
// for the default order, otherwise an opaque token holding p's sort key and id.
func Cursor(p Partner, s Sort) string {
	var key string
	switch s {
	case SortCreated:
		return p.ID
	case SortName:
		key = p.Name
	case SortTier:
		key = p.Tier
	case SortFit:
		key = strconv.Itoa(p.Score())
	case SortUpdated:
		key = strconv.FormatInt(p.UpdatedAt.UnixMilli(), 10)
	}
	return "c." + base64.RawURLEncoding.EncodeToString([]byte(key+"\x00"+p.ID))
}

// Position is a decoded cursor: the sort key and id of the last partner seen. Key is
// empty for the default order; for fit and updated it is a decimal number.
type Position struct {
	Key, ID string
	Set     bool // false: start at the beginning
}

// ParseCursor decodes a cursor made by Cursor for the same sort; a cursor that does
// not decode is a KindInvalid error on "after".
func ParseCursor(s Sort, after string) (Position, error) {
	if after == "" {
		return Position{}, nil
	}
	bad := tandem.Invalid("The page cursor is not valid.", tandem.FieldError{Path: "after", Detail: "use the next cursor of the previous page, with the same sort"})
	if s == SortCreated {
		if strings.HasPrefix(after, "c.") {
			return Position{}, bad
		}
		return Position{ID: after, Set: true}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(after, "c."))
	if err != nil || !strings.HasPrefix(after, "c.") {
		return Position{}, bad
	}
	key, id, ok := strings.Cut(string(raw), "\x00")
	if !ok || id == "" {
		return Position{}, bad
	}
	if s == SortFit || s == SortUpdated {
		if _, err := strconv.ParseInt(key, 10, 64); err != nil {
			return Position{}, bad
		}
	}
	return Position{Key: key, ID: id, Set: true}, nil
}
