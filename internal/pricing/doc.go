// Package pricing holds the discount guardrails of SPEC G7: discount bands by partner
// tier and motion, price protection with its dates, and CheckDiscount, which says whether
// a requested discount is within policy, needs someone's approval (and why), or is never
// allowed.
//
// A workspace configures ladders of bands, one ladder per tier and motion (either may be
// "any"): for example 0–20% with no approval, 20–30% approved by a partner manager, 30–40%
// by sales leadership. Above the top of a ladder, or where no ladder applies, the
// workspace's exception approver decides, up to a hard ceiling nobody can approve past.
//
// Everything here is pure: no I/O, no global state; the time is passed in.
package pricing
