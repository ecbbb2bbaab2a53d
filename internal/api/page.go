package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Pagination limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// List is the envelope of every list response: one page of items and the cursor of
// the next page, empty on the last page.
type List[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

// PageParams reads ?limit= and ?cursor= into a keyset page request.
func PageParams(r *http.Request) (store.Page, error) {
	pg := store.Page{Limit: DefaultLimit}
	var p tandem.Problems
	if n, err := limitParam(r, DefaultLimit, MaxLimit); err != nil {
		p = append(p, tandem.FieldsOf(err)...)
	} else {
		pg.Limit = n
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) == 0 || len(b) > 200 {
			p.Add("cursor", "is not a cursor this API returned; start again without it")
		}
		pg.After = string(b)
	}
	return pg, p.Err("The page parameters are not valid.")
}

// limitParam reads ?limit=, a whole number from 1 to max; def when it is absent.
func limitParam(r *http.Request, def, max int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, invalidParam("limit", fmt.Sprintf("must be a whole number from 1 to %d", max))
	}
	return n, nil
}

// NewList builds a list response; lastID is the id of the last item when more follow.
func NewList[T any](items []T, more bool, lastID func(T) string) List[T] {
	l := List[T]{Data: items}
	if l.Data == nil {
		l.Data = []T{}
	}
	if more && len(items) > 0 {
		l.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(lastID(items[len(items)-1])))
	}
	return l
}
