package registration

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// BatchStore saves many registrations in one transaction.
type BatchStore interface {
	// CreateRegistrations saves every registration with its effects, or none.
	CreateRegistrations(ctx context.Context, rs []Registration, fxs []Effects) error
}

// importColumns are the columns of a registration upload; partner_id is required for
// internal users and ignored (with the uploader's own organisation used) for partners.
var importColumns = []csvimport.Column{
	{Name: "partner_id", Aliases: []string{"partner"}},
	{Name: "customer_name", Required: true, Aliases: []string{"customer", "company"}},
	{Name: "customer_domain", Aliases: []string{"website", "domain"}},
	{Name: "customer_country", Aliases: []string{"country"}},
	{Name: "contact_name"},
	{Name: "contact_email"},
	{Name: "opportunity_name", Aliases: []string{"deal_name"}},
	{Name: "deal_size", Aliases: []string{"amount"}},
	{Name: "currency"},
	{Name: "expected_close_on", Aliases: []string{"close_date"}},
	{Name: "motion"},
	{Name: "products"},
	{Name: "description"},
	{Name: "proof"},
	{Name: "submitter_name"},
	{Name: "submitter_email"},
}

// ImportColumns lists the column names an upload may use, in order.
func ImportColumns() []string {
	out := make([]string, len(importColumns))
	for i, c := range importColumns {
		out[i] = c.Name
	}
	return out
}

// uploadColumns are importColumns and one column per workspace field, named
// "custom.<key>" and also accepted under the bare key when no standard column uses it.
func uploadColumns(set Settings) []csvimport.Column {
	cols := slices.Clone(importColumns)
	taken := map[string]bool{}
	for _, c := range importColumns {
		taken[c.Name] = true
		for _, a := range c.Aliases {
			taken[a] = true
		}
	}
	for _, f := range set.CustomFields {
		c := csvimport.Column{Name: "custom." + f.Key}
		if !taken[f.Key] {
			c.Aliases = []string{f.Key}
		}
		cols = append(cols, c)
	}
	return cols
}

func rowInput(row map[string]string) Input {
	var products []string
	for _, p := range strings.FieldsFunc(row["products"], func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			products = append(products, p)
		}
	}
	var custom map[string]string
	for k, v := range row {
		if key, ok := strings.CutPrefix(k, "custom."); ok && v != "" {
			if custom == nil {
				custom = map[string]string{}
			}
			custom[key] = v
		}
	}
	return Input{PartnerID: row["partner_id"], CustomerName: row["customer_name"], CustomerDomain: row["customer_domain"],
		CustomerCountry: row["customer_country"], ContactName: row["contact_name"], ContactEmail: row["contact_email"],
		OpportunityName: row["opportunity_name"], Amount: row["deal_size"], Currency: row["currency"], ExpectedCloseOn: row["expected_close_on"],
		Motion: strings.ToLower(strings.TrimSpace(row["motion"])), Products: products, Description: row["description"], Proof: row["proof"],
		SubmitterName: row["submitter_name"], SubmitterEmail: row["submitter_email"], Custom: custom}
}

// ImportResult is what an upload did.
type ImportResult struct {
	Report csvimport.Report
	// Registered lists the registrations created, in file order (none on a dry run).
	Registered []Registration
	// Colliding counts the registrations the uniqueness test found something for.
	Colliding int
}

