package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/application"
	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// isolationCases says, for every route, what to put in its path parameters so that
// the request aims at the victim's records. A route registered without a case here
// fails TestIsolation: every new route must say how it is walled.
var isolationCases = map[string]map[string]string{
	// API
	"GET /api/v1":                               nil,
	"GET /api/v1/partners":                      nil,
	"POST /api/v1/partners":                     nil,
	"GET /api/v1/users":                         nil,
	"POST /api/v1/users":                        nil,
	"POST /api/v1/users/{id}/deactivate":        {"id": "victim-user"},
	"PUT /api/v1/users/{id}/manager":            {"id": "victim-user"},
	"GET /api/v1/tokens":                        nil,
	"POST /api/v1/tokens":                       nil,
	"POST /api/v1/tokens/{id}/revoke":           {"id": "victim-token"},
	"GET /api/v1/audit":                         nil,
	"GET /api/v1/audit/export":                  nil,
	"GET /api/v1/workspace":                     nil,
	"PUT /api/v1/workspace":                     nil,
	"GET /api/v1/registrations":                 nil,
	"POST /api/v1/registrations":                nil,
	"GET /api/v1/registrations/{id}":            {"id": "victim-registration"},
	"POST /api/v1/registrations/{id}/decision":  {"id": "victim-registration"},
	"POST /api/v1/registrations/{id}/reply":     {"id": "victim-registration"},
	"POST /api/v1/registrations/{id}/appeal":    {"id": "victim-registration"},
	"POST /api/v1/registrations/{id}/withdraw":  {"id": "victim-registration"},
	"POST /api/v1/registrations/{id}/extension": {"id": "victim-registration"},
	// UI
	"GET /{$}":                                               nil,
	"POST /signin":                                           nil,
	"GET /signin/{token}":                                    {"token": "victim-link"},
	"POST /signin/{token}":                                   {"token": "victim-link"},
	"POST /signout":                                          nil,
	"POST /signout/everywhere":                               nil,
	"GET /w/{slug}/{$}":                                      {"slug": "victim-slug"},
	"GET /w/{slug}/partners":                                 {"slug": "victim-slug"},
	"GET /w/{slug}/portal/{$}":                               {"slug": "victim-slug"},
	"GET /w/{slug}/settings/users":                           {"slug": "victim-slug"},
	"POST /w/{slug}/settings/users":                          {"slug": "victim-slug"},
	"GET /w/{slug}/settings/users/{id}/deactivate":           {"slug": "victim-slug", "id": "victim-user"},
	"POST /w/{slug}/settings/users/{id}/deactivate":          {"slug": "victim-slug", "id": "victim-user"},
	"POST /w/{slug}/settings/users/{id}/manager":             {"slug": "victim-slug", "id": "victim-user"},
	"GET /w/{slug}/settings/tokens":                          {"slug": "victim-slug"},
	"POST /w/{slug}/settings/tokens":                         {"slug": "victim-slug"},
	"POST /w/{slug}/settings/tokens/{id}/revoke":             {"slug": "victim-slug", "id": "victim-token"},
	"GET /w/{slug}/audit":                                    {"slug": "victim-slug"},
	"GET /w/{slug}/audit.csv":                                {"slug": "victim-slug"},
	"GET /w/{slug}/outbox":                                   {"slug": "victim-slug"},
	"GET /api/v1/notifications":                              nil,
	"POST /api/v1/notifications/read":                        nil,
	"GET /w/{slug}/notifications":                            {"slug": "victim-slug"},
	"POST /w/{slug}/notifications/read":                      {"slug": "victim-slug"},
	"GET /api/v1/partners/{id}":                              {"id": "victim-partner"},
	"PATCH /api/v1/partners/{id}":                            {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/lifecycle":                   {"id": "victim-partner"},
	"GET /api/v1/partners/{id}/exclusivity":                  {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/exclusivity":                 {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/exclusivity/revoke":          {"id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/exclusivity":               {"slug": "victim-slug", "id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/exclusivity/revoke":        {"slug": "victim-slug", "id": "victim-partner"},
	"GET /w/{slug}/partners/{id}":                            {"slug": "victim-slug", "id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/lifecycle":                 {"slug": "victim-slug", "id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/profile":                   {"slug": "victim-slug", "id": "victim-partner"},
	"GET /w/{slug}/settings/partners":                        {"slug": "victim-slug"},
	"POST /w/{slug}/settings/partners":                       {"slug": "victim-slug"},
	"GET /api/v1/partners/{id}/lifecycle":                    {"id": "victim-partner"},
	"GET /api/v1/partner-settings":                           nil,
	"GET /api/v1/segments":                                   nil,
	"POST /api/v1/segments":                                  nil,
	"POST /api/v1/segments/check":                            nil,
	"GET /api/v1/segments/{id}":                              {"id": "victim-segment"},
	"PATCH /api/v1/segments/{id}":                            {"id": "victim-segment"},
	"DELETE /api/v1/segments/{id}":                           {"id": "victim-segment"},
	"GET /w/{slug}/segments":                                 {"slug": "victim-slug"},
	"POST /w/{slug}/segments":                                {"slug": "victim-slug"},
	"POST /w/{slug}/segments/{id}/delete":                    {"slug": "victim-slug", "id": "victim-segment"},
	"POST /w/{slug}/partners/views":                          {"slug": "victim-slug"},
	"POST /w/{slug}/partners/views/{id}/delete":              {"slug": "victim-slug", "id": "victim-view"},
	"GET /api/v1/partners/{id}/contacts":                     {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/contacts":                    {"id": "victim-partner"},
	"PATCH /api/v1/partners/{id}/contacts/{contact}":         {"id": "victim-partner", "contact": "victim-partner-contact"},
	"POST /api/v1/partners/{id}/contacts/{contact}/invite":   {"id": "victim-partner", "contact": "victim-partner-contact"},
	"POST /api/v1/partner-contacts/import":                   nil,
	"GET /api/v1/partner-contacts/export":                    nil,
	"GET /api/v1/partner-profile":                            nil,
	"PATCH /api/v1/partner-profile":                          nil,
	"POST /w/{slug}/partners/{id}/contacts":                  {"slug": "victim-slug", "id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/contacts/{contact}/invite": {"slug": "victim-slug", "id": "victim-partner", "contact": "victim-partner-contact"},
	"GET /w/{slug}/partner-contacts.csv":                     {"slug": "victim-slug"},
	"POST /w/{slug}/partner-contacts/import":                 {"slug": "victim-slug"},
	"GET /w/{slug}/portal/profile":                           {"slug": "victim-slug"},
	"POST /w/{slug}/portal/profile":                          {"slug": "victim-slug"},
	"POST /w/{slug}/portal/contacts":                         {"slug": "victim-slug"},
	"POST /w/{slug}/portal/contacts/{contact}":               {"slug": "victim-slug", "contact": "victim-partner-contact"},
	"POST /w/{slug}/portal/contacts/{contact}/invite":        {"slug": "victim-slug", "contact": "victim-partner-contact"},
	"PUT /api/v1/partner-settings":                           nil,
	"POST /w/{slug}/partners":                                {"slug": "victim-slug"},
	"GET /api/v1/partners/export":                            nil,
	"GET /w/{slug}/partners.csv":                             {"slug": "victim-slug"},
	"POST /w/{slug}/partners/import":                         {"slug": "victim-slug"},
	"GET /sso":                                               nil,
	"GET /w/{slug}/sso/start":                                {"slug": "victim-slug"},
	"GET /w/{slug}/sso/callback":                             {"slug": "victim-slug"},
	"GET /w/{slug}/settings/sso":                             {"slug": "victim-slug"},
	"POST /w/{slug}/settings/sso":                            {"slug": "victim-slug"},
	"GET /setup":                                             nil,
	"POST /setup":                                            nil,
	"GET /w/{slug}/settings/workspace":                       {"slug": "victim-slug"},
	"POST /w/{slug}/settings/workspace":                      {"slug": "victim-slug"},
	"GET /w/{slug}/registrations":                            {"slug": "victim-slug"},
	"GET /w/{slug}/registrations/{id}":                       {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/registrations/{id}/decision":             {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/registrations/{id}/withdraw":             {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/portal/registrations/{id}/withdraw":      {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/registrations/{id}/extension":            {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/partners/{id}/registration-link":         {"slug": "victim-slug", "id": "victim-partner"},
	"GET /w/{slug}/portal/registrations":                     {"slug": "victim-slug"},
	"GET /w/{slug}/portal/registrations/new":                 {"slug": "victim-slug"},
	"POST /w/{slug}/portal/registrations":                    {"slug": "victim-slug"},
	"GET /w/{slug}/portal/registrations/{id}":                {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/portal/registrations/{id}/reply":         {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/portal/registrations/{id}/appeal":        {"slug": "victim-slug", "id": "victim-registration"},
	"POST /w/{slug}/registrations/import":                    {"slug": "victim-slug"},
	"POST /w/{slug}/portal/registrations/import":             {"slug": "victim-slug"},
	"POST /api/v1/registrations/import":                      nil,
	"GET /w/{slug}/register":                                 {"slug": "public-slug"},
	"POST /w/{slug}/register":                                {"slug": "public-slug"},
	"GET /w/{slug}/conflicts":                                {"slug": "victim-slug"},
	"GET /w/{slug}/conflicts/metrics":                        {"slug": "victim-slug"},
	"GET /w/{slug}/conflicts/{id}":                           {"slug": "victim-slug", "id": "victim-conflict"},
	"POST /w/{slug}/conflicts/{id}/steps":                    {"slug": "victim-slug", "id": "victim-conflict"},
	"GET /api/v1/registration-settings":                      nil,
	"PUT /api/v1/registration-settings":                      nil,
	"GET /w/{slug}/settings/registrations":                   {"slug": "victim-slug"},
	"POST /w/{slug}/settings/registrations":                  {"slug": "victim-slug"},
	"GET /api/v1/conflicts":                                  nil,
	"GET /api/v1/conflicts/metrics":                          nil,
	"GET /api/v1/conflicts/{id}":                             {"id": "victim-conflict"},
	"POST /api/v1/conflicts/{id}/steps":                      {"id": "victim-conflict"},
	"GET /r/{token}":                                         {"token": "victim-link"},
	"POST /r/{token}":                                        {"token": "victim-link"},
	// Pipeline API
	"GET /api/v1/accounts":                                     nil,
	"POST /api/v1/accounts":                                    nil,
	"GET /api/v1/accounts/{id}":                                {"id": "victim-account"},
	"PATCH /api/v1/accounts/{id}":                              {"id": "victim-account"},
	"GET /api/v1/contacts":                                     nil,
	"POST /api/v1/contacts":                                    nil,
	"GET /api/v1/contacts/{id}":                                {"id": "victim-contact"},
	"PATCH /api/v1/contacts/{id}":                              {"id": "victim-contact"},
	"POST /api/v1/accounts/import":                             nil,
	"POST /api/v1/contacts/import":                             nil,
	"GET /api/v1/accounts/export":                              nil,
	"GET /api/v1/contacts/export":                              nil,
	"GET /api/v1/opportunities":                                nil,
	"POST /api/v1/opportunities":                               nil,
	"GET /api/v1/opportunities/{id}":                           {"id": "victim-opportunity"},
	"PATCH /api/v1/opportunities/{id}":                         {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/stage":                    {"id": "victim-opportunity"},
	"GET /api/v1/opportunities/{id}/attribution":               {"id": "victim-opportunity"},
	"PUT /api/v1/opportunities/{id}/attribution":               {"id": "victim-opportunity"},
	"GET /api/v1/opportunities/{id}/notes":                     {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/renewal/confirm":          {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/discount":                 {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/discount/decision":        {"id": "victim-opportunity"},
	"PUT /api/v1/opportunities/{id}/price-protection":          {"id": "victim-opportunity"},
	"GET /api/v1/opportunities/{id}/plan":                      {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/plan":                     {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/plan/template":            {"id": "victim-opportunity"},
	"PATCH /api/v1/opportunities/{id}/plan/{item}":             {"id": "victim-opportunity", "item": "victim-milestone"},
	"POST /api/v1/opportunities/{id}/notes":                    {"id": "victim-opportunity"},
	"GET /api/v1/opportunities/{id}/attachments":               {"id": "victim-opportunity"},
	"POST /api/v1/opportunities/{id}/attachments":              {"id": "victim-opportunity"},
	"GET /api/v1/opportunities/{id}/attachments/{aid}/content": {"id": "victim-opportunity", "aid": "victim-attachment"},
	"DELETE /api/v1/opportunities/{id}/attachments/{aid}":      {"id": "victim-opportunity", "aid": "victim-attachment"},
	"GET /api/v1/pipeline/settings":                            nil,
	"PUT /api/v1/pipeline/settings":                            nil,
	"GET /api/v1/pipeline/stage-models":                        nil,
	"GET /api/v1/pipeline/stage-models/{motion}":               {"motion": "own-motion"},
	"PUT /api/v1/pipeline/stage-models/{motion}":               {"motion": "own-motion"},
	"POST /api/v1/pipeline/stage-models/{motion}/reset":        {"motion": "own-motion"},
	// Pipeline pages
	"GET /w/{slug}/pipeline":                          {"slug": "victim-slug"},
	"GET /w/{slug}/pipeline.csv":                      {"slug": "victim-slug"},
	"GET /w/{slug}/pipeline/new":                      {"slug": "victim-slug"},
	"GET /w/{slug}/settings/pipeline":                 {"slug": "victim-slug"},
	"POST /w/{slug}/settings/pipeline":                {"slug": "victim-slug"},
	"POST /w/{slug}/pipeline/new":                     {"slug": "victim-slug"},
	"POST /w/{slug}/pipeline-views":                   {"slug": "victim-slug"},
	"GET /w/{slug}/settings/stages":                   {"slug": "victim-slug"},
	"GET /w/{slug}/settings/stages/{motion}":          {"slug": "victim-slug", "motion": "own-motion"},
	"POST /w/{slug}/settings/stages/{motion}":         {"slug": "victim-slug", "motion": "own-motion"},
	"POST /w/{slug}/settings/stages/{motion}/reset":   {"slug": "victim-slug", "motion": "own-motion"},
	"POST /w/{slug}/pipeline-views/{id}/delete":       {"slug": "victim-slug", "id": "victim-pipeline-view"},
	"GET /w/{slug}/pipeline/{id}":                     {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/stage":              {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/edit":               {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/attribution":        {"slug": "victim-slug", "id": "victim-opportunity"},
	"GET /w/{slug}/portal/pipeline":                   {"slug": "victim-slug"},
	"GET /w/{slug}/portal/pipeline/{id}":              {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/notes":              {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/portal/pipeline/{id}/notes":       {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/renewal":            {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/discount":           {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/discount/decision":  {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/price-protection":   {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/plan":               {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/plan/template":      {"slug": "victim-slug", "id": "victim-opportunity"},
	"POST /w/{slug}/pipeline/{id}/plan/{item}":        {"slug": "victim-slug", "id": "victim-opportunity", "item": "victim-milestone"},
	"POST /w/{slug}/portal/pipeline/{id}/plan/{item}": {"slug": "victim-slug", "id": "victim-opportunity", "item": "victim-milestone"},
	// Opportunity attachments
	"POST /w/{slug}/pipeline/{id}/attachments":                     {"slug": "victim-slug", "id": "victim-opportunity"},
	"GET /w/{slug}/pipeline/{id}/attachments/{aid}":                {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	"GET /w/{slug}/pipeline/{id}/attachments/{aid}/remove":         {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	"POST /w/{slug}/pipeline/{id}/attachments/{aid}/remove":        {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	"POST /w/{slug}/portal/pipeline/{id}/attachments":              {"slug": "victim-slug", "id": "victim-opportunity"},
	"GET /w/{slug}/portal/pipeline/{id}/attachments/{aid}":         {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	"GET /w/{slug}/portal/pipeline/{id}/attachments/{aid}/remove":  {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	"POST /w/{slug}/portal/pipeline/{id}/attachments/{aid}/remove": {"slug": "victim-slug", "id": "victim-opportunity", "aid": "victim-attachment"},
	// Program: tiers and tier reviews
	"GET /api/v1/tiers":                         nil,
	"PUT /api/v1/tiers":                         nil,
	"GET /api/v1/tier-reviews":                  nil,
	"POST /api/v1/tier-reviews/run":             nil,
	"POST /api/v1/tier-reviews/{id}/decision":   {"id": "victim-tier-review"},
	"GET /w/{slug}/settings/tiers":              {"slug": "victim-slug"},
	"POST /w/{slug}/settings/tiers":             {"slug": "victim-slug"},
	"GET /w/{slug}/tier-reviews":                {"slug": "victim-slug"},
	"POST /w/{slug}/tier-reviews/run":           {"slug": "victim-slug"},
	"GET /api/v1/partners/{id}/offboard":        {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/offboard":       {"id": "victim-partner"},
	"GET /w/{slug}/partners/{id}/offboard":      {"slug": "victim-slug", "id": "victim-partner"},
	"POST /w/{slug}/partners/{id}/offboard":     {"slug": "victim-slug", "id": "victim-partner"},
	"GET /api/v1/applications":                  nil,
	"GET /api/v1/applications/{id}":             {"id": "victim-application"},
	"POST /api/v1/applications/{id}/decision":   {"id": "victim-application"},
	"GET /w/{slug}/apply":                       {"slug": "public-slug"},
	"POST /w/{slug}/apply":                      {"slug": "public-slug"},
	"GET /w/{slug}/applications":                {"slug": "victim-slug"},
	"GET /w/{slug}/applications/{id}":           {"slug": "victim-slug", "id": "victim-application"},
	"POST /w/{slug}/applications/{id}/accept":   {"slug": "victim-slug", "id": "victim-application"},
	"POST /w/{slug}/applications/{id}/reject":   {"slug": "victim-slug", "id": "victim-application"},
	"POST /w/{slug}/tier-reviews/{id}/decision": {"slug": "victim-slug", "id": "victim-tier-review"},
	// Certifications
	"GET /api/v1/certification-catalogue":                       nil,
	"POST /api/v1/certification-catalogue":                      nil,
	"PUT /api/v1/certification-catalogue/{key}":                 {"key": "victim-certification-key"},
	"GET /api/v1/partners/{id}/certifications":                  {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/certifications":                 {"id": "victim-partner"},
	"POST /api/v1/partners/{id}/certifications/{cert}/revoke":   {"id": "victim-partner", "cert": "victim-certification"},
	"GET /w/{slug}/settings/certifications":                     {"slug": "victim-slug"},
	"POST /w/{slug}/settings/certifications":                    {"slug": "victim-slug"},
	"GET /w/{slug}/settings/certifications/{key}":               {"slug": "victim-slug", "key": "victim-certification-key"},
	"POST /w/{slug}/settings/certifications/{key}":              {"slug": "victim-slug", "key": "victim-certification-key"},
	"POST /w/{slug}/settings/certifications/{key}/retire":       {"slug": "victim-slug", "key": "victim-certification-key"},
	"POST /w/{slug}/partners/{id}/certifications":               {"slug": "victim-slug", "id": "victim-partner"},
	"GET /w/{slug}/partners/{id}/certifications/{cert}/revoke":  {"slug": "victim-slug", "id": "victim-partner", "cert": "victim-certification"},
	"POST /w/{slug}/partners/{id}/certifications/{cert}/revoke": {"slug": "victim-slug", "id": "victim-partner", "cert": "victim-certification"},
}

// victim holds the identifiers that must never reach an attacker.
type victim struct {
	slug, userID, tokenID, link string
	secrets                     []string // strings whose presence in a response is a leak
}

type attacker struct {
	name   string
	client *http.Client // session cookie
	token  string       // API token of the same person
}

func TestIsolation(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	ctx := context.Background()
	ids := a.Identity

	// Workspace A is the demo: partner prt_demo000000 (victim partner) and prt_demo000001.
	wsA, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	// Workspace B with every role.
	wsB, adminB, _, err := ids.SetUpWorkspace(ctx, workspace.Workspace{Slug: "other", Name: "Other Vendor"}, "boss@other.example", "Boss Other")
	if err != nil {
		t.Fatal(err)
	}
	sysB := policy.System(wsB.ID)
	pB, err := (&partner.Service{Store: store.Partners{DB: a.DB}, Now: ids.Now}).Create(ctx, sysB, "setup", partner.NewPartner{Name: "B Partner", Motions: []tandem.Motion{tandem.MotionResale}})
	if err != nil {
		t.Fatal(err)
	}
	var attackers []attacker
	people := []identity.Invitation{
		{Email: "pm@other.example", Role: tandem.RolePartnerManager}, {Email: "sales@other.example", Role: tandem.RoleSales},
		{Email: "viewer@other.example", Role: tandem.RoleViewer}, {Email: "padmin@bpartner.example", Role: tandem.RolePartnerAdmin, PartnerID: pB.ID},
		{Email: "pseller@bpartner.example", Role: tandem.RolePartnerSeller, PartnerID: pB.ID}, {Email: "pmkt@bpartner.example", Role: tandem.RolePartnerMarketer, PartnerID: pB.ID},
	}
	for _, in := range people {
		if _, err := ids.Invite(ctx, sysB, "setup", in); err != nil {
			t.Fatal(err)
		}
	}
	enlist := func(name, email, wsID string) {
		c := signInAt(t, a, base, email, wsID)
		u, err := ids.Store.UsersByEmail(ctx, email)
		if err != nil || len(u) != 1 {
			t.Fatalf("user %s: %v", email, err)
		}
		tok, _, err := ids.CreateToken(ctx, u[0].Actor(), name, identity.NewToken{Name: "attacker " + name})
		if err != nil && tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("token for %s: %v", name, err)
		} // roles that may not make tokens attack with their session only
		attackers = append(attackers, attacker{name: name, client: c, token: tok})
	}
	enlist("other workspace admin", adminB.Email, wsB.ID)
	for _, in := range people {
		enlist("other workspace "+string(in.Role), in.Email, wsB.ID)
	}
	// Partner users of the other partner in the same workspace.
	for _, in := range []identity.Invitation{
		{Email: "padmin@p1.example", Role: tandem.RolePartnerAdmin, PartnerID: "prt_demo000001"},
		{Email: "pseller@p1.example", Role: tandem.RolePartnerSeller, PartnerID: "prt_demo000001"},
		{Email: "pmkt@p1.example", Role: tandem.RolePartnerMarketer, PartnerID: "prt_demo000001"},
	} {
		if _, err := ids.Invite(ctx, policy.System(wsA.ID), "setup", in); err != nil {
			t.Fatal(err)
		}
		enlist("other partner "+string(in.Role), in.Email, wsA.ID)
	}

	// The victims: workspace A as a whole (for attackers from B) and partner
	// prt_demo000000 (for attackers from the other partner).
	samA, _ := ids.Store.UsersByEmail(ctx, demo.PartnerEmail)
	victimToken, _, err := ids.CreateToken(ctx, samA[0].Actor(), "Sam", identity.NewToken{Name: "victim token"})
	if err != nil {
		t.Fatal(err)
	}
	victimTokenID := strings.Split(victimToken, "_")[1]
	victimReg, err := a.Registrations.Submit(ctx, samA[0].Actor(), "Sam Partner", registration.ChannelPortal, registration.Input{
		CustomerName: "Zebulon Victim Holdings", CustomerDomain: "zebulon-victim.example", Motion: "referral", Amount: "777777"})
	if err != nil {
		t.Fatal(err)
	}
	// A second partner claims the same customer: a conflict case the other partner's
	// people and the other workspace must not reach.
	if _, err := a.Registrations.Submit(ctx, policy.System(wsA.ID), "setup", registration.ChannelAPI, registration.Input{PartnerID: "prt_demo000010",
		CustomerName: "Zebulon Victim Holdings BV", CustomerDomain: "zebulon-victim.example", Motion: "referral"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Conflicts.Sweep(ctx, wsA.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	victimCases, _, err := a.Conflicts.List(ctx, policy.System(wsA.ID), conflictcase.Filter{}, "", 5)
	if err != nil || len(victimCases) != 1 {
		t.Fatalf("victim conflict case: %d (%v)", len(victimCases), err)
	}
	victimCase := victimCases[0].ID
	// Partner prt_demo000000's opportunity, on an account with a contact.
	pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: ids.Now}
	accName, conName, oppName := "Zebulon Victim Account", "Zebulon Victim Contact", "Zebulon Victim Deal"
	partnerSide := pipeline.SidePartner
	victimAcc, err := pipe.CreateAccount(ctx, policy.System(wsA.ID), "setup", pipeline.AccountInput{Name: &accName})
	if err != nil {
		t.Fatal(err)
	}
	victimContact, err := pipe.CreateContact(ctx, policy.System(wsA.ID), "setup", pipeline.ContactInput{AccountID: &victimAcc.ID, Name: &conName})
	if err != nil {
		t.Fatal(err)
	}
	victimOpp, err := pipe.CreateOpportunity(ctx, policy.System(wsA.ID), "setup", pipeline.OpportunityInput{AccountID: &victimAcc.ID, Name: &oppName,
		Motion: tandem.MotionReferral, PartnerID: "prt_demo000000"})
	if err != nil {
		t.Fatal(err)
	}
	// A tier review proposal in workspace A: with no grace period, its Platinum
	// partner without revenue is proposed for demotion at once.
	progA, err := a.Program.Settings(ctx, wsA.ID)
	if err != nil {
		t.Fatal(err)
	}
	progA.GraceDays = 0
	if _, err := a.Program.Update(ctx, policy.System(wsA.ID), "setup", progA); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Program.Evaluate(ctx, wsA.ID); err != nil {
		t.Fatal(err)
	}
	reviewsA, err := a.Program.List(ctx, policy.System(wsA.ID), "open", 1)
	if err != nil || len(reviewsA) != 1 {
		t.Fatalf("victim tier review: %v, %v", reviewsA, err)
	}
	victimReview := reviewsA[0].ID
	// An application to workspace A from the public form.
	apps := &application.Service{Store: store.Applications{DB: a.DB}, Now: ids.Now}
	if err := apps.Submit(ctx, demo.Slug, application.Form{Company: "Zebulon Applicant Ltd", Website: "zebulon-applicant.example",
		ContactName: "Zed", ContactEmail: "zed@zebulon-applicant.example", Motions: []tandem.Motion{tandem.MotionReferral}}); err != nil {
		t.Fatal(err)
	}
	appsA, err := (store.Applications{DB: a.DB}).Applications(ctx, wsA.ID, "new", 1)
	if err != nil || len(appsA) != 1 {
		t.Fatalf("victim application: %v, %v", appsA, err)
	}
	victimApp := appsA[0].ID
	victimItem, err := pipe.AddMilestone(ctx, policy.System(wsA.ID), "setup", victimOpp.ID, pipeline.MilestoneInput{Title: &oppName,
		OwnerSide: &partnerSide})
	if err != nil {
		t.Fatal(err)
	}
	// A document on the victim's opportunity, shared with the victim partner.
	victimAtt, err := pipe.AddAttachment(ctx, policy.System(wsA.ID), "setup", victimOpp.ID, pipeline.AttachmentInput{Kind: "order_form",
		FileName: "zebulon-order-form.pdf", File: []byte("%PDF-1.4\n% Zebulon victim order form\n%%EOF\n"), Visibility: pipeline.Shared})
	if err != nil {
		t.Fatal(err)
	}
	// A certification held by the victim partner, with internal evidence.
	if _, err := a.Certifications.CreateDefinition(ctx, policy.System(wsA.ID), "setup", certification.DefinitionInput{Key: "zebulon_cert",
		Name: "Zebulon Certified Expert", ValidityMonths: 12}); err != nil {
		t.Fatal(err)
	}
	victimCert, err := a.Certifications.Record(ctx, policy.System(wsA.ID), "setup", "prt_demo000000", certification.RecordInput{Key: "zebulon_cert",
		Evidence: "Zebulon exam transcript"})
	if err != nil {
		t.Fatal(err)
	}
	// A document on the victim's deal, internal to the vendor.
	victimMemo, err := pipe.AddAttachment(ctx, policy.System(wsA.ID), "setup", victimOpp.ID, pipeline.AttachmentInput{Kind: "order_form",
		Name: "Zebulon order form", FileName: "zebulon.txt", File: []byte("Zebulon signed for 777,777\n")})
	if err != nil {
		t.Fatal(err)
	}
	v := victim{slug: demo.Slug, userID: samA[0].ID, tokenID: victimTokenID, link: "ws_demo.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		secrets: []string{demo.PartnerEmail, "Sam Partner", "lee@northwind-advisory.example", victimTokenID, samA[0].ID, victimCase,
			victimReg.Registration.ID, "Zebulon", "777,777", victimCert.ID, victimAcc.ID, victimContact.ID, victimOpp.ID, victimItem.ID, victimAtt.ID, victimMemo.ID}}
	victimPartnerContact, err := (store.PartnerContacts{DB: a.DB}).PartnerContact(ctx, wsA.ID, "prt_demo000000", "con_demo010000")
	if err != nil || victimPartnerContact.Email == "" {
		t.Fatalf("victim partner contact: %+v, %v", victimPartnerContact, err)
	}
	v.secrets = append(v.secrets, victimPartnerContact.Email)
	// A saved segment and a saved view of workspace A's partner manager.
	segs := &partner.Segments{Store: store.Segments{DB: a.DB}, Partners: store.Partners{DB: a.DB}, Now: ids.Now}
	victimSegment, err := segs.Create(ctx, policy.System(wsA.ID), "setup", "Zebulon segment", `tags contains "zebulon-tag"`)
	if err != nil {
		t.Fatal(err)
	}
	pmA, _ := ids.Store.UsersByEmail(ctx, demo.ManagerEmail)
	victimView, err := (&partner.Views{Store: store.Segments{DB: a.DB}, Now: ids.Now}).Save(ctx, pmA[0].Actor(), "Zebulon view", url.Values{"tag": {"zebulon"}})
	if err != nil {
		t.Fatal(err)
	}
	victimPipelineView, err := (&pipeline.Views{Store: store.Pipeline{DB: a.DB}, Now: ids.Now}).Save(ctx, pmA[0].Actor(), "Paul", "Zebulon pipeline view", url.Values{"q": {"zebulon"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	v.secrets = append(v.secrets, victimSegment.ID, victimView.ID, victimPipelineView.ID)
	fromB := append([]string{wsA.ID, "prt_demo0000", "usr_demo0000", demo.AdminEmail, "Northwind"}, v.secrets...)
	// Workspace A's own referral stage model: the other workspace never sees its labels.
	refA, err := pipe.StageModel(ctx, policy.System(wsA.ID), tandem.MotionReferral)
	if err != nil {
		t.Fatal(err)
	}
	refA.Stages[1].Label = "Quetzal qualified"
	if _, err := pipe.SaveStageModel(ctx, policy.System(wsA.ID), "setup", tandem.MotionReferral, refA.Model, 0); err != nil {
		t.Fatal(err)
	}
	fromB = append(fromB, "Quetzal qualified")

	routes := map[string]bool{}
	for _, r := range a.API.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for _, r := range a.UI.Routes() {
		routes[r] = true
	}
	for route := range routes {
		params, ok := isolationCases[route]
		if !ok {
			t.Errorf("route %s has no isolation case: add it to isolationCases", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		path = strings.TrimSuffix(path, "{$}")
		path = regexp.MustCompile(`\{([a-z]+)\}`).ReplaceAllStringFunc(path, func(m string) string {
			switch params[strings.Trim(m, "{}")] {
			case "victim-slug", "public-slug": // a public page of the workspace: anyone may see it, nothing may leak
				return v.slug
			case "own-motion": // a motion names no record: each caller reaches its own workspace's model
				return "referral"
			case "victim-user":
				return v.userID
			case "victim-token":
				return v.tokenID
			case "victim-link":
				return v.link
			case "victim-partner":
				return "prt_demo000000"
			case "victim-registration":
				return victimReg.Registration.ID
			case "victim-conflict":
				return victimCase
			case "victim-account":
				return victimAcc.ID
			case "victim-contact":
				return victimContact.ID
			case "victim-segment":
				return victimSegment.ID
			case "victim-view":
				return victimView.ID
			case "victim-pipeline-view":
				return victimPipelineView.ID
			case "victim-partner-contact":
				return "con_demo010000"
			case "victim-opportunity":
				return victimOpp.ID
			case "victim-milestone":
				return victimItem.ID
			case "victim-attachment":
				return victimAtt.ID
			case "victim-tier-review":
				return victimReview
			case "victim-application":
				return victimApp
			case "victim-certification":
				return victimCert.ID
			case "victim-certification-key":
				return "zebulon_cert"
			}
			t.Fatalf("route %s: no value for %s", route, m)
			return ""
		})
		for _, at := range attackers {
			forbidden := v.secrets
			if strings.HasPrefix(at.name, "other workspace") {
				forbidden = fromB
			}
			// A route aims at the victim when it names a victim record, or — for an
			// attacker from the other workspace — the victim's workspace. Pages of
			// the attacker's own workspace (slug only) are theirs to see.
			sameWorkspace := !strings.HasPrefix(at.name, "other workspace")
			targeted := false
			for _, val := range params {
				if val == "public-slug" || val == "own-motion" {
					continue
				}
				if val != "victim-slug" || !sameWorkspace {
					targeted = true
				}
			}
			check := func(how string, resp *http.Response, body string) {
				// The request's own path may be echoed back (problem "instance"); only
				// what the attacker did not send counts as a leak.
				body = strings.ReplaceAll(body, path, "")
				if strings.HasPrefix(path, "/signin/") && (resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusOK) {
					// The link pages never show whose link it is; a made-up link fails.
				} else if resp.StatusCode >= 200 && resp.StatusCode < 300 && targeted {
					t.Errorf("%s %s as %s (%s): %d, want it refused", method, path, at.name, how, resp.StatusCode)
				}
				if resp.StatusCode == http.StatusSeeOther && targeted {
					loc := resp.Header.Get("Location")
					if loc != "/" && !strings.HasPrefix(loc, "/w/other/") && !(sameWorkspace && strings.HasPrefix(loc, "/w/demo/portal/")) {
						t.Errorf("%s %s as %s (%s): redirected to %s", method, path, at.name, how, loc)
					}
				}
				for _, s := range forbidden {
					if strings.Contains(body, s) {
						t.Errorf("%s %s as %s (%s): response contains %q", method, path, at.name, how, s)
					}
				}
			}
			hdr := []string{"Content-Type", "application/json"}
			if !strings.HasPrefix(path, "/api/") {
				hdr = []string{"Content-Type", "application/x-www-form-urlencoded"}
			}
			body := `{"name":"x","email":"x@example.com","role":"viewer"}`
			if !strings.HasPrefix(path, "/api/") {
				body = "name=x&email=x%40example.com&role=viewer"
			}
			if method == "GET" {
				body = ""
			}
			client := at.client
			if strings.HasPrefix(path, "/signout") {
				client = browser(t) // walking these with the attacker's session would end it for the routes after
			}
			resp, b := call(t, client, method, base+path, strings.NewReader(body), hdr...)
			check("session", resp, b)
			if strings.HasPrefix(path, "/api/") && at.token != "" {
				resp, b = call(t, &http.Client{}, method, base+path, strings.NewReader(body), append(hdr, "Authorization", "Bearer "+at.token)...)
				check("token", resp, b)
			}
		}
	}
	// The victim's things are untouched.
	u, err := ids.Store.UserByID(ctx, wsA.ID, v.userID)
	if err != nil || u.Status == identity.Deactivated {
		t.Fatalf("victim user after the walk: %+v, %v", u, err)
	}
	if ap, err := (store.Applications{DB: a.DB}).Application(ctx, wsA.ID, victimApp); err != nil || ap.Status != "new" {
		t.Fatalf("victim application after the walk: %+v, %v", ap, err)
	}
	if c, err := (store.Certifications{DB: a.DB}).Certification(ctx, wsA.ID, victimCert.ID); err != nil || c.Revoked() {
		t.Fatalf("victim certification after the walk: %+v, %v", c, err)
	}
	if r, err := (store.Program{DB: a.DB}).Review(ctx, wsA.ID, victimReview); err != nil || r.Status != "open" {
		t.Fatalf("victim tier review after the walk: %+v, %v", r, err)
	}
	if as, err := pipe.Attachments(ctx, policy.System(wsA.ID), victimOpp.ID); err != nil || len(as) != 2 {
		t.Fatalf("victim attachments after the walk: %+v, %v", as, err)
	}
	if _, body, err := pipe.AttachmentContent(ctx, policy.System(wsA.ID), victimOpp.ID, victimMemo.ID); err != nil || len(body) == 0 {
		t.Fatalf("victim's internal attachment after the walk: %v", err)
	}
	tk, err := ids.Store.TokenByID(ctx, v.tokenID)
	if err != nil || !tk.RevokedAt.IsZero() {
		t.Fatalf("victim token after the walk: %+v, %v", tk, err)
	}
}

// signInAt signs email in to the workspace through the real emailed-link flow.
func signInAt(t *testing.T, a *app.App, base, email, wsID string) *http.Client {
	t.Helper()
	c := browser(t)
	if resp, _ := form(t, c, base+"/signin", map[string][]string{"email": {email}}); resp.StatusCode != 200 {
		t.Fatalf("sign-in request for %s: %d", email, resp.StatusCode)
	}
	link := heldLinkIn(t, a, wsID, email)
	if resp, _ := call(t, c, "POST", link, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d", email, resp.StatusCode)
	}
	return c
}
