package web

import (
	"net/url"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// FuzzParseDefinitionForm feeds the catalogue form parser arbitrary form bodies: it
// never panics, hands back what was typed, and either yields the input for the
// certification service or refuses with the validity field named.
func FuzzParseDefinitionForm(f *testing.F) {
	for _, seed := range []string{
		"key=resale_pro&name=Resale+Pro&validity_months=24&motion=resale&product=Edge",
		"key=basics&name=Basics&never_expires=on",
		"key=basics&name=Basics&validity_months=6&never_expires=on&retired=on",
		"key=Bad+Key&name=&validity_months=twelve",
		"validity_months=-1",
		"validity_months=99999999999999999999",
		"validity_months=%2012%20&never_expires=off",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, typed, err := ParseDefinitionForm(form)
		if typed.Key != form.Get("key") || typed.Name != form.Get("name") || typed.Product != form.Get("product") {
			t.Fatalf("the form as typed was not kept: %+v", typed)
		}
		if err != nil {
			fs := tandem.FieldsOf(err)
			if tandem.KindOf(err) != tandem.KindInvalid || len(fs) != 1 || fs[0].Path != "validity_months" {
				t.Fatalf("refused without naming validity_months: %v %+v", err, fs)
			}
			return
		}
		if typed.NeverExpires && in.ValidityMonths != 0 {
			t.Fatalf("never expires gave %d months", in.ValidityMonths)
		}
		if in.Key != form.Get("key") || in.Retired != (form.Get("retired") == "on") {
			t.Fatalf("input differs from the form: %+v", in)
		}
	})
}
