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
// "company" accepted for name and "website" for domain.
var ImportSchema = csvimport.Schema{
	Columns: []csvimport.Column{
		{Name: "name", Required: true, Aliases: []string{"partner", "company"}},
		{Name: "domain", Aliases: []string{"website"}},
		{Name: "motions", Aliases: []string{"motion"}},
		{Name: "tier"},
		{Name: "region"},
		{Name: "lifecycle"},
	},
	Validate: func(row map[string]string) tandem.Problems {
		_, err := fromRow(row).Validate()
		return tandem.Problems(tandem.FieldsOf(err))
	},
}

// newFromRow is what one import row asks to create; lifecycle defaults to active
// (an import usually brings in partners the program already works with).
type newFromRow NewPartner

func fromRow(row map[string]string) newFromRow {
	n := newFromRow{Name: row["name"], Domain: row["domain"], Tier: row["tier"], Region: row["region"], Lifecycle: Lifecycle(strings.ToLower(row["lifecycle"]))}
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
		Tier: strings.TrimSpace(n.Tier), Region: strings.TrimSpace(n.Region), Lifecycle: n.Lifecycle}
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
	plan, err := csvimport.Read(ctx, r, ImportSchema, opt)
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	if dryRun {
		return plan.Report, 0, nil
	}
	set, err := s.Store.PartnerSettings(ctx, actor.WorkspaceID)
	if err != nil {
		return plan.Report, 0, err
	}
	now := s.Now().UTC()
	var ps []Partner
	var es []audit.Entry
	tierChecked := map[string]error{} // one look-up per distinct tier name
	err = plan.Commit(mode, func(line int, row map[string]string) error {
		p, err := fromRow(row).Validate()
		if err != nil {
			return err
		}
		terr, seen := tierChecked[p.Tier]
		if !seen {
			terr = s.checkTier(ctx, actor.WorkspaceID, p.Tier)
			tierChecked[p.Tier] = terr
		}
		if terr != nil {
			return terr
		}
		p.WorkspaceID, p.ID, p.CreatedAt, p.UpdatedAt = actor.WorkspaceID, tandem.NewID("prt", now), now, now
		p.normalize()
		p.rescore(set.Fit)
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
