// Package signedlink makes and checks signed action links (SPEC A2): a link that lets
// whoever holds it do one named action (such as "registration.create" or
// "announcement.ack") on one subject (a partner id, an announcement id) in one
// workspace, until it expires, without signing in.
//
// # Token format
//
// A token is the unpadded base64url encoding (RFC 4648 §5, canonical form only) of
// these bytes:
//
//	version      1 byte, currently 1
//	key id       1 length byte, then 1–32 bytes of [A-Za-z0-9._-]
//	link id      16 random bytes
//	workspace    1 length byte, then 1–128 printable ASCII bytes, no spaces
//	action       1 length byte, then 1–64 bytes: dot-separated lowercase words, at least two
//	subject      1 length byte, then 1–128 printable ASCII bytes, no spaces
//	holder       1 length byte, then 0–128 printable ASCII bytes, no spaces
//	expires      8 bytes, big-endian Unix seconds
//	max uses     4 bytes, big-endian; 0 means no limit other than expiry
//	mac          32 bytes, HMAC-SHA256 of every byte above
//
// The MAC key is derived from the keyring secret for this one purpose, so the same
// secret can safely sign other things elsewhere. With UUIDs for workspace and
// subject a token is about 210 characters (260 with a holder), and it is safe to
// put in a URL path or query without escaping.
//
// # Keys
//
// A Keyring holds the current key, which signs, and any number of retired keys,
// which still verify. To rotate: add a new key as current and keep the old one as
// retired for as long as links signed with it should work (the longest link
// lifetime you issue); then drop it, and its links are refused as signed by an
// unknown key.
//
// # Verification
//
// Verify is pure: it reads no clock (now is passed in) and no storage. It checks, in
// order, the encoding and structure (Malformed), the key id (UnknownKey), the MAC in
// constant time (BadSignature) and the expiry (Expired). A link expires at the
// second it names: it is valid while now is before ExpiresAt. Only fields covered by
// a valid MAC are ever reported back, so an error never repeats attacker-chosen
// content other than as "malformed".
//
// # The store's side of the contract
//
// Single use, use limits and revocation need state, so they belong to the store,
// keyed by (workspace id, link id):
//
//   - Issue: record each link when it is signed, in the same transaction as what it
//     was made for: workspace id, link id, action, subject, holder, expires at, max
//     uses, uses (0), revoked at (empty), who issued it and when.
//   - Show: a GET of the link's page verifies and displays what it will do, but does
//     not count a use. Mail scanners open links before people do; the use is
//     counted only by the POST that performs the action.
//   - Redeem: in the same transaction as the action, increment uses only where the
//     row exists, is not revoked, matches the claims' action and subject, and
//     (max uses = 0 or uses < max uses). When no row qualifies, refuse with
//     NewError(Revoked) if it is revoked or missing (a validly signed link without
//     a row was never issued by this deployment or was purged) and NewError(UsedUp)
//     if its uses are spent. If the action fails, the transaction rolls back and the
//     use is not counted.
//   - Revoke: set revoked at, for one link or for every link of a subject (e.g. when
//     a partner is offboarded).
//   - Purge: rows may be deleted some time after they expire; Verify refuses expired
//     links by itself.
//
// The claims' WorkspaceID is authoritative: look the link up in that workspace only,
// and act in that workspace only. Then describe the holder to the policy as an
// ActorLink, with the claims' action mapped to the policy's kind and action by
// policy.LinkAction.
package signedlink
