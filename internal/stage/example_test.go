package stage_test

import (
	"fmt"

	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

func ExampleCheckMove() {
	m, _ := stage.Default(tandem.MotionResale)
	facts := stage.Facts{
		Fields:               map[string]bool{"partner_contact": true, "champion": true},
		RegistrationApproved: true,
	}
	err := stage.CheckMove(m, "registered", "quoted", facts)
	fmt.Println(tandem.MessageOf(err))
	for _, f := range tandem.FieldsOf(err) {
		fmt.Printf("%s: %s\n", f.Path, f.Detail)
	}
	fmt.Println(stage.CheckMove(m, "quoted", "registered", stage.Facts{})) // backward is allowed
	// Output:
	// The opportunity cannot move to Configured and quoted yet: 2 requirement(s) missing.
	// close_date: Expected close date is filled in (needed to leave Demand qualified)
	// next_step: Next step is filled in (needed to leave Demand qualified)
	// <nil>
}
