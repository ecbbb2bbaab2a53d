package matchgen

import (
	"testing"
)

func TestDeterministic(t *testing.T) {
	a, b := Generate(7, 200), Generate(7, 200)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("record %d differs between runs: %+v vs %+v", i, a[i], b[i])
		}
	}
	g := New(7)
	if g.Company(150) != a[150] {
		t.Fatal("Company(i) differs from Generate(…)[i]")
	}
	if g2 := New(7); g.Variant(3, 1) != g2.Variant(3, 1) || g.Sibling(4) != g2.Sibling(4) {
		t.Fatal("variants or siblings are not deterministic")
	}
	if Generate(8, 1)[0] == a[0] {
		t.Fatal("a different seed gives the same first company")
	}
}

func TestShape(t *testing.T) {
	g := New(1)
	names := map[string]int{}
	domains, emails := 0, 0
	const n = 5000
	for i := 0; i < n; i++ {
		c := g.Company(i)
		if c.ID == "" || c.Name == "" || c.Country == "" || c.Entity != i {
			t.Fatalf("incomplete company %d: %+v", i, c)
		}
		names[c.Name]++
		if c.Domain != "" {
			domains++
		}
		if c.Email != "" {
			emails++
		}
		v := g.Variant(i, 0)
		if v.Entity != i || v.Name == "" || v.ID == c.ID {
			t.Fatalf("bad variant of %d: %+v", i, v)
		}
		if s := g.Sibling(i); s.Entity >= 0 || s.Name == "" {
			t.Fatalf("bad sibling of %d: %+v", i, s)
		}
	}
	if len(names) < n*98/100 {
		t.Errorf("only %d distinct names among %d companies", len(names), n)
	}
	if domains < n*7/10 || domains > n*9/10 {
		t.Errorf("%d of %d companies have a domain, want about 80%%", domains, n)
	}
	if emails < n/5 {
		t.Errorf("%d of %d companies have an e-mail, want about 40%%", emails, n)
	}
}

func TestVariantsDiffer(t *testing.T) {
	g := New(3)
	same := 0
	for i := 0; i < 1000; i++ {
		if g.Variant(i, 0).Name == g.Company(i).Name {
			same++
		}
	}
	if same > 200 {
		t.Errorf("%d of 1000 variants have exactly the company's name", same)
	}
}
