// Package crashtest kills a real tandem process in the middle of work and checks what
// survives the restart. It builds cmd/tandem, runs `tandem serve` as a subprocess
// against a fresh database on each engine, and talks to it only as clients and
// operators do: HTTP, the command line, the SMTP server it sends to, and the database.
package crashtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/integrations/email/smtptest"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

const (
	workspaceID = "ws_demo" // the demo workspace, loaded by `tandem demo`
	partnerID   = "prt_demo000000"
	workers     = 8  // clients submitting at once
	killAfter   = 40 // registrations acknowledged before the process is killed
	jobWorkers  = 10 // --job-workers: at most this many sends are in flight at the kill
)

// TestSIGKILLDuringSubmissionsLosesAndDuplicatesNothing is the deal-registration
// reliability requirement: the server is killed with SIGKILL in the middle of a
// concurrent submission load and restarted on the same database. Every registration
// that was acknowledged with a 2xx, and every one whose request was retried with its
// Idempotency-Key after the restart, exists exactly once; each submitter's
// confirmation email reaches the SMTP server exactly once; and each registration's
// review timer fires exactly once (the review reminder) and its next timer (the
// escalation) is scheduled.
func TestSIGKILLDuringSubmissionsLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the tandem binary; skipped with -short")
	}
	bin := buildTandem(t)
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			crashDuringSubmissions(t, bin, e.Options(t))
		})
	}
}

