// Package tandem holds the vocabulary every other package shares: the small set of
// error kinds that transports map to status codes, and the core enumerations of the
// partner program (motions, roles). It has no dependencies beyond the standard library
// and does no I/O.
package tandem
