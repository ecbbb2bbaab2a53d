package regbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/match"
	"github.com/tandemprm/tandem/internal/match/matchgen"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// body is one POST /api/v1/registrations request body.
type body struct {
	PartnerID       string `json:"partner_id"`
	CustomerName    string `json:"customer_name"`
	CustomerDomain  string `json:"customer_domain,omitempty"`
	CustomerCountry string `json:"customer_country,omitempty"`
	ContactEmail    string `json:"contact_email,omitempty"`
	Motion          string `json:"motion"`
	DealSize        string `json:"deal_size"`
	SubmitterName   string `json:"submitter_name"`
	SubmitterEmail  string `json:"submitter_email"`
	Description     string `json:"description"`
}

// request returns submission k: 40% a messy variant of an existing account, 10% a
// variant of a preloaded registration's customer, 10% a look-alike of an account
// that is a different company, 40% a customer nobody has yet.
func (w *world) request(r *rand.Rand, k int) body {
	var c matchgen.Record
	x := r.IntN(10)
	switch {
	case x < 4 && w.accounts > 0:
		c = w.gen.Variant(r.IntN(w.accounts), 6+k%3)
	case x == 4 && w.regs > 0:
		j := r.IntN(w.regs)
		if j%5 == 0 && w.accounts > 0 {
			c = w.gen.Variant(int((uint64(j)*2654435761)%uint64(w.accounts)), 9)
		} else {
			c = w.gen.Variant(w.accounts+j, 9)
		}
	case x == 5 && w.accounts > 0:
		c = w.gen.Sibling(r.IntN(w.accounts))
	default:
		c = w.gen.Company(w.accounts + w.regs + k)
	}
	p := w.partners[r.IntN(len(w.partners))]
	contact := c.Email
	if d, ok := match.RegistrableDomain(c.Domain); contact == "" && ok {
		contact = "buyer@" + d
	}
	return body{PartnerID: p.ID, CustomerName: c.Name, CustomerDomain: c.Domain, CustomerCountry: c.Country, ContactEmail: contact,
		Motion: string(tandem.Motions[r.IntN(len(tandem.Motions))]), DealSize: fmt.Sprint(5000 + r.IntN(200000)),
		SubmitterName: "Seller at " + p.Name, SubmitterEmail: "seller@" + p.Domain,
		Description: "Customer evaluating a platform replacement; budget confirmed for next quarter."}
}

// created is the part of a 201 response the benchmark reads.
type created struct {
	Registration struct {
		ID string `json:"id"`
	} `json:"registration"`
	MayCollide bool `json:"may_collide"`
}

// tokensFor is how many API tokens the clients share: each token may make 100
// requests in 5 seconds, so the load is spread the way many integrations would
// spread it.
func tokensFor(o Options) int { return max(64, 4*o.Concurrency) }

func submit(ctx context.Context, a *app.App, w *world, base string, o Options) (Submission, error) {
	s := Submission{Requests: o.Requests, Concurrency: o.Concurrency}
	tokens := make([]string, tokensFor(o))
	for i := range tokens {
		t, _, err := a.Identity.CreateToken(ctx, policy.System(w.id), "benchmark", identity.NewToken{Name: fmt.Sprintf("bench %d", i), Role: tandem.RoleAdmin})
		if err != nil {
			return s, fmt.Errorf("create API token: %s", tandem.MessageOf(err))
		}
		tokens[i] = "Bearer " + t
	}
	r := rand.New(rand.NewPCG(o.Seed, 7))
	bodies := make([][]byte, o.Requests)
	for k := range bodies {
		b, err := json.Marshal(w.request(r, k))
		if err != nil {
			return s, err
		}
		bodies[k] = b
	}

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: 2 * o.Concurrency, MaxIdleConnsPerHost: 2 * o.Concurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, o.Requests)
	ids := make([]string, o.Requests)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	if o.Rate > 0 {
		fmt.Fprintf(o.Progress, "submitting %d registrations at %.0f/s with up to %d in flight\n", o.Requests, o.Rate, o.Concurrency)
	} else {
		fmt.Fprintf(o.Progress, "submitting %d registrations with %d clients\n", o.Requests, o.Concurrency)
	}
	cpu0 := cpuTime()
	start := time.Now()
	// With a rate, request k is due at start + k/rate and its latency counts from
	// then, so time spent waiting for a free client counts too (an open-loop load).
	due := func(k int) time.Time {
		return start.Add(time.Duration(float64(k) / o.Rate * float64(time.Second)))
	}
	for c := 0; c < o.Concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= o.Requests || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if o.Rate > 0 {
					t0 = due(k)
					time.Sleep(time.Until(t0))
				}
				id, collide, err := post(ctx, client, base, tokens[k%len(tokens)], bodies[k])
				lat[k] = time.Since(t0)
				mu.Lock()
				if err != nil {
					s.Errors++
					if len(s.FirstErrors) < 5 {
						s.FirstErrors = append(s.FirstErrors, err.Error())
					}
				} else {
					s.Created++
					ids[k] = id
					if collide {
						s.MayCollide++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s.Elapsed = time.Since(start)
	s.CPU = cpuTime() - cpu0
	s.Rate = o.Rate
	if err := ctx.Err(); err != nil {
		return s, err
	}
	s.Throughput = float64(s.Created) / s.Elapsed.Seconds()
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	s.P50, s.P99, s.Max, s.Mean = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1], sum/time.Duration(len(lat))

	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			seen[id] = true
		}
	}
	s.Distinct = len(seen)
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT count(*) FROM registrations WHERE workspace_id = $1 AND channel = 'api'`, w.id).Scan(&s.Stored); err != nil {
		return s, fmt.Errorf("count stored registrations: %w", err)
	}
	return s, nil
}

// post submits one registration and returns its id and whether it may collide.
func post(ctx context.Context, c *http.Client, base, auth string, b []byte) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/registrations", bytes.NewReader(b))
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", false, err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", false, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, data)
	}
	var out created
	if err := json.Unmarshal(data, &out); err != nil || out.Registration.ID == "" {
		return "", false, fmt.Errorf("unreadable response %.200s", data)
	}
	return out.Registration.ID, out.MayCollide, nil
}
