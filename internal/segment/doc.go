// Package segment parses and evaluates segment rules: short, readable conditions over a
// partner's fields such as
//
//	tier = "Gold" and engagement < 30
//	motion in ("resale", "marketplace") and not region = "EMEA"
//	fit >= 70 or tags contains "strategic"
//	last_activity older than 60 days
//
// A rule is parsed once against a Schema that names the fields a workspace knows and their
// types, and is then matched against many records. Parsing refuses anything it cannot
// read, names an unknown field, or compares a field with a value of the wrong type, with
// a tandem.Error of KindInvalid whose field "rule" says at which column the fault lies and
// what was expected there.
//
// # Language
//
// Keywords (and, or, not, in, contains, older, newer, than, is, empty, days, weeks,
// hours) and field names are case-insensitive. Precedence from loosest to tightest is
// or, and, not; parentheses group. A comparison is a field, an operator and a value:
//
//	field type   operators                                   values
//	text         = != in, not in, contains, is [not] empty   "quoted", 'quoted' or a bare word
//	number       = != < <= > >= in, not in, is [not] empty   12, 4.5, -3
//	text list    contains, in, not in, is [not] empty        as for text
//	time         = != < <= > >=                              a date: 2026-01-31
//	             older than N, newer than N                  N days, weeks or hours
//	             is [not] empty
//
// Text comparisons ignore case. On a text list, contains asks whether one element equals
// the value, and in whether any element is in the list. Dates compare by UTC calendar day.
// "older than 60 days" holds when more than 60 days have passed between the field's time
// and now; "newer than 7 days" when less than 7 days have.
//
// A comparison on a field the record has no value for is false (so "not x = 1" is true
// for such a record); "is empty" is the way to ask for missing values. Text is empty when
// it is missing or "", a list when it is missing or has no elements.
//
// Rules are at most MaxLength characters and MaxDepth levels of nesting.
//
// # Evaluation
//
// (*Rule).Match reads values through the Record interface, whose typed getters let a
// caller's own struct answer without boxing; Map adapts a map[string]any. Matching does
// not allocate. The clock is passed in, never read.
package segment
