// Package policy is Tandem's one authorization policy (SPEC A4). Every service
// method describes who is asking (an Actor), what it wants to do (an Action) and to
// what (a Resource), and calls Authorize before it reads or changes anything;
// handlers never decide on their own. The policy is a pure function of those three
// values: no I/O, no clock, no global state that changes.
//
// # Who may do what
//
// Within its own workspace, each role may do the following (r read, l list,
// c create, u update, d delete or deactivate, x decide, e export, a acknowledge;
// "." nothing). Partner roles apply to their own organisation's resources only.
//
//	kind             admin    pmgr     sales    viewer   p-admin  p-sell   p-mkt
//	settings         ru       r        .        r        .        .        .
//	users            rlcud    rl       rl       rl       .        .        .
//	partner_users    rlcud    rlcud    rl       rl       rlcud    rl       rl
//	partners         rlcudxe  rlcudxe  rle      rle      .        .        .
//	partner_profile  rlu      rlu      rl       rl       ru       r        r
//	registrations    rlcuxe   rlcuxe   rle      rle      rlcue    rlcu     .
//	conflict_cases   rluxe    rluxe    rlu      rle      .        .        .
//	accounts         rlcude   rlcue    rlcue    rle      .        .        .
//	contacts         rlcude   rlcue    rlcue    rle      .        .        .
//	opportunities    rlcude   rlcue    rlcue    rle      rle      rl       .
//	attribution      rlue     rlue     rl       rle      rl       rl       .
//	internal_notes   rlcd     rlc      rlc      rl       .        .        .
//	partner_notes    rlcd     rlc      rlc      rl       rlc      rlc      .
//	plan_items       rlcud    rlcud    rlcu     rl       rlu      rlu      .
//	announcements    rlcud    rlcud    rl       rl       rla      rla      rla
//	content          rlcud    rlcud    rl       rl       rl       rl       rl
//	payouts          rlcuxe   rlcue    .        rle      rl       .        .
//	audit_log        rle      rl       .        rl       .        .        .
//	api_tokens       rlcd     .        .        .        rlcd     .        .
//	outbox           rl       .        .        .        .        .        .
//
// In words:
//
//   - admin: everything, including settings, users, API tokens and the outbox
//     (which holds sign-in links while no mail server is configured). Nobody, admin
//     included, may change or delete the audit log, or decide, acknowledge or delete
//     where the action makes no sense for the kind.
//   - partner manager (pmgr): runs the program: partners and their users,
//     registrations including decisions, pipeline, announcements, content, payout
//     preparation (not approval), and reads the audit log (no export). Reads
//     settings, cannot change them.
//   - sales: accounts, contacts and opportunities; reads partners and
//     registrations (no decisions); internal and shared notes. No settings, payouts
//     or audit log.
//   - viewer: reads everything internal except API tokens and the outbox; may export
//     business lists but not the audit log.
//   - partner admin (p-admin): its organisation's profile, users and API tokens;
//     registers deals and sees its registrations and the opportunities it is on;
//     reads its payouts.
//   - partner seller (p-sell): registers deals; sees its organisation's
//     registrations and the opportunities it is on, and their shared notes.
//   - partner marketer (p-mkt): reads the profile, content and announcements. No
//     pipeline.
//   - system jobs: every action that applies, within their own workspace.
//
// # Walls
//
// Authorize checks, in order: that actor and resource are well formed (a malformed
// one is a bug and is refused with an internal error); that both are in the same
// workspace (otherwise not_found, for every actor); that the action applies to the
// kind (otherwise forbidden); for partner actors, the partner wall; and finally the
// role, token scopes or link grant (otherwise forbidden).
//
// The partner wall: a partner actor (partner user, token with a partner role, or
// signed link) never sees vendor-only kinds (settings, users, partners as the vendor
// records them, accounts, contacts, internal notes, audit log, outbox); addressing
// one of them by id answers not_found and listing them answers forbidden. Owned
// kinds (partner users, profile, registrations, opportunities, attribution, shared
// notes, payouts, API tokens) are visible only when the actor's organisation is in
// Resource.Partners; otherwise not_found, so another partner's records cannot even be
// confirmed to exist. Announcements and content are visible when Partners is empty
// (published to all) or lists the actor's organisation. A collection request (list,
// export, create) may name only the actor's own organisation; lists that name none
// must be filtered by the store with Actor.PartnerOnly. Shared notes and attribution
// rows belong to one partner each, so partners on the same opportunity never see
// each other's notes or shares.
//
// # Tokens and links
//
// An API token acts with a role (the creator's, possibly lowered) and is further
// limited by its Scopes: an area and read or write access (write includes read;
// read covers read, list and export). API tokens and the outbox have no area, so no
// token can mint tokens or read sign-in links. A signed action link is an actor of
// its own: it may do the one action it grants (see LinkAction for the names links
// carry) for its partner, and read the one resource it is pinned to.
//
// # Safe fields
//
// Partner-facing output is built from explicit allow-lists (SafeFields): Redact
// reduces a map to them, and UnsafeFields lets a test pin a typed view struct to
// them. Authorize says whether a partner may see a record; the safe fields say how
// much of it.
package policy
