package partner

import "testing"

func TestHoldsNamedAccount(t *testing.T) {
	p := Partner{NamedAccounts: []string{"https://www.northwind.co.uk/about", "Acme Corporation", "globex.com"}}
	tests := []struct {
		name, customer, domain string
		want                   string // the entry that matches; "" for none
	}{
		{"same registrable domain through a subdomain", "Northwind", "shop.northwind.co.uk", "https://www.northwind.co.uk/about"},
		{"domain entry ignores the customer's name", "Someone Else Ltd", "globex.com", "globex.com"},
		{"company name with another legal form", "ACME Corp.", "", "Acme Corporation"},
		{"different company sharing a word", "Acme Foods", "acmefoods.com", ""},
		{"other domain on the same suffix", "Northwind", "northwinds.co.uk", ""},
		{"no name and no domain", "", "", ""},
		{"a domain alone does not match a name entry", "", "acme.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := HoldsNamedAccount(p, tc.customer, tc.domain)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("HoldsNamedAccount(%q, %q) = %q, %v; want %q", tc.customer, tc.domain, got, ok, tc.want)
			}
		})
	}
	if _, ok := HoldsNamedAccount(Partner{}, "Acme Corporation", "acme.com"); ok {
		t.Fatal("a partner without named accounts holds none")
	}
}
