package partner

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// ImportSchema is the CSV a partner import reads: the export's columns (the id and
// created_at columns of an export are ignored, with a warning), with "partner" or
// "company" accepted for name and "website" for domain. Lists (regions, verticals,
// territories, named accounts, tags) are separated by semicolons. Its Validate checks
// what a row says on its own; Import adds the workspace's checks (tiers, territories,
// owners) to every row before anything is saved, dry runs included.
var ImportSchema = csvimport.Schema{
	Columns: []csvimport.Column{
		{Name: "name", Required: true, Aliases: []string{"partner", "company"}},
		{Name: "domain", Aliases: []string{"website"}},
		{Name: "motions", Aliases: []string{"motion"}},
		{Name: "tier"},
		{Name: "region"},
		{Name: "lifecycle"},
		{Name: "regions"},
		{Name: "verticals", Aliases: []string{"industries"}},
		{Name: "territories", Aliases: []string{"territory"}},
		{Name: "named_accounts"},
		{Name: "tags"},
		{Name: "owner_user_id", Aliases: []string{"owner"}},
		{Name: "notes"},
	},
	Validate: func(row map[string]string) tandem.Problems {
		_, err := fromRow(row).Validate()
		return tandem.Problems(tandem.FieldsOf(err))
	},
}

// splitList reads a semicolon-separated cell.
func splitList(cell string) []string {
	var out []string
	for _, v := range strings.Split(cell, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// newFromRow is what one import row asks to create; lifecycle defaults to active
// (an import usually brings in partners the program already works with).
type newFromRow NewPartner

func fromRow(row map[string]string) newFromRow {
	n := newFromRow{Name: row["name"], Domain: row["domain"], Tier: row["tier"], Region: row["region"], Lifecycle: Lifecycle(strings.ToLower(row["lifecycle"])),
		Regions: splitList(row["regions"]), Verticals: splitList(row["verticals"]), Territories: splitList(row["territories"]),
		NamedAccounts: splitList(row["named_accounts"]), Tags: splitList(row["tags"]), OwnerUserID: strings.TrimSpace(row["owner_user_id"]),
		Notes: strings.TrimSpace(row["notes"])}
	if n.Lifecycle == "" {
		n.Lifecycle = Active
	}
	for _, m := range strings.FieldsFunc(strings.ToLower(row["motions"]), func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '|' }) {
		n.Motions = append(n.Motions, tandem.Motion(m))
	}
	return n
}

// Validate checks the row's partner the way Create would, with errors on the CSV
// column names ("motions" rather than "motions[1]").
func (n newFromRow) Validate() (Partner, error) {
	p := Partner{Name: strings.TrimSpace(n.Name), Domain: strings.ToLower(strings.TrimSpace(n.Domain)), Motions: n.Motions,
		Tier: strings.TrimSpace(n.Tier), Region: strings.TrimSpace(n.Region), Lifecycle: n.Lifecycle, Regions: n.Regions, Verticals: n.Verticals,
		Territories: n.Territories, NamedAccounts: n.NamedAccounts, Tags: n.Tags, OwnerUserID: n.OwnerUserID, Notes: n.Notes}
	err := p.Validate()
	if err == nil {
		return p, nil
	}
	var out tandem.Problems
	for _, f := range tandem.FieldsOf(err) {
		out = append(out, tandem.FieldError{Path: strings.SplitN(f.Path, "[", 2)[0], Detail: f.Detail})
	}
	return p, out.Err("The row is not valid.")
}

// ImportStore is what an import needs besides Store: all partners of a file saved in
// one transaction with their audit entries.
type ImportStore interface {
	CreatePartners(ctx context.Context, ps []Partner, es []audit.Entry) error
}

// Import reads a partner CSV and, unless dryRun, creates its partners in one
// transaction. With mode AllOrNothing (the default) one rejected row means nothing
// is created; ValidRowsOnly creates the valid rows. The report lists every rejected
// row with its line, column and reason in either case.
func (s *Service) Import(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt csvimport.Options) (csvimport.Report, int, error) {
	if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return csvimport.Report{}, 0, err
	}
	st, ok := s.Store.(ImportStore)
	if !ok {
		return csvimport.Report{}, 0, tandem.Errorf(tandem.KindInternal, "this store cannot import partners")
	}
	set, err := s.Store.PartnerSettings(ctx, actor.WorkspaceID)
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	// The workspace's checks, each distinct value looked up once: a dry run reports
	// every row the real import would refuse.
	tierChecked, ownerChecked := map[string]error{}, map[string]error{}
	var lookupErr error
	workspaceChecks := func(p *Partner) tandem.Problems {
		p.WorkspaceID = actor.WorkspaceID
		p.normalize()
		var pr tandem.Problems
		terr, seen := tierChecked[p.Tier]
		if !seen {
			terr = s.checkTier(ctx, actor.WorkspaceID, p.Tier)
			tierChecked[p.Tier] = terr
		}
		if terr != nil {
			pr.Add("tier", "%s", tandem.MessageOf(terr))
			if fs := tandem.FieldsOf(terr); len(fs) > 0 {
				pr[len(pr)-1].Detail = fs[0].Detail
			}
		}
		for _, f := range tandem.FieldsOf(set.checkTerritories(p)) {
			pr.Add("territories", "%s", f.Detail)
		}
		if p.OwnerUserID != "" {
			oerr, seen := ownerChecked[p.OwnerUserID]
			if !seen {
				_, _, oerr = s.Store.InternalUser(ctx, actor.WorkspaceID, p.OwnerUserID)
				ownerChecked[p.OwnerUserID] = oerr
			}
			switch {
			case tandem.KindOf(oerr) == tandem.KindNotFound:
				pr.Add("owner_user_id", "must be an active internal user of this workspace")
			case oerr != nil:
				lookupErr = oerr
			}
		}
		return pr
	}
	schema := ImportSchema
	schema.Validate = func(row map[string]string) tandem.Problems {
		p, err := fromRow(row).Validate()
		if err != nil {
			return tandem.Problems(tandem.FieldsOf(err))
		}
		return workspaceChecks(&p)
	}
	plan, err := csvimport.Read(ctx, r, schema, opt)
	if lookupErr != nil {
		return csvimport.Report{}, 0, lookupErr
	}
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	if dryRun {
		return plan.Report, 0, nil
	}
	now := s.Now().UTC()
	var ps []Partner
	var es []audit.Entry
	err = plan.Commit(mode, func(line int, row map[string]string) error {
		p, err := fromRow(row).Validate()
		if err != nil {
			return err
		}
		if pr := workspaceChecks(&p); len(pr) > 0 {
			return pr.Err("The row is not valid.")
		}
		p.ID, p.CreatedAt, p.UpdatedAt = tandem.NewID("prt", now), now, now
		p.Rescore(set.Fit)
		ps = append(ps, p)
		es = append(es, audit.New(ctx, actor, actorName, now, "partner.import", "partner", p.ID, nil, p, "imported from CSV line "+strconv.Itoa(line)))
		return nil
	})
	if err != nil {
		return plan.Report, 0, err
	}
	if len(ps) == 0 {
		return plan.Report, 0, nil
	}
	if err := st.CreatePartners(ctx, ps, es); err != nil {
		return plan.Report, 0, err
	}
	return plan.Report, len(ps), nil
}
