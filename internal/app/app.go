// Package app wires Tandem together: configuration → database → job queue → domain
// services → HTTP (API and UI). cmd/tandem and the end-to-end tests both start the
// product through it, so what is tested is what runs.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tandemprm/tandem/internal/actionlink"
	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/application"
	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/jobs"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/offboard"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/platform/config"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/server"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/web"
	"github.com/tandemprm/tandem/internal/workspace"
)

// App is a running Tandem process's parts.
type App struct {
	Config   config.Config
	DB       *store.DB
	Jobs     *jobs.Queue
	Server   *server.Server
	API      *api.Router
	UI       *web.UI
	Identity *identity.Service
	// Links issues and checks signed action links (used by registration and
	// acknowledgement pages).
	Links *actionlink.Service
	// Registrations is deal registration: intake, uniqueness test, review, timers.
	Registrations *registration.Service
	// Conflicts detects channel conflicts and keeps their cases.
	Conflicts *conflictcase.Service
	// Program is the partner program: tiers and tier reviews.
	Program *program.Service
	// Certifications are the workspace's certification catalogue and the
	// certifications partners and their people hold.
	Certifications *certification.Service
	Logger         *slog.Logger
	Version        string
	// DemoLoaded is true when this start loaded the demo workspace.
	DemoLoaded bool
}

