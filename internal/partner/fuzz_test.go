package partner

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzContactImport reads arbitrary files as partner contacts: reading never
// panics, a file is either refused as a whole or reported row by row, and every row
// the report calls valid makes a valid contact of a known partner.
func FuzzContactImport(f *testing.F) {
	for _, s := range []string{
		"partner_id,name,email,role\nprt_1,Ada,ada@p.example,ae\n",
		"partner_domain,name,phone\nwww.P.example,Bo,+1 (555) 010\n",
		"\ufeffpartner,full_name,partner_role\nprt_2,\"Quoted, Name\",exec\n",
		"partner_id,name\nprt_1\n",
		"name\n\"never closed\n",
		"partner_id,name,email\nprt_9,X,not-mail\n",
	} {
		f.Add(s)
	}
	byID := map[string]bool{"prt_1": true, "prt_2": true}
	byDomain := map[string][]string{"p.example": {"prt_1"}}
	f.Fuzz(func(t *testing.T, data string) {
		plan, err := csvimport.Read(context.Background(), strings.NewReader(data), contactSchema(byID, byDomain), csvimport.Options{})
		if err != nil {
			if tandem.KindOf(err) != tandem.KindInvalid {
				t.Fatalf("a bad file must be refused as invalid: %v", err)
			}
			return
		}
		_ = plan.Commit(csvimport.ValidRowsOnly, func(line int, row map[string]string) error {
			if _, err := partnerOfRow(row, byID, byDomain); err != nil {
				t.Fatalf("line %d passed the check but names no partner: %v", line, err)
			}
			if err := contactOfRow(row).Validate(); err != nil {
				t.Fatalf("line %d passed the check but is not a valid contact: %v", line, err)
			}
			return nil
		})
	})
}