// Import registers the deals of a CSV upload. Every row is checked first — the same
// checks as a single submission, partner eligibility included — and a dry run stops
// there with the report. Otherwise each row goes through the uniqueness test and the
// conflict policy in file order (later rows see earlier ones), and all registrations
// are saved in one transaction: with AllOrNothing (the default) any rejected row means
// nothing is registered; ValidRowsOnly registers the valid rows.
func (s *Service) Import(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt csvimport.Options) (ImportResult, error) {
	var owner []string
	if actor.IsPartner() {
		owner = []string{actor.PartnerID}
	}
	if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Registrations, WorkspaceID: actor.WorkspaceID, Partners: owner}); err != nil {
		return ImportResult{}, err
	}
	bs, ok := s.Store.(BatchStore)
	if !ok {
		return ImportResult{}, tandem.Errorf(tandem.KindInternal, "this store cannot import registrations")
	}
	ws, _, err := s.Store.Workspace(ctx, actor.WorkspaceID)
	if err != nil {
		return ImportResult{}, err
	}
	// The settings as a submission reads them: the program's tier ranks included.
	set, _, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return ImportResult{}, fmt.Errorf("registration settings of workspace %s: %w", ws.Slug, err)
	}
	partners := map[string]*partner.Partner{}
	var lookupErr error
	var terr *partner.Settings // the territories, when the workspace limits partners to theirs
	certErrs := map[[2]string]error{}
	if ts, ok := s.Store.(TerritorySource); ok && set.Eligibility.InTerritory {
		ps, err := ts.PartnerSettings(ctx, actor.WorkspaceID)
		if err != nil {
			return ImportResult{}, err
		}
		terr = &ps
	}
	schema := csvimport.Schema{Columns: uploadColumns(set), Validate: func(row map[string]string) tandem.Problems {
		in := rowInput(row)
		if actor.IsPartner() {
			in.PartnerID = actor.PartnerID
		}
		var probs tandem.Problems
		reg, err := normalize(in, ChannelCSV, set, ws.Currency)
		probs = append(probs, tandem.FieldsOf(err)...)
		if in.PartnerID == "" {
			return probs
		}
		p, seen := partners[in.PartnerID]
		if !seen {
			got, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, in.PartnerID)
			switch {
			case err == nil:
				p = &got
			case tandem.KindOf(err) != tandem.KindNotFound:
				lookupErr = err
			}
			partners[in.PartnerID] = p
		}
		if p == nil {
			return append(probs, tandem.FieldError{Path: "partner_id", Detail: "is not a partner of this workspace"})
		}
		if err := tierAllows(set, *p); err != nil {
			probs = append(probs, tandem.FieldError{Path: "partner_id", Detail: tandem.MessageOf(err)})
		}
		if terr != nil && len(p.Territories) > 0 {
			if ok, why := terr.InTerritory(*p, reg.CustomerCountry); !ok {
				probs = append(probs, tandem.FieldError{Path: "customer_country", Detail: why})
			}
		}
		if reg.Motion != "" {
			k := [2]string{p.ID, string(reg.Motion)}
			cerr, seen := certErrs[k]
			if !seen {
				cerr = s.certified(ctx, set, *p, reg.Motion)
				certErrs[k] = cerr // one lookup per partner and motion, however long the file
			}
			if err := cerr; err != nil {
				if tandem.KindOf(err) != tandem.KindForbidden {
					lookupErr = err
				}
				probs = append(probs, tandem.FieldError{Path: "partner_id", Detail: tandem.MessageOf(err)})
			}
			if err := eligible(*p, reg.Motion); err != nil {
				path := "motion"
				if tandem.KindOf(err) == tandem.KindForbidden {
					path = "partner_id"
				}
				detail := tandem.MessageOf(err)
				if fs := tandem.FieldsOf(err); len(fs) > 0 {
					detail = fs[0].Detail
				}
				probs = append(probs, tandem.FieldError{Path: path, Detail: detail})
			}
		}
		return probs
	}}
	plan, err := csvimport.Read(ctx, r, schema, opt)
	if lookupErr != nil {
		return ImportResult{}, lookupErr
	}
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Report: plan.Report}
	if dryRun {
		return res, nil
	}
	var rs []Registration
	var fxs []Effects
	batch := map[string]Registration{}
	defer func() {
		if len(res.Registered) == 0 {
			for _, x := range rs { // take back what the index was told about
				s.Finder.Note(x.WorkspaceID, MatchRecord{Record: x.matchRecord(), Active: false})
			}
		}
	}()
	err = plan.Commit(mode, func(line int, row map[string]string) error {
		in := rowInput(row)
		if actor.IsPartner() {
			in.PartnerID = actor.PartnerID
		}
		x, fx, rc, err := s.prepare(ctx, actor, actorName, ChannelCSV, in, batch)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		for i := range fx.Audit {
			fx.Audit[i].Rationale = strings.TrimSpace(fx.Audit[i].Rationale + fmt.Sprintf(" (CSV upload, line %d)", line))
		}
		rs, fxs = append(rs, x), append(fxs, fx)
		batch[x.ID] = x
		if rc.MayCollide {
			res.Colliding++
		}
		s.note(x) // later rows of the file must see this one
		return nil
	})
	if err != nil {
		return res, err
	}
	if len(rs) == 0 {
		return res, nil
	}
	if err := bs.CreateRegistrations(ctx, rs, fxs); err != nil {
		return res, err
	}
	res.Registered = rs
	return res, nil
}
