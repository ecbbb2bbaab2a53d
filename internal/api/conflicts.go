package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/tandem"
)

// conflictJSON is a conflict case as the API shows it (internal callers only;
// partners never see cases).
type conflictJSON struct {
	ID             string              `json:"id"`
	Cause          string              `json:"cause"`
	Type           string              `json:"type"`
	Status         string              `json:"status"`
	Summary        string              `json:"summary"`
	Evidence       string              `json:"evidence"`
	Refs           []conflictcase.Ref  `json:"refs"`
	PartnerIDs     []string            `json:"partner_ids"`
	Direct         bool                `json:"direct_sales_involved"`
	Motion         string              `json:"motion,omitempty"`
	Region         string              `json:"region,omitempty"`
	OpenedAt       time.Time           `json:"opened_at"`
	AckDueAt       time.Time           `json:"acknowledge_by"`
	AcknowledgedAt *time.Time          `json:"acknowledged_at"`
	AcknowledgedBy string              `json:"acknowledged_by,omitempty"`
	PlanDueAt      time.Time           `json:"plan_by"`
	Plan           string              `json:"plan"`
	PlanAt         *time.Time          `json:"plan_at"`
	ResolvedAt     *time.Time          `json:"resolved_at"`
	ResolvedBy     string              `json:"resolved_by,omitempty"`
	Ruling         string              `json:"ruling"`
	Rationale      string              `json:"rationale"`
	Notes          []conflictcase.Note `json:"notes"`
	Version        int                 `json:"version"`
}

func toConflictJSON(c conflictcase.Case) conflictJSON {
	out := conflictJSON{ID: c.ID, Cause: string(c.Cause), Type: string(c.Type), Status: string(c.Status), Summary: c.Summary, Evidence: c.Evidence,
		Refs: c.Refs, PartnerIDs: c.PartnerIDs, Direct: c.Direct, Motion: string(c.Motion), Region: c.Region, OpenedAt: c.OpenedAt,
		AckDueAt: c.AckDueAt, AcknowledgedAt: timePtr(c.AcknowledgedAt), AcknowledgedBy: c.AcknowledgedBy, PlanDueAt: c.PlanDueAt,
		Plan: c.Plan, PlanAt: timePtr(c.PlanAt), ResolvedAt: timePtr(c.ResolvedAt), ResolvedBy: c.ResolvedBy, Ruling: c.Ruling,
		Rationale: c.Rationale, Notes: c.Notes, Version: c.Version}
	if out.Refs == nil {
		out.Refs = []conflictcase.Ref{}
	}
	if out.PartnerIDs == nil {
		out.PartnerIDs = []string{}
	}
	if out.Notes == nil {
		out.Notes = []conflictcase.Note{}
	}
	return out
}

// ConflictFilter reads ?status= (comma-separated) and ?cause=.
func ConflictFilter(r *http.Request) conflictcase.Filter {
	var f conflictcase.Filter
	for _, st := range strings.Split(r.URL.Query().Get("status"), ",") {
		if st = strings.TrimSpace(st); st != "" {
			f.Statuses = append(f.Statuses, conflictcase.Status(st))
		}
	}
	f.Cause = conflictcase.Cause(r.URL.Query().Get("cause"))
	return f
}

// Period reads ?from= and ?to= (YYYY-MM-DD, to inclusive); the default is the last
// 30 days up to now.
func Period(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	q := r.URL.Query()
	to, from := now, now.AddDate(0, 0, -30)
	var p tandem.Problems
	if s := q.Get("from"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p.Add("from", "must be a date written YYYY-MM-DD")
		}
		from = t
	}
	if s := q.Get("to"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p.Add("to", "must be a date written YYYY-MM-DD")
		}
		to = t.AddDate(0, 0, 1)
	}
	return from, to, p.Err("The period is not valid.")
}

// RegisterConflicts adds the conflict-case API.
func RegisterConflicts(rt *Router, svc *conflictcase.Service) {
	rt.Handle("GET", "/api/v1/conflicts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		cs, more, err := svc.List(r.Context(), p.Actor, ConflictFilter(r), pg.After, pg.Limit)
		if err != nil {
			return err
		}
		out := make([]conflictJSON, len(cs))
		for i, c := range cs {
			out[i] = toConflictJSON(c)
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(c conflictJSON) string { return c.ID }))
		return nil
	})
	rt.Handle("GET", "/api/v1/conflicts/metrics", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		from, to, err := Period(r, svc.Now())
		if err != nil {
			return err
		}
		m, err := svc.Metrics(r.Context(), p.Actor, from, to, func(id string) string { return id })
		if err != nil {
			return err
		}
		hours := func(d time.Duration) float64 { return float64(d.Round(time.Minute)) / float64(time.Hour) }
		WriteJSON(w, http.StatusOK, map[string]any{
			"from": m.From, "to": m.To, "opened": m.Opened, "registrations": m.Registrations, "rate_per_100_registrations": m.Rate,
			"resolved": m.Resolved, "acknowledged": m.Acknowledged, "acknowledged_in_time": m.AckMet,
			"hours_to_acknowledge": map[string]float64{"median": hours(m.AckMedian), "p90": hours(m.AckP90)},
			"hours_to_resolve":     map[string]float64{"median": hours(m.ResolveMedian), "p90": hours(m.ResolveP90)},
			"by_cause":             counts(m.ByCause), "by_type": counts(m.ByType), "by_motion": counts(m.ByMotion),
			"by_region": counts(m.ByRegion), "by_partner": counts(m.ByPartner),
		})
		return nil
	})
	rt.Handle("GET", "/api/v1/conflicts/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		c, err := svc.Get(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toConflictJSON(c))
		return nil
	})
	rt.Handle("POST", "/api/v1/conflicts/{id}/steps", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Step    string `json:"step"`
			Text    string `json:"text"`
			Ruling  string `json:"ruling"`
			Version int    `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.Act(r.Context(), p.Actor, p.Name, r.PathValue("id"), conflictcase.Step(in.Step), in.Text, in.Ruling, in.Version)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toConflictJSON(c))
		return nil
	})
}

func counts(cs []conflictcase.Count) []map[string]any {
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		out[i] = map[string]any{"key": c.Key, "count": c.N}
	}
	return out
}
