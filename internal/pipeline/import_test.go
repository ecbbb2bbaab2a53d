package pipeline_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

func (f fixture) countAccounts(t *testing.T, industry string) int {
	t.Helper()
	as, _, err := f.svc.ListAccounts(f.ctx, f.manager, pipeline.AccountFilter{Industry: industry}, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

func rejected(rep csvimport.Report) []string {
	var out []string
	for _, e := range rep.Rejected {
		out = append(out, fmt.Sprintf("%d %s", e.Line, e.Column))
	}
	return out
}

func TestAccountImportChecksEveryRowFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		file := "id,name,website,country,industry,owner,incumbent_partner_id\n" +
			",Quokka Freight,https://www.shop.quokka-freight.co.uk/about,nl,Import A,usr_demo000002,\n" + // 2 valid
			",,quokka2.example,NL,Import A,,\n" + // 3 name missing
			",Bad Domain,not a domain,XX,Import A,,\n" + // 4 domain and country
			",Dup Domain,quokka-freight.co.uk,,Import A,,\n" + // 5 same domain as line 2
			",Free Mail,gmail.com,Germany,Import A,,\n" + // 6 free-mail domain
			",Nobody Owns,nobody.example,,Import A,usr_nobody,prt_nobody\n" + // 7 unknown owner and partner
			",Partner Owned,\"partner-owned.example\",US,Import A,usr_demo000003,prt_demo000001\n" + // 8 owner is a partner user
			"acc_demo000007,Taken Id,taken-id.example,,Import A,,\n" + // 9 id taken
			"acc_new1,\"Multi\nLine, Inc\",multiline.example,,Import A,,\n" + // 10 valid, two lines
			"acc_new1,Same Id,same-id.example,,Import A,,\n" + // 12 same id as line 10
			"ragged,row\n" // 13
		rep, n, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.AllOrNothing, true, pipeline.ImportOptions{})
		if err != nil || n != 0 {
			t.Fatalf("dry run: %d, %v", n, err)
		}
		want := []string{"3 name", "4 domain", "4 country", "5 domain", "6 domain", "7 owner_user_id", "7 incumbent_partner_id",
			"8 owner_user_id", "9 id", "12 id", "13 "}
		if got := rejected(rep); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("rejected:\n got %q\nwant %q\n%+v", got, want, rep.Rejected)
		}
		if rep.Rows != 11 || rep.Valid != 2 || rep.RejectedRows() != 9 {
			t.Fatalf("counts: %+v", rep)
		}
		if f.countAccounts(t, "Import A") != 0 {
			t.Fatal("a dry run wrote accounts")
		}

		// All or nothing: refused with the rows at fault, nothing written.
		_, n, err = f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.AllOrNothing, false, pipeline.ImportOptions{})
		if tandem.KindOf(err) != tandem.KindInvalid || n != 0 || !strings.Contains(tandem.MessageOf(err), "9 of 11 rows") {
			t.Fatalf("all or nothing: %d, %v", n, err)
		}
		if f.countAccounts(t, "Import A") != 0 {
			t.Fatal("a refused import wrote accounts")
		}

		// Valid rows only: the two good rows, with the domain reduced and the
		// country code normalised; one audit entry.
		var progress []int
		rep, n, err = f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.ValidRowsOnly, false,
			pipeline.ImportOptions{Saved: func(done, total int) { progress = append(progress, done, total) }})
		if err != nil || n != 2 || rep.Valid != 2 {
			t.Fatalf("valid rows only: %d, %+v, %v", n, rep, err)
		}
		if fmt.Sprint(progress) != "[2 2]" {
			t.Fatalf("progress %v", progress)
		}
		as, _, err := f.svc.ListAccounts(f.ctx, f.manager, pipeline.AccountFilter{Industry: "Import A"}, "", 10)
		if err != nil || len(as) != 2 {
			t.Fatalf("imported: %v, %v", as, err)
		}
		byName := map[string]pipeline.Account{}
		for _, a := range as {
			byName[a.Name] = a
		}
		q := byName["Quokka Freight"]
		if q.Domain != "quokka-freight.co.uk" || q.Country != "NL" || q.OwnerUserID != "usr_demo000002" || q.Version != 1 || !strings.HasPrefix(q.ID, "acc_") {
			t.Fatalf("quokka: %+v", q)
		}
		if m := byName["Multi\nLine, Inc"]; m.ID != "acc_new1" {
			t.Fatalf("multi-line: %+v", m)
		}
		var audits int
		if err := db.SQL().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE workspace_id = $1 AND action = 'account.import'`, f.ws).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("audit entries: %d, %v", audits, err)
		}

		// Partners and viewers may not import.
		for _, who := range []policy.Actor{f.sam, f.viewer} {
			if _, _, err := f.svc.ImportAccounts(f.ctx, who, "x", strings.NewReader(file), csvimport.ValidRowsOnly, true, pipeline.ImportOptions{}); tandem.KindOf(err) != tandem.KindForbidden {
				t.Fatalf("%s: %v", who.Role, err)
			}
		}
	})
}

func TestImportMalformedCSVNeverHalfImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		for name, file := range map[string]string{
			"unclosed quote":    "name,domain,industry\nGood One,good-one.example,Malformed\n\"Broken,broken.example,Malformed\n",
			"text after quote":  "name,domain,industry\nGood One,good-one.example,Malformed\n\"Broken\"x,broken.example,Malformed\n",
			"not utf-8":         "name,domain,industry\nGood One,good-one.example,Malformed\nBr\xffken,broken.example,Malformed\n",
			"no name column":    "company_name,domain,industry\nGood One,good-one.example,Malformed\n",
			"duplicate columns": "name,name,industry\nGood One,Good,Malformed\n",
		} {
			for _, mode := range []csvimport.Mode{csvimport.AllOrNothing, csvimport.ValidRowsOnly} {
				_, n, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), mode, false, pipeline.ImportOptions{})
				if tandem.KindOf(err) != tandem.KindInvalid || n != 0 {
					t.Fatalf("%s: %d, %v", name, n, err)
				}
				if name != "no name column" && name != "duplicate columns" && !strings.Contains(fmt.Sprint(tandem.FieldsOf(err)), "line 3") {
					t.Fatalf("%s: the error does not name line 3: %v", name, tandem.FieldsOf(err))
				}
			}
		}
		if c := f.countAccounts(t, "Malformed"); c != 0 {
			t.Fatalf("a malformed file imported %d accounts", c)
		}
		// A BOM and CRLF line ends are fine; a ragged row is reported by its line.
		file := "\uFEFFname,domain,industry\r\nGood One,good-one.example,BOM\r\nToo,many,fields,here\r\n"
		rep, _, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.AllOrNothing, false, pipeline.ImportOptions{})
		if tandem.KindOf(err) != tandem.KindInvalid || fmt.Sprint(rejected(rep)) != "[3 ]" || f.countAccounts(t, "BOM") != 0 {
			t.Fatalf("ragged: %+v, %v", rep, err)
		}
		if _, n, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.ValidRowsOnly, false, pipeline.ImportOptions{}); err != nil || n != 1 {
			t.Fatalf("bom, valid rows only: %d, %v", n, err)
		}
	})
}

func TestContactImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		accs := "id,name,domain,industry\nacc_ci1,Contact Co,contact-co.example,CI\nacc_ci2,Twin A,twin.example,CI\n"
		if _, n, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(accs), csvimport.AllOrNothing, false, pipeline.ImportOptions{}); err != nil || n != 2 {
			t.Fatalf("accounts: %d, %v", n, err)
		}
		file := "id,account_id,account_domain,partner_id,contact,email,job_title\n" +
			"con_ci1,acc_ci1,,,Ana Contact,Ana@Contact-Co.example,CFO\n" + // 2 valid
			",,www.contact-co.example,,Bo Domain,bo@contact-co.example,\n" + // 3 valid, by domain
			",,,prt_demo000002,Cy Partner,cy@partner.example,AE\n" + // 4 valid, partner contact
			",acc_nope,,,Di Missing,,\n" + // 5 unknown account
			",,nowhere.example,,Ed Nowhere,,\n" + // 6 no account has the domain
			",acc_ci1,,prt_demo000002,Fay Both,,\n" + // 7 both
			",,,,Gus Neither,,\n" + // 8 neither
			",acc_ci1,,,Hal Bad Mail,not-an-email,\n" + // 9 email
			",acc_ci1,,,Ana Again,ana@contact-co.example,\n" + // 10 same email, same account
			"con_ci1,acc_ci2,,,Ida Same Id,,\n" + // 11 same id
			",,,prt_nope,Jo Partner,,\n" // 12 unknown partner
		rep, n, err := f.svc.ImportContacts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.AllOrNothing, true, pipeline.ImportOptions{})
		if err != nil || n != 0 {
			t.Fatalf("dry run: %v", err)
		}
		want := "5 account_id|6 account_domain|7 partner_id|8 account_id|9 email|10 email|11 id|12 partner_id"
		if got := strings.Join(rejected(rep), "|"); got != want {
			t.Fatalf("rejected:\n got %s\nwant %s\n%+v", got, want, rep.Rejected)
		}
		if _, n, err := f.svc.ImportContacts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.AllOrNothing, false, pipeline.ImportOptions{}); tandem.KindOf(err) != tandem.KindInvalid || n != 0 {
			t.Fatalf("all or nothing: %d, %v", n, err)
		}
		// Sales may add contacts at accounts but not to partners.
		if _, _, err := f.svc.ImportContacts(f.ctx, f.sales, "Sofia", strings.NewReader(file), csvimport.ValidRowsOnly, false, pipeline.ImportOptions{}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("sales adding partner contacts: %v", err)
		}
		if _, n, err := f.svc.ImportContacts(f.ctx, f.manager, "Paul", strings.NewReader(file), csvimport.ValidRowsOnly, false, pipeline.ImportOptions{}); err != nil || n != 3 {
			t.Fatalf("valid rows only: %d, %v", n, err)
		}
		cs, _, err := f.svc.ListContacts(f.ctx, f.manager, pipeline.ContactFilter{AccountID: "acc_ci1"}, "", 10)
		if err != nil || len(cs) != 2 {
			t.Fatalf("contacts at acc_ci1: %+v, %v", cs, err)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportContacts(f.ctx, f.manager, pipeline.ContactExportFilter{PartnerID: "prt_demo000002", Query: "Cy"}, &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), ",,prt_demo000002,Cy Partner,cy@partner.example,AE\n") || strings.Count(buf.String(), "\n") != 2 {
			t.Fatalf("partner contact export:\n%s", buf.String())
		}
		// Partner users export nothing.
		if err := f.svc.ExportContacts(f.ctx, f.sam, pipeline.ContactExportFilter{}, &buf); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("partner export: %v", err)
		}
	})
}

// TestExportImportRoundTrip exports accounts and contacts, imports the files into
// another workspace and exports them again: the files are the same.
func TestExportImportRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		accs := "id,name,domain,country,industry,owner_user_id,incumbent_partner_id\n" +
			"acc_rt1,\"Round, Trip \"\"One\"\"\",round-one.example,NL,Round trip,,\n" +
			"acc_rt2,=HYPERLINK(\"x\"),round-two.example,,Round trip,,\n" +
			"acc_rt3,Zürich Straße AG,,CH,Round trip,,\n"
		if _, n, err := f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(accs), csvimport.AllOrNothing, false, pipeline.ImportOptions{}); err != nil || n != 3 {
			t.Fatalf("accounts: %d, %v", n, err)
		}
		cons := "id,account_id,account_domain,partner_id,name,email,title\n" +
			"con_rt1,acc_rt1,round-one.example,,Ana Round,ana@round-one.example,CEO\n" +
			"con_rt2,acc_rt3,,,Bo Round,,@board\n"
		if _, n, err := f.svc.ImportContacts(f.ctx, f.manager, "Paul", strings.NewReader(cons), csvimport.AllOrNothing, false, pipeline.ImportOptions{}); err != nil || n != 2 {
			t.Fatalf("contacts: %d, %v", n, err)
		}
		export := func(actor policy.Actor) (string, string) {
			var a, c bytes.Buffer
			if err := f.svc.ExportAccounts(f.ctx, actor, pipeline.AccountFilter{Industry: "Round trip"}, &a); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.ExportContacts(f.ctx, actor, pipeline.ContactExportFilter{Query: "Round"}, &c); err != nil {
				t.Fatal(err)
			}
			return a.String(), c.String()
		}
		a1, c1 := export(f.manager)
		if !strings.Contains(a1, `'=HYPERLINK`) || !strings.Contains(c1, `'@board`) {
			t.Fatalf("formulas not neutralised:\n%s\n%s", a1, c1)
		}
		if strings.Count(a1, "\n") != 4 || strings.Count(c1, "\n") != 3 {
			t.Fatalf("export:\n%s\n%s", a1, c1)
		}

		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		ws2 := workspace.Workspace{ID: "ws_roundtrip", Slug: "roundtrip", Name: "Round trip", TimeZone: "UTC", Currency: "EUR", CreatedAt: now, UpdatedAt: now}
		if err := db.Tx(f.ctx, func(tx *sql.Tx) error { return db.CreateWorkspace(f.ctx, tx, ws2) }); err != nil {
			t.Fatal(err)
		}
		admin2 := policy.Actor{Kind: policy.ActorSystem, WorkspaceID: ws2.ID}
		rep, n, err := f.svc.ImportAccounts(f.ctx, admin2, "x", strings.NewReader(a1), csvimport.AllOrNothing, false, pipeline.ImportOptions{})
		if err != nil || n != 3 || len(rep.Warnings) != 0 {
			t.Fatalf("re-import accounts: %d, %+v, %v", n, rep, err)
		}
		rep, n, err = f.svc.ImportContacts(f.ctx, admin2, "x", strings.NewReader(c1), csvimport.AllOrNothing, false, pipeline.ImportOptions{})
		if err != nil || n != 2 || len(rep.Warnings) != 0 {
			t.Fatalf("re-import contacts: %d, %+v, %v", n, rep, err)
		}
		a2, c2 := export(admin2)
		// (A neutralised cell comes back with its apostrophe as text: exported again it
		// reads the same.)
		if a2 != a1 || c2 != c1 {
			t.Fatalf("round trip changed the files:\n%s\n%s\n---\n%s\n%s", a1, c1, a2, c2)
		}
		// Back into the first workspace, every row is taken.
		rep, _, err = f.svc.ImportAccounts(f.ctx, f.manager, "Paul", strings.NewReader(a2), csvimport.AllOrNothing, true, pipeline.ImportOptions{})
		if err != nil || rep.Valid != 0 || rep.Rows != 3 {
			t.Fatalf("again: %+v, %v", rep, err)
		}
	})
}
