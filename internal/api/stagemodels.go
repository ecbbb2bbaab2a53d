package api

import (
	"net/http"
	"time"

	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// stageModelJSON is one motion's stage model as the API shows it (vendor people who
// may read settings only).
type stageModelJSON struct {
	Motion       string                     `json:"motion"`
	Custom       bool                       `json:"custom"`
	Version      int                        `json:"version"`
	UpdatedAt    *time.Time                 `json:"updated_at"`
	UpdatedBy    string                     `json:"updated_by"`
	Stages       []stage.Stage              `json:"stages"`
	WonAt        string                     `json:"won_at"`
	LostCriteria []stage.Criterion          `json:"lost_criteria"`
	Occupancy    map[string]stage.Occupancy `json:"occupancy"`
}

func toStageModelJSON(m pipeline.StageModel) stageModelJSON {
	out := stageModelJSON{Motion: string(m.Motion), Custom: m.Custom, Version: m.Version, UpdatedAt: timePtr(m.UpdatedAt), UpdatedBy: m.UpdatedBy,
		Stages: m.Stages, WonAt: m.WonAt, LostCriteria: m.LostCriteria, Occupancy: m.Occupancy}
	if out.WonAt == "" && len(m.Stages) > 0 {
		out.WonAt = m.Stages[len(m.Stages)-1].Key
	}
	if out.LostCriteria == nil {
		out.LostCriteria = []stage.Criterion{}
	}
	if out.Occupancy == nil {
		out.Occupancy = map[string]stage.Occupancy{}
	}
	return out
}

// RegisterStageModels adds the workspace's stage models per motion (SPEC G1) to the
// API: read them all or one, replace one, or put one back on its default.
func RegisterStageModels(rt *Router, svc *pipeline.Service) {
	rt.Handle("GET", "/api/v1/pipeline/stage-models", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ms, err := svc.StageModels(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		out := make([]stageModelJSON, len(ms))
		for i, m := range ms {
			out[i] = toStageModelJSON(m)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": out})
		return nil
	})
	rt.Handle("GET", "/api/v1/pipeline/stage-models/{motion}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		m, err := svc.StageModel(r.Context(), p.Actor, tandem.Motion(r.PathValue("motion")))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toStageModelJSON(m))
		return nil
	})
	rt.Handle("PUT", "/api/v1/pipeline/stage-models/{motion}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Motion       string            `json:"motion"`
			Stages       []stage.Stage     `json:"stages"`
			WonAt        string            `json:"won_at"`
			LostCriteria []stage.Criterion `json:"lost_criteria"`
			Version      int               `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		motion := tandem.Motion(r.PathValue("motion"))
		m, err := svc.SaveStageModel(r.Context(), p.Actor, p.Name, motion,
			stage.Model{Motion: tandem.Motion(in.Motion), Stages: in.Stages, WonAt: in.WonAt, LostCriteria: in.LostCriteria}, in.Version)
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, toStageModelJSON(m))
		return nil
	})
	rt.Handle("POST", "/api/v1/pipeline/stage-models/{motion}/reset", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Version int `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		m, err := svc.ResetStageModel(r.Context(), p.Actor, p.Name, tandem.Motion(r.PathValue("motion")), in.Version)
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, toStageModelJSON(m))
		return nil
	})
}
