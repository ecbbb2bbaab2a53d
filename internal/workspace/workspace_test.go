package workspace

import (
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestValidateNamesEveryBadSetting(t *testing.T) {
	ok := Workspace{Slug: "acme", Name: "Acme", TimeZone: "Europe/Amsterdam", Currency: "EUR", Calendar: calendar.DefaultConfig()}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid workspace refused: %v", err)
	}
	bad := Workspace{Slug: "-Acme", Name: " ", TimeZone: "Mars/Olympus", Currency: "euro",
		Calendar: calendar.Config{Weekdays: []string{"mon", "funday"}, Hours: calendar.Hours{Start: "17:00", End: "09:00"}}}
	var paths []string
	for _, f := range tandem.FieldsOf(bad.Validate()) {
		paths = append(paths, f.Path)
	}
	got := strings.Join(paths, " ")
	for _, want := range []string{"slug", "name", "time_zone", "currency", "calendar.weekdays[1]", "calendar.hours"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %s", got, want)
		}
	}
	if strings.Contains(got, "calendar.time_zone") {
		t.Errorf("the zone is reported twice: %q", got)
	}
}

func TestBusinessCalendarUsesTheWorkspaceZone(t *testing.T) {
	w := Workspace{TimeZone: "Asia/Tokyo", Calendar: calendar.DefaultConfig()}
	c, err := w.BusinessCalendar()
	if err != nil {
		t.Fatal(err)
	}
	if c.Location().String() != "Asia/Tokyo" {
		t.Fatalf("calendar zone %s", c.Location())
	}
}
