package partner

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/policy"
)

// CSVHeader names the columns of a partner export, which are also the columns a
// partner import accepts.
var CSVHeader = []string{"id", "name", "domain", "motions", "tier", "region", "lifecycle", "regions", "verticals", "territories",
	"named_accounts", "tags", "owner_user_id", "notes", "created_at"}

// CSVRow is p as an export row; motions are separated by spaces, the other lists by
// semicolons (their values may hold spaces).
func CSVRow(p Partner) []string {
	ms := make([]string, len(p.Motions))
	for i, m := range p.Motions {
		ms[i] = string(m)
	}
	list := func(vs []string) string { return strings.Join(vs, "; ") }
	return []string{p.ID, p.Name, p.Domain, strings.Join(ms, " "), p.Tier, p.Region, string(p.Lifecycle), list(p.Regions), list(p.Verticals),
		list(p.Territories), list(p.NamedAccounts), list(p.Tags), p.OwnerUserID, p.Notes, p.CreatedAt.Format(time.RFC3339)}
}

// Export writes every partner matching f as CSV (header first, formula-safe cells),
// reading page by page so that large programs do not sit in memory.
func (s *Service) Export(ctx context.Context, actor policy.Actor, f Filter, w io.Writer) error {
	if err := policy.Authorize(actor, policy.Export, policy.Resource{Kind: policy.Partners, WorkspaceID: actor.WorkspaceID}); err != nil {
		return err
	}
	cw, err := csvimport.NewWriter(w, CSVHeader, csvimport.WriterOptions{})
	if err != nil {
		return err
	}
	after := ""
	for {
		ps, more, err := s.List(ctx, actor, f, after, 500)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := cw.Write(CSVRow(p)); err != nil {
				return err
			}
		}
		if !more || len(ps) == 0 {
			return cw.Flush()
		}
		after = Cursor(ps[len(ps)-1], f.Sort)
	}
}
