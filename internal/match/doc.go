// Package match decides whether two company records denote the same customer: the
// uniqueness test behind deal-registration conflict detection and account mapping.
//
// It is a pure engine: no I/O, no clock, no global state beyond read-only tables.
//
//   - Prepare normalises a Record (name, web domain, e-mail, country) once: case,
//     punctuation, accents and Cyrillic/Greek script are folded; legal forms of many
//     countries are recognised and set aside; filler words, numbers, ordinals, common
//     abbreviations, places and aliases ("d/b/a") are read; domains are reduced to their
//     registrable part and free-mail providers ignored.
//   - ComparePrepared (or Compare) scores two records in [0,1] and explains the score
//     with short reasons; Config turns the score into a Decision (match, possible, none).
//   - Index holds prepared records for fast candidate lookup by token, spelling
//     neighbours (one typo, or two in long words), spacing variants, acronyms and domain,
//     and scores only the most promising candidates. It supports incremental add, update
//     and remove and is safe for concurrent use.
//
// docs/matching.md describes the method, its measured accuracy and the labels of the
// development set that Tandem deliberately disagrees with.
package match