func crashDuringSubmissions(t *testing.T, bin string, opts store.Options) {
	ctx := context.Background()
	dbFlags := []string{"--data-dir", opts.DataDir}
	if opts.URL != "" {
		dbFlags = []string{"--database-url", opts.URL, "--data-dir", t.TempDir()}
	}

	// The operator's setup: demo workspace, review settings, an API token.
	runTandem(t, bin, append([]string{"demo"}, dbFlags...)...)
	db := openDB(t, opts)
	// A review SLA of one business hour with the reminder due one hour before it: the
	// review-reminder timer of each registration is due the moment it is submitted, and
	// the escalation timer an hour of business time later.
	if err := db.SaveRegistrationSettings(ctx, workspaceID, []byte(`{"protection": {"review_sla_business_hours": 1}, "remind_before_hours": 1}`)); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(runTandem(t, bin, append([]string{"token", "create", "--workspace", "demo", "--name", "crash test"}, dbFlags...)...))

	mail := smtptest.Start(t)
	srv := &server{t: t, bin: bin, addr: freeAddr(t), log: filepath.Join(t.TempDir(), "tandem.log"),
		args: append([]string{"--demo=false", "--log-level", "warn", "--job-workers", strconv.Itoa(jobWorkers),
			"--smtp-host", mail.Host(), "--smtp-port", strconv.Itoa(mail.Port()), "--smtp-tls", "none",
			"--smtp-from", "Tandem <tandem@crash.example>"}, dbFlags...)}
	c := &client{base: "http://" + srv.addr, token: token, http: &http.Client{Timeout: 20 * time.Second}}

	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(srv.log)
			t.Logf("server log:\n%s", b)
		}
	})

	// Load, and a kill in the middle of it.
	srv.start()
	var (
		acked      atomic.Int64
		killed     = make(chan struct{})
		mu         sync.Mutex
		ok         = map[string]string{} // submitter email → registration id, from a 2xx
		unknown    []submission          // no answer: the connection failed
		wg         sync.WaitGroup
		killedOnce sync.Once
	)
	kill := func() {
		killedOnce.Do(func() {
			close(killed) // first, so that clients take the failures that follow for the kill's
			srv.kill()
		})
	}
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				s := newSubmission(w, i)
				id, status, err := c.submit(s)
				switch {
				case err != nil:
					select {
					case <-killed:
					default:
						t.Errorf("%s before the kill: %v", s.key, err)
					}
					mu.Lock()
					unknown = append(unknown, s)
					mu.Unlock()
					return
				case status/100 != 2:
					t.Errorf("%s: status %d before the kill", s.key, status)
					return
				}
				mu.Lock()
				ok[s.email] = id
				mu.Unlock()
				if acked.Add(1) == killAfter {
					kill()
				}
			}
		})
	}
	wg.Wait()
	kill() // in case every client failed before reaching killAfter
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("killed after %d acknowledged registrations, with %d requests unanswered", len(ok), len(unknown))

	// The jobs the dead process was running stay "running" until River's rescuer
	// decides they are stuck: an hour after the job timeout. The test stands in for
	// that hour by backdating when they started, so the rescuer retries them at once.
	running := backdateRunningJobs(t, db, opts)
	mailBeforeRestart := len(mail.Messages()) // the dead process sends nothing more
	t.Logf("%d jobs were running at the kill; %d emails had arrived", running, mailBeforeRestart)

	srv.start()
	// Retry every request whose outcome was unknown, with its Idempotency-Key. A
	// request whose registration was saved but whose answer was lost is refused; the
	// client then looks for its registration (below) instead of sending it again.
	outcomes := map[string]int{}
	for _, s := range unknown {
		id := c.retry(t, s)
		ok[s.email] = id
		if id == "" {
			outcomes["saved, answer lost"]++
		} else {
			outcomes["answered"]++
		}
	}
	t.Logf("retries after the restart: %v", outcomes)

	// Every registration exists exactly once.
	all := c.listRegistrations(t)
	seen := map[string][]string{} // submitter email → registration ids
	for _, r := range all {
		seen[r.SubmitterEmail] = append(seen[r.SubmitterEmail], r.ID)
	}
	for email, id := range ok {
		got := seen[email]
		if id == "" && len(got) == 1 {
			ok[email] = got[0]
			continue
		}
		if len(got) != 1 || got[0] != id {
			t.Errorf("%s: registrations %v, want exactly one, %q", email, got, id)
		}
	}
	for email, ids := range seen {
		if _, ok := ok[email]; !ok && strings.HasSuffix(email, "@crash-partner.example") {
			t.Errorf("%s: registrations %v that no client was told about", email, ids)
		}
	}

	// Every review-reminder timer fires, exactly once, and the escalation timer is
	// scheduled after it.
	waitFor(t, 45*time.Second, "every review reminder to fire and every job to settle", func() (bool, string) {
		var pending, due int
		q := `SELECT count(*) FROM registrations WHERE workspace_id = $1 AND review_reminded_at IS NULL`
		must(t, db.Reader().QueryRowContext(ctx, q, workspaceID).Scan(&pending))
		must(t, db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable')
			AND kind IN ('registration_timer', 'send_email')`).Scan(&due))
		return pending == 0 && due == 0, fmt.Sprintf("%d registrations not reminded, %d jobs due or running", pending, due)
	})
	reminders := map[string]int{}
	rows, err := db.Reader().QueryContext(ctx, `SELECT subject_id FROM audit_log WHERE workspace_id = $1 AND action = 'registration.review_reminder'`, workspaceID)
	must(t, err)
	for rows.Next() {
		var id string
		must(t, rows.Scan(&id))
		reminders[id]++
	}
	must(t, rows.Err())
	rows.Close()
	timers := scheduledTimers(t, db, opts)
	for email, id := range ok {
		if n := reminders[id]; n != 1 {
			t.Errorf("%s (%s): %d review reminders, want 1", email, id, n)
		}
		var wake, due sql.NullInt64
		must(t, db.Reader().QueryRowContext(ctx, `SELECT wake_at, review_due_at FROM registrations WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&wake, &due))
		if !wake.Valid || wake != due {
			t.Errorf("%s (%s): wakes at %v, want the review deadline %v", email, id, wake, due)
		}
		if wake.Valid && !timers[timerKey{id, wake.Int64}] {
			t.Errorf("%s (%s): no scheduled registration_timer job for its escalation at %d", email, id, wake.Int64)
		}
	}

	// Every confirmation reaches the SMTP server exactly once: one message, one
	// Message-ID. The one exception no sender can close is a message the SMTP server
	// had accepted when the process died, before the process could record that: it is
	// sent again after the restart, with the same Message-ID, so that receivers drop
	// the copy (see package email). At most one per job worker can be in that state.
	type copyOf struct {
		smtptest.Received
		beforeKill bool
	}
	byTo := map[string][]copyOf{}
	for i, m := range mail.Messages() {
		for _, to := range m.To {
			byTo[to] = append(byTo[to], copyOf{m, i < mailBeforeRestart})
		}
	}
	inFlight := 0
	for email, id := range ok {
		got := byTo[email]
		if len(got) == 0 {
			t.Errorf("%s (%s): no confirmation arrived", email, id)
			continue
		}
		if !strings.Contains(got[0].Text, id) {
			t.Errorf("%s: the confirmation does not name %s:\n%s", email, id, got[0].Text)
		}
		if len(got) == 1 {
			continue
		}
		if len(got) == 2 && got[0].MessageID == got[1].MessageID && got[0].beforeKill && !got[1].beforeKill {
			inFlight++
			continue
		}
		var desc []string
		for _, m := range got {
			desc = append(desc, fmt.Sprintf("%s (before the kill: %t)", m.MessageID, m.beforeKill))
		}
		t.Errorf("%s (%s): %d confirmations arrived, want 1: %s", email, id, len(got), strings.Join(desc, ", "))
	}
	if inFlight > jobWorkers {
		t.Errorf("%d confirmations were sent again after the restart; at most %d (one per job worker) can have been in flight at the kill", inFlight, jobWorkers)
	}
	t.Logf("%d registrations, %d emails in all; %d confirmations in flight at the kill were sent again with the same Message-ID", len(ok), len(mail.Messages()), inFlight)
}

