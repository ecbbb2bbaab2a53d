package partner

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// ContactCSVHeader names the columns of a partner contacts export; an export can be
// imported again (its id, partner_name, portal_status and created_at columns are
// ignored with a warning).
var ContactCSVHeader = []string{"id", "partner_id", "partner_name", "name", "email", "phone", "role", "title", "portal_status", "created_at"}

// contactSchema is the CSV a partner contacts import reads. A row names its partner
// by partner_id or, when that is empty, by partner_domain (the partner's website).
func contactSchema(byID map[string]bool, byDomain map[string][]string) csvimport.Schema {
	return csvimport.Schema{
		Columns: []csvimport.Column{
			{Name: "partner_id", Aliases: []string{"partner"}},
			{Name: "partner_domain", Aliases: []string{"partner_website"}},
			{Name: "name", Required: true, Aliases: []string{"contact", "full_name"}},
			{Name: "email"},
			{Name: "phone"},
			{Name: "role", Aliases: []string{"partner_role"}},
			{Name: "title", Aliases: []string{"job_title"}},
		},
		Validate: func(row map[string]string) tandem.Problems {
			var pr tandem.Problems
			if _, err := partnerOfRow(row, byID, byDomain); err != nil {
				pr = append(pr, tandem.FieldsOf(err)...)
			}
			c := contactOfRow(row)
			for _, f := range tandem.FieldsOf(c.Validate()) {
				pr = append(pr, f)
			}
			return pr
		},
	}
}

func partnerOfRow(row map[string]string, byID map[string]bool, byDomain map[string][]string) (string, error) {
	if id := strings.TrimSpace(row["partner_id"]); id != "" {
		if !byID[id] {
			return "", tandem.Invalid("", tandem.FieldError{Path: "partner_id", Detail: "no partner of this workspace has this id"})
		}
		return id, nil
	}
	d := NormalizeDomain(row["partner_domain"])
	if d == "" {
		return "", tandem.Invalid("", tandem.FieldError{Path: "partner_id", Detail: "name the partner by partner_id or partner_domain"})
	}
	switch ids := byDomain[d]; len(ids) {
	case 0:
		return "", tandem.Invalid("", tandem.FieldError{Path: "partner_domain", Detail: "no partner of this workspace has the domain " + d})
	case 1:
		return ids[0], nil
	default:
		return "", tandem.Invalid("", tandem.FieldError{Path: "partner_domain", Detail: strconv.Itoa(len(ids)) + " partners have the domain " + d + "; use partner_id"})
	}
}

func contactOfRow(row map[string]string) Contact {
	c := Contact{Name: row["name"], Email: row["email"], Phone: row["phone"], Title: row["title"], Role: Role(row["role"])}
	c.normalize()
	return c
}

// partnerIndex maps the workspace's partner ids, and domains to ids.
func (s *Contacts) partnerIndex(ctx context.Context, workspaceID string) (map[string]bool, map[string][]string, map[string]string, error) {
	all, err := s.Partners.AllPartners(ctx, workspaceID)
	if err != nil {
		return nil, nil, nil, err
	}
	byID, byDomain, names := map[string]bool{}, map[string][]string{}, map[string]string{}
	for _, p := range all {
		byID[p.ID], names[p.ID] = true, p.Name
		if p.Domain != "" {
			byDomain[p.Domain] = append(byDomain[p.Domain], p.ID)
		}
	}
	return byID, byDomain, names, nil
}

// Import reads a partner contacts CSV and, unless dryRun, creates its contacts in
// one transaction: with AllOrNothing (the default) one rejected row means nothing is
// created; ValidRowsOnly creates the valid rows. The report lists every rejected row
// with its line, column and reason. Importing is a vendor-side task.
func (s *Contacts) Import(ctx context.Context, actor policy.Actor, actorName string, r io.Reader, mode csvimport.Mode, dryRun bool, opt csvimport.Options) (csvimport.Report, int, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return csvimport.Report{}, 0, err
	}
	byID, byDomain, _, err := s.partnerIndex(ctx, actor.WorkspaceID)
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	plan, err := csvimport.Read(ctx, r, contactSchema(byID, byDomain), opt)
	if err != nil {
		return csvimport.Report{}, 0, err
	}
	if dryRun {
		return plan.Report, 0, nil
	}
	now := s.Now().UTC()
	var cs []Contact
	var es []audit.Entry
	err = plan.Commit(mode, func(line int, row map[string]string) error {
		pid, err := partnerOfRow(row, byID, byDomain)
		if err != nil {
			return err
		}
		c := contactOfRow(row)
		c.WorkspaceID, c.ID, c.PartnerID, c.CreatedAt, c.UpdatedAt, c.Version = actor.WorkspaceID, tandem.NewID("con", now), pid, now, now, 1
		cs = append(cs, c)
		es = append(es, audit.New(ctx, actor, actorName, now, "partner_contact.import", "contact", c.ID, nil, c, "imported from CSV line "+strconv.Itoa(line)))
		return nil
	})
	if err != nil || len(cs) == 0 {
		return plan.Report, 0, err
	}
	if err := s.Store.CreatePartnerContacts(ctx, cs, es); err != nil {
		return plan.Report, 0, err
	}
	return plan.Report, len(cs), nil
}

// Export writes the contacts of one partner (or of every partner when partnerID is
// empty) as formula-safe CSV.
func (s *Contacts) Export(ctx context.Context, actor policy.Actor, partnerID string, w io.Writer) error {
	if err := policy.Authorize(actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return err
	}
	_, _, names, err := s.partnerIndex(ctx, actor.WorkspaceID)
	if err != nil {
		return err
	}
	cs, err := s.Store.AllPartnerContacts(ctx, actor.WorkspaceID, partnerID)
	if err != nil {
		return err
	}
	cw, err := csvimport.NewWriter(w, ContactCSVHeader, csvimport.WriterOptions{})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := cw.Write([]string{c.ID, c.PartnerID, names[c.PartnerID], c.Name, c.Email, c.Phone, string(c.Role), c.Title, c.PortalStatus, c.CreatedAt.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
