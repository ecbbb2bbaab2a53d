package registration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestCertificationBreaksTiesBetweenPartners feeds the conflict policy's
// certification rule from recorded certifications: a partner whose person holds a
// valid certification wins an otherwise equal claim against one that holds none, and
// loses that edge the moment the certification is revoked.
func TestCertificationBreaksTiesBetweenPartners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		certs := &certification.Service{Store: store.Certifications{DB: db}, Now: func() time.Time { return f.now }}
		f.svc.Certifications = certs
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		if _, err := certs.CreateDefinition(f.ctx, admin, "Ada", certification.DefinitionInput{Key: "deal_desk", Name: "Deal Desk", ValidityMonths: 12}); err != nil {
			t.Fatal(err)
		}
		var contact string
		if err := db.SQL().QueryRowContext(f.ctx, `SELECT id FROM contacts WHERE workspace_id = 'ws_demo' AND partner_id = $1 ORDER BY id LIMIT 1`, f.b.ID).Scan(&contact); err != nil {
			t.Fatalf("a contact of %s: %v", f.b.ID, err)
		}
		held, err := certs.Record(f.ctx, f.reviewer, "Paul", f.b.ID, certification.RecordInput{Key: "deal_desk", ContactID: contact,
			EarnedOn: f.now.AddDate(0, -2, 0).Format(certification.DateLayout)})
		if err != nil {
			t.Fatal(err)
		}

		// a registers first; b, whose person is certified, registers the same customer.
		first := f.submit(t, f.a, registration.Input{CustomerName: "Halvard Instruments AS", CustomerDomain: "halvard-instruments.example"}).Registration
		f.now = f.now.Add(time.Hour)
		second := f.submit(t, f.b, registration.Input{CustomerName: "Halvard Instruments", CustomerDomain: "halvard-instruments.example"}).Registration
		if second.ConflictRule != conflict.RuleCertification {
			t.Fatalf("decided by %q, want %q (%s)", second.ConflictRule, conflict.RuleCertification, second.InternalExplanation)
		}
		if len(second.Candidates) != 1 || second.Candidates[0].Ref != first.ID || second.Candidates[0].Outcome != string(conflict.OutcomeWon) {
			t.Fatalf("candidates %+v: want %s won by the certified partner", second.Candidates, first.ID)
		}

		// Revoked, the certification no longer counts: first come decides.
		if _, err := certs.Revoke(f.ctx, f.reviewer, "Paul", f.b.ID, held.ID, "exam voided"); err != nil {
			t.Fatal(err)
		}
		f.submit(t, f.a, registration.Input{CustomerName: "Orvik Shipping AS", CustomerDomain: "orvik-shipping.example"})
		f.now = f.now.Add(time.Hour)
		later := f.submit(t, f.b, registration.Input{CustomerName: "Orvik Shipping", CustomerDomain: "orvik-shipping.example"}).Registration
		if later.ConflictRule != conflict.RuleFirstCome {
			t.Fatalf("after revocation decided by %q, want %q (%s)", later.ConflictRule, conflict.RuleFirstCome, later.InternalExplanation)
		}
	})
}