// Open connects to the database, migrates it, loads the demo workspace into an empty
// database when configured to, and builds the HTTP handler. It does not listen yet.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger, version string) (*App, error) {
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Logger: logger, Version: version}
	if err := a.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	if _, err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	if a.Config.Demo {
		n, err := a.DB.CountWorkspaces(ctx)
		if err != nil {
			return fmt.Errorf("check for an empty database: %w", err)
		}
		if n == 0 {
			if _, err := demo.Load(ctx, a.DB); err != nil {
				return err
			}
			a.DemoLoaded = true
		}
	}
	deliver, smtpOn, err := newDeliverer(a.Config.SMTP, a.Logger.With("component", "email"))
	if err != nil {
		return err
	}
	now := time.Now
	workers := river.NewWorkers()
	river.AddWorker(workers, &pruneWorker{db: a.DB})
	river.AddWorker(workers, &sendWorker{db: a.DB, deliver: deliver, now: now})
	regStore := store.Registrations{DB: a.DB}
	a.Program = &program.Service{Store: store.Program{DB: a.DB}, Now: now}
	river.AddWorker(workers, &tierReviewWorker{svc: a.Program, db: a.DB})
	a.Certifications = &certification.Service{Store: store.Certifications{DB: a.DB}, Now: now, Mail: renderer{}, BaseURL: a.Config.BaseURL}
	river.AddWorker(workers, &certificationRemindWorker{svc: a.Certifications, db: a.DB})
	a.Registrations = &registration.Service{Store: regStore, Finder: registration.NewFinder(regStore, match.DefaultConfig()),
		Mail: renderer{}, Now: now, BaseURL: a.Config.BaseURL, TierRanks: a.Program.TierRanks, Certifications: a.Certifications}
	river.AddWorker(workers, &tickWorker[registration.TimerArgs]{tick: a.Registrations.Tick})
	river.AddWorker(workers, &sweepWorker{svc: a.Registrations, src: regStore})
	pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: now, Mail: renderer{}, BaseURL: a.Config.BaseURL}
	a.Registrations.FirstStage = pipe.FirstStage
	river.AddWorker(workers, &tickWorker[pipeline.FollowUpArgs]{tick: pipe.FollowUpTick})
	river.AddWorker(workers, &tickWorker[pipeline.MilestoneArgs]{tick: pipe.NudgeTick})
	river.AddWorker(workers, &tickWorker[pipeline.RenewalArgs]{tick: pipe.RenewalTick})
	river.AddWorker(workers, &pipelineSweepWorker{svc: pipe, src: store.Pipeline{DB: a.DB}})
	a.Conflicts = &conflictcase.Service{Store: store.ConflictCases{DB: a.DB}, Now: now, Duplicates: duplicateAccounts(a.Registrations.Finder, regStore)}
	river.AddWorker(workers, &conflictSweepWorker{svc: a.Conflicts, now: now})
	river.AddWorker(workers, &conflictSweepAllWorker{svc: a.Conflicts, db: a.DB, now: now})
	q, err := jobs.New(a.DB, jobs.Options{
		Workers:    workers,
		MaxWorkers: a.Config.JobWorkers,
		Logger:     a.Logger.With("component", "jobs"),
		Periodic: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return pruneArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return sweepArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return pipelineSweepArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(conflictSweepEvery), func() (river.JobArgs, *river.InsertOpts) {
				return conflictcase.SweepAllArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(tierReviewEvery), func() (river.JobArgs, *river.InsertOpts) {
				return tierReviewArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(certificationRemindEvery), func() (river.JobArgs, *river.InsertOpts) {
				return certificationRemindArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return err
	}
	a.Jobs = q
	a.DB.SetJobs(q)
	secure := strings.HasPrefix(a.Config.BaseURL, "https://")
	partners := &partner.Service{Store: store.Partners{DB: a.DB}, Now: now, CheckTier: a.Program.CheckTier}
	offboarder := &offboard.Service{Store: store.Offboarding{DB: a.DB}, Now: now}
	partners.Offboard = func(ctx context.Context, actor policy.Actor, actorName, id, rationale string) error {
		_, err := offboarder.Offboard(ctx, actor, actorName, id, offboard.Input{Reason: rationale, Confirmed: true})
		return err
	}
	a.Identity = identity.NewService(store.Identity{DB: a.DB}, renderer{}, now, a.Config.BaseURL)
	a.Server = server.New(server.Options{DB: a.DB, Jobs: q, Logger: a.Logger, MaxBodyBytes: a.Config.MaxBodyBytes,
		BodyLimit: uploadLimit, Secure: secure})
	a.API = api.NewRouter(a.Server.Mux, a.DB, authenticator(a.Identity), now)
	api.RegisterIndex(a.API, a.Version)
	segments := &partner.Segments{Store: store.Segments{DB: a.DB}, Partners: store.Partners{DB: a.DB}, Now: now}
	api.RegisterPartners(a.API, partners, segments)
	api.RegisterExclusivity(a.API, partners)
	api.RegisterSegments(a.API, segments)
	partnerContacts := &partner.Contacts{Store: store.PartnerContacts{DB: a.DB}, Partners: store.Partners{DB: a.DB}, Invite: partnerInviter{a.Identity}, Now: now}
	api.RegisterPartnerContacts(a.API, partnerContacts, partners)
	api.RegisterIdentity(a.API, a.Identity, a.DB)
	workspaces := &workspace.Service{Store: a.DB, Now: now}
	api.RegisterWorkspace(a.API, workspaces)
	notifications := &notify.Service{Store: store.Notifications{DB: a.DB}, Now: now}
	api.RegisterNotifications(a.API, notifications)
	api.RegisterRegistrations(a.API, a.Registrations)
	api.RegisterConflicts(a.API, a.Conflicts)
	api.RegisterRegistrationSettings(a.API, a.Registrations)
	api.RegisterPipeline(a.API, pipe)
	api.RegisterAttachments(a.API, pipe)
	api.RegisterAccountsIO(a.API, pipe)
	api.RegisterPipelineSettings(a.API, pipe)
	api.RegisterStageModels(a.API, pipe)
	api.RegisterProgram(a.API, a.Program)
	api.RegisterCertifications(a.API, a.Certifications)
	api.RegisterOffboard(a.API, offboarder)
	applications := &application.Service{Store: store.Applications{DB: a.DB}, Identity: a.Identity, Mail: renderer{}, Now: now, BaseURL: a.Config.BaseURL,
		EntryTier: func(ctx context.Context, workspaceID string) (string, error) {
			set, err := a.Program.Settings(ctx, workspaceID)
			if err != nil || len(set.Tiers) == 0 {
				return "", err
			}
			return set.Sorted()[0].Name, nil
		}}
	api.RegisterApplications(a.API, applications)
	cookieKey, err := a.DB.DeploymentKey(ctx, "browser-state", 32, rand.Read, now())
	if err != nil {
		return err
	}
	linkKey, err := a.DB.DeploymentKey(ctx, "action-links", 32, rand.Read, now())
	if err != nil {
		return err
	}
	keys, err := signedlink.NewKeyring(signedlink.Key{ID: "k1", Secret: linkKey})
	if err != nil {
		return err
	}
	a.Links = &actionlink.Service{Store: store.ActionLinks{DB: a.DB}, Keys: keys, Now: now, BaseURL: a.Config.BaseURL}
	a.UI, err = web.New(web.Options{BaseURL: a.Config.BaseURL, CookieKey: cookieKey, DB: a.DB, Partners: partners, Contacts: partnerContacts, Segments: segments, Views: &partner.Views{Store: store.Segments{DB: a.DB}, Now: now}, Identity: a.Identity, Workspaces: workspaces, Notify: notifications, Version: a.Version, Logger: a.Logger,
		Registrations: a.Registrations, Links: a.Links, Conflicts: a.Conflicts, Pipeline: pipe, Program: a.Program, Certifications: a.Certifications, Offboard: offboarder, Applications: applications,
		PublicRegistration: &registration.Public{Store: store.Registrations{DB: a.DB}, Links: a.Links, Mail: renderer{}, Now: now, BaseURL: a.Config.BaseURL},
		Secure:             secure, SMTPConfigured: smtpOn})
	if err != nil {
		return fmt.Errorf("load page templates: %w", err)
	}
	a.UI.Register(a.Server.Mux)
	return nil
}

// Run starts the job queue and serves HTTP on ln until ctx is cancelled; then it stops
// taking requests and jobs and gives running ones the configured time to finish.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	go a.warmIndexes(ctx)
	serveErr := a.Server.Run(ctx, ln, a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	jobErr := a.Jobs.Stop(sctx)
	return errors.Join(serveErr, jobErr)
}

// warmIndexes builds every workspace's company index in the background, so that the
// first registration after a start does not wait for it (about 20 s at a million
// accounts). A failure is logged; the index is then built at first use.
func (a *App) warmIndexes(ctx context.Context) {
	ids, err := a.DB.WorkspaceIDs(ctx)
	if err != nil {
		a.Logger.WarnContext(ctx, "company index not warmed", "error", err.Error())
		return
	}
	for _, id := range ids {
		start := time.Now()
		if err := a.Registrations.Finder.Warm(ctx, id); err != nil {
			if ctx.Err() != nil {
				return
			}
			// The index builds on first use instead; the other workspaces still warm.
			a.Logger.WarnContext(ctx, "company index not warmed", "workspace", id, "error", err.Error())
			continue
		}
		a.Logger.InfoContext(ctx, "company index ready", "workspace", id, "records", a.Registrations.Finder.Len(id), "took", time.Since(start).Round(time.Millisecond).String())
	}
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// tickWorker runs one kind of timer job through its service's tick: registration
// timers (review reminders and escalations, protection reminders, expiry, extensions
// and flags), meeting follow-ups, milestone nudges and renewal confirmations. A tick
// that finds itself early is snoozed until its time.
type tickWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	tick func(context.Context, T) error
}

func (w *tickWorker[T]) Work(ctx context.Context, j *river.Job[T]) error {
	err := w.tick(ctx, j.Args)
	var early *registration.EarlyError
	if errors.As(err, &early) {
		return river.JobSnooze(early.Wait)
	}
	var pearly *pipeline.EarlyError
	if errors.As(err, &pearly) {
		return river.JobSnooze(pearly.Wait)
	}
	return err
}

// pipelineSweepArgs is the periodic safety net for pipeline timers whose job was lost.
type pipelineSweepArgs struct{}

func (pipelineSweepArgs) Kind() string { return "pipeline_timer_sweep" }

type pipelineSweepWorker struct {
	river.WorkerDefaults[pipelineSweepArgs]
	svc *pipeline.Service
	src interface {
		pipeline.FollowUpSource
		pipeline.MilestoneSource
		pipeline.RenewalSource
	}
}

// Work runs follow-up checks and milestone nudges overdue by more than a minute (a
// live job would have run them).
func (w *pipelineSweepWorker) Work(ctx context.Context, _ *river.Job[pipelineSweepArgs]) error {
	_, err := w.svc.SweepFollowUps(ctx, w.src, time.Minute)
	_, merr := w.svc.SweepMilestones(ctx, w.src, time.Minute)
	_, rerr := w.svc.SweepRenewals(ctx, w.src, time.Minute)
	return errors.Join(err, merr, rerr)
}

// sweepArgs is the periodic safety net for registration timers whose job was lost.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "registration_timer_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	svc *registration.Service
	src registration.TimerSource
}

// Work runs timers overdue by more than a minute (a live job would have run them).
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	_, err := w.svc.Sweep(ctx, w.src, time.Minute)
	return err
}

// conflictSweepEvery is how often every workspace is searched for conflicts; a
// registration that may collide also triggers a sweep of its workspace at once.
const conflictSweepEvery = 15 * time.Minute

type conflictSweepWorker struct {
	river.WorkerDefaults[conflictcase.SweepArgs]
	svc *conflictcase.Service
	now func() time.Time
}

func (w *conflictSweepWorker) Work(ctx context.Context, j *river.Job[conflictcase.SweepArgs]) error {
	_, err := w.svc.Sweep(ctx, j.Args.WorkspaceID, w.now().Add(-2*conflictSweepEvery))
	return err
}

type conflictSweepAllWorker struct {
	river.WorkerDefaults[conflictcase.SweepAllArgs]
	svc *conflictcase.Service
	db  *store.DB
	now func() time.Time
}

// Work sweeps every workspace; duplicate accounts are looked for among the accounts
// changed since two sweeps ago.
func (w *conflictSweepAllWorker) Work(ctx context.Context, _ *river.Job[conflictcase.SweepAllArgs]) error {
	return eachWorkspace(ctx, w.db, func(ctx context.Context, id string) error {
		_, err := w.svc.Sweep(ctx, id, w.now().Add(-2*conflictSweepEvery))
		return err
	})
}

// eachWorkspace runs fn for every workspace; a failure in one does not stop the
// others, and every failure is returned, each named by its workspace.
func eachWorkspace(ctx context.Context, db *store.DB, fn func(ctx context.Context, workspaceID string) error) error {
	ids, err := db.WorkspaceIDs(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := fn(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// duplicateAccounts finds, among the accounts changed since a time, those the company
// matcher takes for another account of the workspace.
func duplicateAccounts(f *registration.Finder, src registration.MatchSource) func(context.Context, string, time.Time) ([]conflictcase.DuplicatePair, error) {
	return func(ctx context.Context, workspaceID string, since time.Time) ([]conflictcase.DuplicatePair, error) {
		recs, err := src.MatchRecordsSince(ctx, workspaceID, since, "", 5000)
		if err != nil {
			return nil, err
		}
		seen := map[[2]string]bool{}
		var out []conflictcase.DuplicatePair
		for _, rec := range recs {
			if !strings.HasPrefix(rec.ID, "acc_") || !rec.Active {
				continue
			}
			hits, err := f.Find(ctx, workspaceID, rec.Record)
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				if h.Decision != match.Match || !strings.HasPrefix(h.ID, "acc_") || h.ID == rec.ID {
					continue
				}
				a, b := min(rec.ID, h.ID), max(rec.ID, h.ID)
				if seen[[2]string{a, b}] {
					continue
				}
				seen[[2]string{a, b}] = true
				out = append(out, conflictcase.DuplicatePair{A: a, B: b, Score: h.Score, Reasons: h.Reasons})
			}
		}
		return out, nil
	}
}

// pruneArgs is the hourly sweep that forgets old idempotency keys.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_idempotency_keys" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	db *store.DB
}

// Work deletes idempotency records older than a day: a client retrying later than
// that is making a new request.
func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	_, err := w.db.PruneIdempotencyKeys(ctx, time.Now().Add(-24*time.Hour))
	return err
}

// UploadBytes is the largest request body of an attachment upload: the largest file
// with room for the form around it.
const UploadBytes = pipeline.MaxAttachmentBytes + 1<<20

// uploadRoute matches the paths attachments are uploaded to: the API's and the
// console's and portal's opportunity pages.
var uploadRoute = regexp.MustCompile(`^/(api/v1/opportunities/[^/]+|w/[^/]+/(portal/)?pipeline/[^/]+)/attachments$`)

// uploadLimit lets attachment uploads carry a file; every other request keeps the
// configured body limit (as do uploads, when that is larger).
func uploadLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && uploadRoute.MatchString(r.URL.Path) {
		return UploadBytes
	}
	return 0
}
