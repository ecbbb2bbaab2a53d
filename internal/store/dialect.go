package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
)

// Every difference between the two engines lives in this file.

// gooseDialect is the migration tool's name for the engine.
func (d Dialect) gooseDialect() goose.Dialect {
	if d == Postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// migrationDir is the folder of embedded migrations for the engine.
func (d Dialect) migrationDir() string {
	if d == Postgres {
		return "migrations/postgres"
	}
	return "migrations/sqlite"
}

// isUniqueViolation reports whether err is a unique-constraint failure on either engine.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// likeOperator is the case-insensitive pattern match: SQLite's LIKE already ignores
// ASCII case; PostgreSQL needs ILIKE.
func (d Dialect) likeOperator() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// inJSONList is a condition that column is one of the strings of the JSON array
// passed as the parameter mark (e.g. "$3"): one parameter however long the list.
func (d Dialect) inJSONList(column, mark string) string {
	if d == Postgres {
		return column + " IN (SELECT jsonb_array_elements_text(" + mark + "::jsonb))"
	}
	return column + " IN (SELECT value FROM json_each(" + mark + "))"
}

// forUpdate is the suffix that makes a SELECT lock its rows until the transaction
// ends. SQLite needs none: its write transactions already run one at a time.
func (d Dialect) forUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// restatesJoinedRange reports whether a range on a join key (id > cursor) should be
// written on both joined tables. PostgreSQL carries equalities across a join but not
// ranges, so without it a merge join reads the other table from its first key.
// SQLite carries the range over itself, and with it written twice its planner, given
// per-value statistics for a heavily used key, prefers a skip-scan and a sort of every
// match to walking the index in order.
func (d Dialect) restatesJoinedRange() bool {
	return d == Postgres
}
