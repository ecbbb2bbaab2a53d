package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

// StoredModel is a workspace's saved stage model of one motion as the store keeps it.
type StoredModel struct {
	Motion tandem.Motion
	// Raw is the model as JSON; empty after a reset to the default.
	Raw       []byte
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// StageModelWrite saves one motion's stage model in one transaction with its audit
// entry.
type StageModelWrite struct {
	WorkspaceID string
	Motion      tandem.Motion
	// Raw is the model as JSON, or empty to go back to the default.
	Raw []byte
	// Expected is the stored version the change was made to (0: none stored yet);
	// the write stores Expected+1 and fails with a conflict when the stored version
	// moved on.
	Expected  int
	UpdatedAt time.Time
	UpdatedBy string
	// Check judges the change against the motion's opportunities as counted inside
	// the write's transaction, after it has shut out concurrent stage moves of the
	// motion; an error from it fails the write and nothing is saved. Nil: no check.
	Check func(occupancy map[string]stage.Occupancy) error
	Audit audit.Entry
}

// Models are the stage models a workspace's opportunities follow, one per motion.
// Read them once per request with Service.Models; a motion the workspace never edited
// has its default.
type Models map[tandem.Motion]stage.Model

// Model returns the model of motion m, and false for an unknown motion.
func (ms Models) Model(m tandem.Motion) (stage.Model, bool) {
	md, ok := ms[m]
	return md, ok
}

// Label returns the display name of stage key in motion m's model (see
// stage.Model.Label), or key itself when there is no such model or stage.
func (ms Models) Label(m tandem.Motion, key string) string {
	if md, ok := ms[m]; ok {
		return md.Label(key)
	}
	if key == stage.Lost {
		return stage.Model{}.Label(key)
	}
	return key
}

// Models returns the stage model of every motion as the workspace has it: its own
// where it saved one, the default otherwise. It reads the database every time, so
// every replica sees a change as soon as it commits; callers that need the models
// several times while answering one request keep the result for that request.
func (s *Service) Models(ctx context.Context, workspaceID string) (Models, error) {
	out := Models{}
	for _, d := range stage.Defaults() {
		out[d.Motion] = d
	}
	stored, err := s.Store.StageModels(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		md, custom, err := parseStored(st)
		if err != nil {
			return nil, fmt.Errorf("stage model of workspace %s: %w", workspaceID, err)
		}
		if custom {
			out[st.Motion] = md
		}
	}
	return out, nil
}

// parseStored reads a stored model; custom is false when the row says "the default".
func parseStored(st StoredModel) (md stage.Model, custom bool, err error) {
	if len(st.Raw) == 0 {
		md, _ = stage.Default(st.Motion)
		return md, false, nil
	}
	md, err = stage.ParseModel(st.Raw)
	if err != nil {
		return stage.Model{}, false, fmt.Errorf("%s: %w", st.Motion, err)
	}
	if md.Motion != st.Motion {
		return stage.Model{}, false, fmt.Errorf("%s: the stored model is of motion %s", st.Motion, md.Motion)
	}
	return md, true, nil
}

// model returns the stage model an opportunity of motion m follows in the workspace,
// or an invalid error naming "motion" for an unknown motion. Every rule that needs a
// workspace's model reads it here.
func (s *Service) model(ctx context.Context, workspaceID string, m tandem.Motion) (stage.Model, error) {
	md, _, err := s.modelAt(ctx, workspaceID, m)
	return md, err
}

// modelAt returns motion m's model in the workspace and the version of the stored row
// it came from (0 while the motion was never edited). A write that placed an
// opportunity in a stage judged by this model carries the version (Write.ModelVersion),
// so it fails instead of committing into a stage a concurrent edit removed.
func (s *Service) modelAt(ctx context.Context, workspaceID string, m tandem.Motion) (stage.Model, int, error) {
	if _, err := tandem.ParseMotion(string(m)); err != nil {
		return stage.Model{}, 0, tandem.Invalid("The opportunity is not valid.", tandem.FieldError{Path: "motion",
			Detail: fmt.Sprintf("unknown motion %q: use one of referral, resale, marketplace, services, tech", m)})
	}
	md, _ := stage.Default(m)
	stored, err := s.Store.StageModels(ctx, workspaceID)
	if err != nil {
		return stage.Model{}, 0, err
	}
	for _, st := range stored {
		if st.Motion != m {
			continue
		}
		custom, isCustom, err := parseStored(st)
		if err != nil {
			return stage.Model{}, 0, fmt.Errorf("stage model of workspace %s: %w", workspaceID, err)
		}
		if isCustom {
			md = custom
		}
		return md, st.Version, nil
	}
	return md, 0, nil
}

// FirstStage returns the key of the first stage of motion m's model in the workspace:
// where a new opportunity starts, such as one converted from a registration; and the
// version of the model it was read from, for the write to check (Write.ModelVersion).
func (s *Service) FirstStage(ctx context.Context, workspaceID string, m tandem.Motion) (string, int, error) {
	md, version, err := s.modelAt(ctx, workspaceID, m)
	if err != nil {
		return "", 0, err
	}
	return md.Stages[0].Key, version, nil
}

// StageModel is one motion's stage model as the people who edit it see it.
type StageModel struct {
	stage.Model
	// Custom is false while the workspace uses the default model of the motion.
	Custom bool
	// Version is what a save must name (0 while nothing was ever saved).
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
	// Occupancy counts the motion's open and won opportunities by stage key, which
	// says which stages cannot be removed.
	Occupancy map[string]stage.Occupancy
}

func parseMotion(m tandem.Motion) error {
	if _, err := tandem.ParseMotion(string(m)); err != nil {
		return &tandem.Error{Kind: tandem.KindNotFound, Message: fmt.Sprintf("There is no motion %q: use referral, resale, marketplace, services or tech.", m)}
	}
	return nil
}

// current reads one motion's stage model with its version and occupancy.
func (s *Service) current(ctx context.Context, workspaceID string, m tandem.Motion) (StageModel, error) {
	stored, err := s.Store.StageModels(ctx, workspaceID)
	if err != nil {
		return StageModel{}, err
	}
	d, _ := stage.Default(m)
	out := StageModel{Model: d}
	for _, st := range stored {
		if st.Motion != m {
			continue
		}
		md, custom, err := parseStored(st)
		if err != nil {
			return StageModel{}, fmt.Errorf("stage model of workspace %s: %w", workspaceID, err)
		}
		out = StageModel{Model: md, Custom: custom, Version: st.Version, UpdatedAt: st.UpdatedAt, UpdatedBy: st.UpdatedBy}
	}
	if out.Occupancy, err = s.Store.StageOccupancy(ctx, workspaceID, m); err != nil {
		return StageModel{}, err
	}
	return out, nil
}

// StageModel returns motion m's stage model in the actor's workspace, to someone who
// may read the workspace's settings. An unknown motion is not found.
func (s *Service) StageModel(ctx context.Context, actor policy.Actor, m tandem.Motion) (StageModel, error) {
	if err := policy.Authorize(actor, policy.Read, resource(policy.Settings, actor, "")); err != nil {
		return StageModel{}, err
	}
	if err := parseMotion(m); err != nil {
		return StageModel{}, err
	}
	return s.current(ctx, actor.WorkspaceID, m)
}

// StageModels returns the stage model of every motion, in tandem.Motions order (see
// StageModel).
func (s *Service) StageModels(ctx context.Context, actor policy.Actor) ([]StageModel, error) {
	if err := policy.Authorize(actor, policy.Read, resource(policy.Settings, actor, "")); err != nil {
		return nil, err
	}
	out := make([]StageModel, 0, len(tandem.Motions))
	for _, m := range tandem.Motions {
		sm, err := s.current(ctx, actor.WorkspaceID, m)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, nil
}

// SaveStageModel replaces motion m's stage model in the actor's workspace by next,
// made to the stored version (0 while the default is in use; another version is a
// conflict carrying the current model, see CurrentOf). next is validated as a whole
// (stage.Model.Validate, every problem with its field path), and then refused with a
// conflict naming each stage and its count when it removes, or renames the key of, a
// stage open opportunities are in, or moves the won stage across stages that hold
// opportunities (stage.CheckReplace). Reordering, relabelling and editing exit
// criteria are always allowed; the next stage change of every opportunity is judged
// by the saved model. Audited with the models before and after; saving what is
// already stored changes nothing.
func (s *Service) SaveStageModel(ctx context.Context, actor policy.Actor, actorName string, m tandem.Motion, next stage.Model, version int) (StageModel, error) {
	return s.replaceModel(ctx, actor, actorName, m, &next, version)
}

// ResetStageModel puts motion m back on its default model, with the same version
// rule and the same refusals as SaveStageModel.
func (s *Service) ResetStageModel(ctx context.Context, actor policy.Actor, actorName string, m tandem.Motion, version int) (StageModel, error) {
	return s.replaceModel(ctx, actor, actorName, m, nil, version)
}

func (s *Service) replaceModel(ctx context.Context, actor policy.Actor, actorName string, m tandem.Motion, next *stage.Model, version int) (StageModel, error) {
	if err := policy.Authorize(actor, policy.Update, resource(policy.Settings, actor, "")); err != nil {
		return StageModel{}, err
	}
	if err := parseMotion(m); err != nil {
		return StageModel{}, err
	}
	var raw []byte
	if next == nil {
		d, _ := stage.Default(m)
		next = &d
	} else {
		if next.Motion == "" {
			next.Motion = m
		}
		if next.Motion != m {
			return StageModel{}, tandem.Invalid("The stage model is not valid.", tandem.FieldError{Path: "motion", Detail: fmt.Sprintf("must be %s, the motion being edited", m)})
		}
		if err := next.Validate(); err != nil {
			return StageModel{}, err
		}
		var err error
		if raw, err = json.Marshal(next); err != nil {
			return StageModel{}, fmt.Errorf("encode stage model: %w", err)
		}
	}
	if version < 0 {
		return StageModel{}, tandem.Invalid("The stage model is not valid.", tandem.FieldError{Path: "version", Detail: "must be the version you last read"})
	}
	cur, err := s.current(ctx, actor.WorkspaceID, m)
	if err != nil {
		return StageModel{}, err
	}
	if cur.Version != version {
		return StageModel{}, stale("stage model", cur, cur.Version)
	}
	change := stage.Compare(cur.Model, *next)
	if change.Empty() && cur.Custom == (raw != nil) {
		return cur, nil
	}
	if err := stage.CheckReplace(cur.Model, *next, cur.Occupancy); err != nil {
		return StageModel{}, err
	}
	now := s.Now().UTC()
	what := change.String()
	if raw == nil {
		what = "back to the default; " + what
	}
	e := audit.New(ctx, actor, actorName, now, "workspace.stage_model", "workspace", actor.WorkspaceID,
		map[string]any{"motion": m, "custom": cur.Custom, "model": cur.Model}, map[string]any{"motion": m, "custom": raw != nil, "model": *next},
		m.Label()+" stages: "+what)
	w := StageModelWrite{WorkspaceID: actor.WorkspaceID, Motion: m, Raw: raw, Expected: version, UpdatedAt: now, UpdatedBy: actorName,
		Audit: e, Check: func(occ map[string]stage.Occupancy) error { return stage.CheckReplace(cur.Model, *next, occ) }}
	if err := s.Store.SaveStageModel(ctx, w); err != nil {
		if tandem.KindOf(err) == tandem.KindConflict {
			if again, rerr := s.current(ctx, actor.WorkspaceID, m); rerr == nil && again.Version != version {
				return StageModel{}, stale("stage model", again, again.Version)
			}
		}
		return StageModel{}, err
	}
	return StageModel{Model: *next, Custom: raw != nil, Version: version + 1, UpdatedAt: now, UpdatedBy: actorName,
		Occupancy: maps.Clone(cur.Occupancy)}, nil
}
