package audit

import (
	"encoding/csv"
	"io"
	"net/url"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// ParseFilter reads a filter from query parameters: actor, action, subject_type,
// subject_id, and from/to as dates (YYYY-MM-DD, UTC; "to" includes its whole day).
func ParseFilter(q url.Values) (Filter, error) {
	f := Filter{ActorID: q.Get("actor"), Action: q.Get("action"), SubjectType: q.Get("subject_type"), SubjectID: q.Get("subject_id")}
	var p tandem.Problems
	if s := q.Get("from"); s != "" {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			p.Add("from", "must be a date such as 2026-11-24")
		}
		f.From = d
	}
	if s := q.Get("to"); s != "" {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			p.Add("to", "must be a date such as 2026-11-24")
		}
		f.To = d.Add(24 * time.Hour)
	}
	return f, p.Err("The filter is not valid.")
}

// WriteCSV writes a header row and then every entry that page yields, page after page
// (page gets the id of the last entry written, "" at first). Cells that a spreadsheet
// would run as formulas are prefixed with an apostrophe.
func WriteCSV(w io.Writer, page func(after string) ([]Entry, bool, error)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "at", "actor_type", "actor_id", "actor_name", "action", "subject_type", "subject_id", "changes", "rationale", "request_id", "ip"}); err != nil {
		return err
	}
	after := ""
	for {
		es, more, err := page(after)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := cw.Write([]string{e.ID, e.At.Format(time.RFC3339Nano), e.ActorType, e.ActorID, csvSafe(e.ActorName), e.Action,
				e.SubjectType, e.SubjectID, csvSafe(e.Changes), csvSafe(e.Rationale), e.RequestID, e.IP}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if !more || len(es) == 0 {
			return nil
		}
		after = es[len(es)-1].ID
	}
}

func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
