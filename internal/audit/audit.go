// Package audit describes the append-only record of every change and decision: who
// (actor and actor type), when, what (action and subject), the before/after
// difference, why (rationale) and from where (request id, IP). Services build entries
// with New and hand them to the store together with the change, which writes both in
// one transaction. There is no way to edit or delete an entry.
package audit

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"time"

	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Entry is one audit record.
type Entry struct {
	WorkspaceID string
	ID          string
	At          time.Time
	ActorType   string // user, partner_user, token, system, link
	ActorID     string
	ActorName   string
	Action      string // e.g. "partner.create", "user.deactivate"
	SubjectType string // e.g. "partner", "user"
	SubjectID   string
	Changes     string // JSON object: field → {"from": …, "to": …}; empty when nothing changed
	Rationale   string
	RequestID   string
	IP          string
}

// New returns an entry for actor doing action on a subject at now, with the request id
// and client IP taken from ctx and the difference between before and after (structs or
// maps; nil for a creation or deletion).
func New(ctx context.Context, actor policy.Actor, actorName string, now time.Time, action, subjectType, subjectID string, before, after any, rationale string) Entry {
	return Entry{
		WorkspaceID: actor.WorkspaceID,
		ID:          tandem.NewID("aud", now),
		At:          now.UTC(),
		ActorType:   string(actor.Kind),
		ActorID:     ActorID(actor),
		ActorName:   actorName,
		Action:      action,
		SubjectType: subjectType,
		SubjectID:   subjectID,
		Changes:     Diff(before, after),
		Rationale:   rationale,
		RequestID:   reqid.From(ctx),
		IP:          reqid.IPFrom(ctx),
	}
}

// ActorID names the actor in the log: the user for people, the token for tokens, the
// link for link holders and "system" for jobs.
func ActorID(a policy.Actor) string {
	switch a.Kind {
	case policy.ActorToken:
		return a.TokenID
	case policy.ActorSystem:
		return "system"
	case policy.ActorLink:
		if a.Link != nil {
			return "link:" + a.Link.LinkID
		}
		return "link"
	}
	return a.UserID
}

// Diff returns the fields that differ between before and after as a JSON object of
// {"field": {"from": old, "to": new}}, keys sorted, or "" when nothing differs. Values
// are compared after a JSON round trip, so structs diff by their JSON field names.
func Diff(before, after any) string {
	b, a := flatten(before), flatten(after)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		if !reflect.DeepEqual(b[k], a[k]) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	out := make(map[string]map[string]any, len(names))
	for _, k := range names {
		out[k] = map[string]any{"from": b[k], "to": a[k]}
	}
	j, err := json.Marshal(out)
	if err != nil {
		return `{"error":"changes could not be recorded"}`
	}
	return string(j)
}

func flatten(v any) map[string]any {
	if v == nil {
		return nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(j, &m) != nil {
		return map[string]any{"value": v}
	}
	return m
}

// Filter narrows an audit listing. Zero values do not filter.
type Filter struct {
	ActorID     string
	Action      string
	SubjectType string
	SubjectID   string
	From, To    time.Time // inclusive lower, exclusive upper bound on At
}
