// Package account holds the vendor's customers and prospects (accounts) and the people
// at them (contacts). Registrations, opportunities and account mapping all refer to
// accounts.
package account

import (
	"net/mail"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Account is a customer or prospect company.
type Account struct {
	WorkspaceID string
	ID          string
	Name        string
	Domain      string
	Country     string // ISO 3166-1 alpha-2, upper case, or empty
	Industry    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate reports every invalid field of a, or nil.
func (a Account) Validate() error {
	var p tandem.Problems
	if strings.TrimSpace(a.Name) == "" {
		p.Add("name", "is required")
	} else if len(a.Name) > 300 {
		p.Add("name", "must be at most 300 characters")
	}
	if a.Country != "" && (len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country) {
		p.Add("country", "must be a two-letter ISO 3166 code such as NL or US")
	}
	return p.Err("The account is not valid.")
}

// Contact is a person at an account or at a partner.
type Contact struct {
	WorkspaceID string
	ID          string
	AccountID   string // empty when the contact belongs to a partner
	PartnerID   string // empty when the contact belongs to an account
	Name        string
	Email       string
	Title       string
	CreatedAt   time.Time
}

// Validate reports every invalid field of c, or nil.
func (c Contact) Validate() error {
	var p tandem.Problems
	if strings.TrimSpace(c.Name) == "" {
		p.Add("name", "is required")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			p.Add("email", "must be a plain email address such as ana@example.com")
		}
	}
	if (c.AccountID == "") == (c.PartnerID == "") {
		p.Add("account_id", "a contact belongs to exactly one account or one partner")
	}
	return p.Err("The contact is not valid.")
}
