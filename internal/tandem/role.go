package tandem

// Role is what a person may do in a workspace. Internal roles belong to the vendor's
// people; partner roles belong to people of exactly one partner organisation.
type Role string

// Internal (vendor) roles.
const (
	RoleAdmin          Role = "admin"
	RolePartnerManager Role = "partner_manager"
	RoleSales          Role = "sales"
	RoleViewer         Role = "viewer"
)

// Partner roles.
const (
	RolePartnerAdmin    Role = "partner_admin"
	RolePartnerSeller   Role = "partner_seller"
	RolePartnerMarketer Role = "partner_marketer"
)

// Roles lists every role, internal first.
var Roles = []Role{RoleAdmin, RolePartnerManager, RoleSales, RoleViewer, RolePartnerAdmin, RolePartnerSeller, RolePartnerMarketer}

// IsPartner reports whether r is a partner-side role.
func (r Role) IsPartner() bool {
	return r == RolePartnerAdmin || r == RolePartnerSeller || r == RolePartnerMarketer
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}
