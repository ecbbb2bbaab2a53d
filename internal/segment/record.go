package segment

import "time"

// Type is the type of a field a rule may name.
type Type uint8

// The field types a Schema can declare.
const (
	TypeString     Type = iota + 1 // a piece of text, e.g. tier or region
	TypeNumber                     // a number, e.g. a fit score or an engagement count
	TypeStringList                 // a set of text values, e.g. tags or motions
	TypeTime                       // an instant, e.g. the last activity
)

func (t Type) String() string {
	switch t {
	case TypeString:
		return "text"
	case TypeNumber:
		return "a number"
	case TypeStringList:
		return "a list of text"
	case TypeTime:
		return "a date and time"
	}
	return "unknown"
}

// Schema declares the fields a rule may name and their types. Field names are matched
// without regard to case; a rule's canonical form spells them as the schema does.
type Schema map[string]Type

// Record gives a rule the values of one record, usually a partner. Each getter is asked
// only for fields the schema declares with the matching type, always spelled as in the
// schema, and reports false when the record has no value for the field. Getters must not
// retain or modify what they return.
type Record interface {
	// ID identifies the record; TopPercent returns these.
	ID() string
	Text(field string) (string, bool)
	Number(field string) (float64, bool)
	List(field string) ([]string, bool)
	Time(field string) (time.Time, bool)
}

// Map is a Record backed by a map, convenient for tests and ad-hoc data. The id is the
// string under "id". Text values are strings, numbers are float64, int or int64, lists
// are []string and times are time.Time; a value of any other type counts as missing.
type Map map[string]any

// ID returns the string stored under "id".
func (m Map) ID() string {
	s, _ := m["id"].(string)
	return s
}

// Text returns the string stored under field.
func (m Map) Text(field string) (string, bool) {
	s, ok := m[field].(string)
	return s, ok
}

// Number returns the number stored under field.
func (m Map) Number(field string) (float64, bool) {
	switch v := m[field].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// List returns the []string stored under field.
func (m Map) List(field string) ([]string, bool) {
	l, ok := m[field].([]string)
	return l, ok
}

// Time returns the time.Time stored under field.
func (m Map) Time(field string) (time.Time, bool) {
	t, ok := m[field].(time.Time)
	return t, ok
}
