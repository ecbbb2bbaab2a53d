// Package protection does the date arithmetic of deal-registration protection (SPEC
// E7–E9): how long an approved registration keeps others off the customer, when and how
// it may be extended, when the partner is reminded, when it lapses, when an untouched
// registration becomes a reassignment candidate, how long a partner has to appeal a
// decline, and when an approved registration must have become an opportunity.
//
// Everything is a pure function of a Config, the facts of one Registration and the time
// passed in; nothing here reads a clock, a database or the network. The durable job
// system asks Due what to do now and Next when to wake up, and records what it did back
// on the registration (EndedAt, RemindedFor, NoTouchFlaggedAt, ConversionFlaggedAt,
// Extensions) in the same transaction as the job, so repeated calls never repeat work.
//
// Protection windows, extensions, reminders, no-touch thresholds and appeal windows are
// counted in calendar days, added on the clock of the times' location (pass times in the
// workspace's time zone); the conversion SLA is counted in elapsed hours. The review and
// appeal SLAs are business hours on the workspace calendar and are computed elsewhere;
// Config only carries their lengths.
//
// Boundaries are half-open: a window that expires at T protects up to but not including
// T, so at exactly T the registration is expired, cannot be extended, and its expiry (or
// automatic extension) is due. The same holds for the appeal deadline.
package protection
