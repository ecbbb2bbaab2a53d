// Package attribution checks and compares multi-partner attribution on opportunities
// (SPEC G2): which partners get credit, whether each sourced or influenced the deal, and
// with what share. Shares are exact decimal percentages (Percent), so totals never suffer
// from floating-point rounding.
//
// Validate applies a workspace's Config (split sourcing allowed or not, how percentages
// must add up) and reports every problem with a field path the API returns as is; Diff
// and Change.String describe an edit for the audit log. Everything here is pure: no I/O,
// no clock, no global state.
package attribution
