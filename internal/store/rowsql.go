package store

import (
	"fmt"
	"strings"
)

// rowSQL is the SQL that writes a whole row of table whose column list (after
// workspace_id) is columns, with values passed as workspace_id, id, then the other
// columns in order, as the registrations and conflict_cases adapters pass them.
type rowSQL struct {
	insert string // INSERT of every column
	update string // UPDATE of every column but id, guarded by the version passed last
}

// newRowSQL builds the statements once; columns must start with "id".
func newRowSQL(table, columns string) rowSQL {
	cols := strings.Split(strings.Join(strings.Fields(columns), ""), ",")
	marks := make([]string, len(cols)+1)
	sets := make([]string, 0, len(cols))
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	for i, c := range cols {
		if c != "id" {
			sets = append(sets, fmt.Sprintf("%s = $%d", c, i+2))
		}
	}
	return rowSQL{
		insert: `INSERT INTO ` + table + ` (workspace_id, ` + columns + `) VALUES (` + strings.Join(marks, ",") + `)`,
		update: `UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") +
			fmt.Sprintf(` WHERE workspace_id = $1 AND id = $2 AND version = $%d`, len(cols)+2),
	}
}

var (
	registrationSQL = newRowSQL("registrations", registrationColumns)
	caseSQL         = newRowSQL("conflict_cases", caseColumns)
)
