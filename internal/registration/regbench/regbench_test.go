package regbench_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/registration/regbench"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

func TestRunSubmitsEveryRegistrationOnceAndExpiresOnTime(t *testing.T) {
	o := regbench.Options{DataDir: t.TempDir(), Partners: 20, Accounts: 2000, Registrations: 300, Requests: 200, Concurrency: 8,
		Expiries: 50, ExpiryLead: 2 * time.Second, ExpiryDeadline: time.Minute}
	res, err := regbench.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.Write(&b)
	t.Log("\n" + b.String())
	s := res.Submit
	if s.Errors != 0 || s.Created != o.Requests {
		t.Fatalf("created %d of %d, errors %d: %v", s.Created, o.Requests, s.Errors, s.FirstErrors)
	}
	if s.Stored != o.Requests || s.Distinct != o.Requests {
		t.Errorf("stored %d, distinct ids %d; want %d of each", s.Stored, s.Distinct, o.Requests)
	}
	// Half the submissions are variants of known customers: the uniqueness test must
	// find most of them, and not flag everything.
	if s.MayCollide < o.Requests/4 || s.MayCollide > o.Requests*9/10 {
		t.Errorf("%d of %d submissions may collide; want about half", s.MayCollide, o.Requests)
	}
	if s.Throughput <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
		t.Errorf("implausible figures: %+v", s)
	}
	if res.IndexLen != o.Accounts+o.Registrations {
		t.Errorf("index holds %d records, want %d", res.IndexLen, o.Accounts+o.Registrations)
	}
	x := res.Expiry
	if x == nil || x.TimedOut || x.Expired != o.Expiries || x.WrongEnd != 0 || x.AllAfter <= 0 {
		t.Errorf("expiry run: %+v", x)
	}
	if res.PeakRSSBytes == 0 {
		t.Error("no memory figure")
	}
}

func TestRunOnPostgreSQLUsesASchemaOfItsOwn(t *testing.T) {
	url := os.Getenv(storetest.PostgresURLEnv)
	if url == "" {
		t.Skip(storetest.PostgresURLEnv + " is not set")
	}
	res, err := regbench.Run(context.Background(), regbench.Options{DatabaseURL: url, Partners: 10, Accounts: 500, Registrations: 50, Requests: 50, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Engine != "postgres" || res.Submit.Errors != 0 || res.Submit.Stored != 50 {
		t.Fatalf("%+v", res.Submit)
	}
}
