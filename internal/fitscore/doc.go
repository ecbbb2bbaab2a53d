// Package fitscore scores how well a partner fits a workspace's partner ICP (SPEC B3).
//
// A Config lists weighted criteria: target industries, a band of deal sizes, target
// regions, overlap with the vendor's integrations, overlap of customer bases, reach, and
// complementary services. Each can be switched off; weights are relative and are
// normalised over the criteria that count. Score turns a Config and a partner's Inputs
// into a 0–100 score with one Contribution per enabled criterion, each carrying its value
// from 0 to 1, its whole points and a sentence a partner manager can read. The points
// add up to the score exactly (largest remainder rounding).
//
// Missing data is a workspace choice, shown in every Result: with MissingExclude (the
// default) a criterion without data is left out and the others share its weight, and
// Result.Coverage says how much of the weight the score rests on; with MissingZero it
// counts as 0. Either way the contribution is marked NoData and says so.
//
// Everything here is a pure, deterministic function of its arguments; nothing reads a
// clock, a database or the network. Callers recompute a score whenever a partner's
// inputs or the workspace's Config change.
package fitscore
