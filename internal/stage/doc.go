// Package stage holds opportunity stage models and their exit criteria (SPEC G1): the
// default five-stage model of each partner motion, validation of a workspace's edited
// models, and the check that refuses a stage change while anything the model requires is
// missing, listing all of it at once.
//
// Exit criteria are data (Criterion), not code: a field has a value, partner attribution
// is recorded, a mutual-action-plan milestone is done, an attachment of some kind is
// present, the deal registration is approved. The service layer gathers the Facts of an
// opportunity and calls CheckMove; the same answer backs the board, the API and Slack.
//
// Closed-won and closed-lost: a model's stages from WonAt on count as won (later stages
// are post-sale work, such as launch or handoff). Closed-lost is the reserved state Lost
// outside the ordered stages, reachable from any open stage once LostCriteria hold.
//
// Everything here is pure: no I/O, no clock, no global state.
package stage