// TestCertificationEligibilityRefusesAndNamesTheCertification requires a valid
// certification for the partners' motion: a partner without it is refused with the
// certification's name, by the API and per line in a CSV dry run; once recorded, it
// registers.
func TestCertificationEligibilityRefusesAndNamesTheCertification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		certs := &certification.Service{Store: store.Certifications{DB: db}, Now: func() time.Time { return f.now }}
		f.svc.Certifications = certs
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: "ws_demo", UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		if _, err := certs.CreateDefinition(f.ctx, admin, "Ada", certification.DefinitionInput{Key: "solution_expert", Name: "Solution Expert", ValidityMonths: 24}); err != nil {
			t.Fatal(err)
		}
		set, err := f.svc.GetSettings(f.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		set.Eligibility.Certifications = []registration.CertificationRule{{Key: "nope"}}
		_, err = f.svc.UpdateSettings(f.ctx, admin, "Ada", set)
		if fs := tandem.FieldsOf(err); len(fs) != 1 || fs[0].Path != "eligibility.certifications[0].key" {
			t.Fatalf("a rule naming a certification the catalogue lacks: %v %v", err, fs)
		}
		other := tandem.MotionReferral
		if f.motion == other {
			other = tandem.MotionResale
		}
		set.Eligibility.Certifications = []registration.CertificationRule{{Key: "solution_expert", Motions: []tandem.Motion{f.motion}}}
		if _, err := f.svc.UpdateSettings(f.ctx, admin, "Ada", set); err != nil {
			t.Fatal(err)
		}

		_, err = f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID, CustomerName: "Brisbane Robotics Pty",
			CustomerDomain: "brisbane-robotics.example", Motion: string(f.motion)})
		if tandem.KindOf(err) != tandem.KindForbidden || !strings.Contains(tandem.MessageOf(err), `"Solution Expert"`) || !strings.Contains(tandem.MessageOf(err), f.a.Name) {
			t.Fatalf("an uncertified partner registered: %v", err)
		}
		rule, missing := set.Eligibility.MissingCertification(other, nil)
		if missing {
			t.Fatalf("the rule for %s applies to %s too: %+v", f.motion, other, rule)
		}

		csv := "partner_id,customer_name,website,motion\n" +
			f.a.ID + ",Perth Pumps Ltd,perthpumps.example," + string(f.motion) + "\n" +
			f.a.ID + ",Darwin Drills Ltd,darwindrills.example," + string(f.motion) + "\n"
		res, err := f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Report.Rejected) != 2 || res.Report.Rejected[0].Line != 2 || res.Report.Rejected[0].Column != "partner_id" ||
			!strings.Contains(res.Report.Rejected[1].Reason, "Solution Expert") {
			t.Fatalf("dry run rejected %+v; want lines 2 and 3 on partner_id naming Solution Expert", res.Report.Rejected)
		}

		// The organisation earns it: the partner registers, and the dry run is clean.
		if _, err := certs.Record(f.ctx, f.reviewer, "Paul", f.a.ID, certification.RecordInput{Key: "solution_expert"}); err != nil {
			t.Fatal(err)
		}
		f.submit(t, f.a, registration.Input{CustomerName: "Brisbane Robotics Pty", CustomerDomain: "brisbane-robotics.example"})
		res, err = f.svc.Import(f.ctx, f.reviewer, "Paul", strings.NewReader(csv), csvimport.AllOrNothing, true, csvimport.Options{})
		if err != nil || len(res.Report.Rejected) != 0 {
			t.Fatalf("dry run after certification: %+v, %v", res.Report.Rejected, err)
		}
		// Once it expires, the partner is refused again.
		f.now = f.now.AddDate(2, 0, 1)
		_, err = f.svc.Submit(f.ctx, f.reviewer, "Paul", registration.ChannelAPI, registration.Input{PartnerID: f.a.ID, CustomerName: "Cairns Coffee Co",
			CustomerDomain: "cairns-coffee.example", Motion: string(f.motion)})
		if tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a partner with an expired certification registered: %v", err)
		}
	})
}

func TestMissingCertificationAppliesEveryRuleOfTheMotion(t *testing.T) {
	el := registration.Eligibility{Certifications: []registration.CertificationRule{
		{Key: "resale_pro", Motions: []tandem.Motion{tandem.MotionResale}},
		{Key: "", Motions: []tandem.Motion{tandem.MotionServices}}, // any certification
		{Key: "security", Motions: []tandem.Motion{tandem.MotionResale, tandem.MotionServices}},
	}}
	for _, tc := range []struct {
		name    string
		m       tandem.Motion
		held    []string
		missing string // the key missing; "-" when none
	}{
		{"no rule for the motion", tandem.MotionReferral, nil, "-"},
		{"first rule unmet", tandem.MotionResale, []string{"security"}, "resale_pro"},
		{"second rule unmet", tandem.MotionResale, []string{"resale_pro"}, "security"},
		{"all met", tandem.MotionResale, []string{"resale_pro", "security", "x"}, "-"},
		{"any certification, none held", tandem.MotionServices, nil, ""},
		{"any certification, one held", tandem.MotionServices, []string{"security"}, "-"},
	} {
		rule, missing := el.MissingCertification(tc.m, tc.held)
		got := "-"
		if missing {
			got = rule.Key
		}
		if got != tc.missing {
			t.Errorf("%s: missing %q, want %q", tc.name, got, tc.missing)
		}
	}
	bad := registration.DefaultSettings()
	bad.Eligibility.Certifications = []registration.CertificationRule{{Key: "Not A Key"}, {Key: "ok", Motions: []tandem.Motion{"telepathy"}}}
	var paths []string
	for _, f := range tandem.FieldsOf(bad.Validate()) {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "eligibility.certifications[0].key eligibility.certifications[1].motions" {
		t.Errorf("invalid rules reported on %v", paths)
	}
}