// submission is one registration request.
type submission struct {
	key, email string
	body       []byte
}

func newSubmission(w, i int) submission {
	name := fmt.Sprintf("Crashproof %c%c Holdings %d", 'A'+w, 'A'+i%26, i)
	email := fmt.Sprintf("w%d-%d@crash-partner.example", w, i)
	body, _ := json.Marshal(map[string]any{
		"partner_id":      partnerID,
		"customer_name":   name,
		"customer_domain": fmt.Sprintf("crashproof-w%d-%d.example", w, i),
		"motion":          "referral",
		"deal_size":       "25000",
		"submitter_name":  fmt.Sprintf("Submitter %d-%d", w, i),
		"submitter_email": email,
	})
	return submission{key: fmt.Sprintf("crash-w%d-%d", w, i), email: email, body: body}
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path, key string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, b, nil
}

// submit posts s and returns the new registration's id on a 2xx.
func (c *client) submit(s submission) (string, int, error) {
	status, b, err := c.do("POST", "/api/v1/registrations", s.key, s.body)
	if err != nil || status/100 != 2 {
		return "", status, err
	}
	var out struct {
		Registration struct {
			ID string `json:"id"`
		} `json:"registration"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Registration.ID == "" {
		return "", status, fmt.Errorf("a %d without a registration id: %s", status, b)
	}
	return out.Registration.ID, status, nil
}

// retry posts s again after the restart and returns the registration's id from a
// 2xx, or "" when the server says the first attempt saved the registration but lost
// its answer. While the first attempt's key is still marked in progress the server
// answers 409 "still being processed"; that is retried, as the message says.
func (c *client) retry(t *testing.T, s submission) string {
	t.Helper()
	var id string
	waitFor(t, 40*time.Second, "the retry of "+s.key+" to be answered", func() (bool, string) {
		status, b, err := c.do("POST", "/api/v1/registrations", s.key, s.body)
		switch {
		case err != nil:
			return false, err.Error()
		case status == http.StatusConflict && bytes.Contains(b, []byte("still being processed")):
			return false, string(b)
		case status == http.StatusConflict && bytes.Contains(b, []byte("was carried out")):
			id = ""
			return true, ""
		case status/100 != 2:
			t.Fatalf("retry of %s: status %d: %s", s.key, status, b)
		}
		id, _, err = c.submit(s) // a replay now: the same answer again, with the id
		return err == nil, fmt.Sprint(err)
	})
	return id
}

type listed struct {
	ID             string `json:"id"`
	SubmitterEmail string `json:"submitter_email"`
}

func (c *client) listRegistrations(t *testing.T) []listed {
	t.Helper()
	var all []listed
	cursor := ""
	for {
		status, b, err := c.do("GET", "/api/v1/registrations?limit=100&cursor="+cursor, "", nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("list registrations: %d %v %s", status, err, b)
		}
		var page struct {
			Data       []listed `json:"data"`
			NextCursor string   `json:"next_cursor"`
		}
		must(t, json.Unmarshal(b, &page))
		all = append(all, page.Data...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// server runs `tandem serve` as a subprocess on a fixed address.
type server struct {
	t         *testing.T
	bin, addr string
	log       string
	args      []string
	cmd       *exec.Cmd
	exited    chan struct{} // closed when cmd has exited
}

func (s *server) start() {
	t := s.t
	t.Helper()
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	must(t, err)
	defer logf.Close()
	cmd := exec.Command(s.bin, append([]string{"serve", "--addr", s.addr}, s.args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	must(t, cmd.Start())
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitFor(t, 60*time.Second, "the server to be ready", func() (bool, string) {
		select {
		case <-exited:
			b, _ := os.ReadFile(s.log)
			t.Fatalf("tandem serve exited at start:\n%s", b)
		default:
		}
		res, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK, res.Status
	})
}

// kill sends SIGKILL: no shutdown, no deferred work, nothing flushed.
func (s *server) kill() {
	must(s.t, s.cmd.Process.Kill())
	<-s.exited // gone, so that nothing it does can race the restart
}

// backdateRunningJobs moves the start of every job left running back by three hours,
// past River's rescue horizon, and returns how many there were.
func backdateRunningJobs(t *testing.T, db *store.DB, opts store.Options) int64 {
	t.Helper()
	q := `UPDATE river_job SET attempted_at = datetime(attempted_at, '-3 hours') WHERE state = 'running'`
	if opts.URL != "" {
		q = `UPDATE river_job SET attempted_at = attempted_at - interval '3 hours' WHERE state = 'running'`
	}
	var n int64
	waitFor(t, 10*time.Second, "backdating running jobs", func() (bool, string) {
		err := db.Tx(context.Background(), func(tx *sql.Tx) error {
			res, err := tx.ExecContext(context.Background(), q)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return n
}

type timerKey struct {
	id   string
	wake int64
}

// scheduledTimers returns the registration timers waiting in the job queue.
func scheduledTimers(t *testing.T, db *store.DB, opts store.Options) map[timerKey]bool {
	t.Helper()
	args := "json(args)" // River keeps SQLite's args as JSONB
	if opts.URL != "" {
		args = "args::text"
	}
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT `+args+` FROM river_job
		WHERE kind = 'registration_timer' AND state IN ('scheduled', 'available')`)
	must(t, err)
	defer rows.Close()
	out := map[timerKey]bool{}
	for rows.Next() {
		var raw string
		must(t, rows.Scan(&raw))
		var a struct {
			WorkspaceID    string `json:"workspace_id"`
			RegistrationID string `json:"registration_id"`
			WakeMS         int64  `json:"wake_ms"`
		}
		must(t, json.Unmarshal([]byte(raw), &a))
		if a.WorkspaceID == workspaceID {
			out[timerKey{a.RegistrationID, a.WakeMS}] = true
		}
	}
	must(t, rows.Err())
	return out
}

func openDB(t *testing.T, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), opts)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// buildTandem builds cmd/tandem into a temporary directory.
func buildTandem(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tandem")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/tandemprm/tandem/cmd/tandem")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runTandem runs a one-off tandem command and returns its standard output.
func runTandem(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tandem %s: %v\n%s", strings.Join(args[:min(2, len(args))], " "), err, stderr.String())
	}
	return stdout.String()
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond until it holds, failing the test with cond's last word after
// timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, why := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s: %s", what, timeout, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
