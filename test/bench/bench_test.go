// Package bench measures crmgw: the cost of each dialect's translation over a
// bare handler making the same core call, the statistics at growing sizes on
// both engines, and a server process under 64 concurrent connections.
//
//	go test ./test/bench -run '^$' -bench . -benchtime 200x -count 5
//
// CRMGW_BENCH_CONTRACTS sizes the data (default 10000; BENCHMARKS.md ran
// 10000,100000,1000000), CRMGW_TEST_MYSQL_DSN adds MySQL. See BENCHMARKS.md.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/seed"
)

// sizes are the contract counts to measure at.
func sizes(b *testing.B) []int {
	v := os.Getenv("CRMGW_BENCH_CONTRACTS")
	if v == "" {
		return []int{10_000}
	}
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			b.Fatalf("CRMGW_BENCH_CONTRACTS: %q is not a size of at least 100", s)
		}
		out = append(out, n)
	}
	return out
}

// spec is the data at a size: half as many customers and twice as many follow-ups as contracts, 50 users.
func spec(contracts int) seed.BenchSpec {
	return seed.BenchSpec{Tenants: 1, Users: 50, Customers: contracts / 2, Contracts: contracts, FollowUps: 2 * contracts, Seed: 1}
}

// fixture is a seeded database behind the gateway.
type fixture struct {
	db         *gorm.DB
	svc        *core.Service
	url        string
	token      string
	tenantID   uint64
	contractID uint64
	customerID uint64
}

func newFixture(b *testing.B, driver string, contracts int) fixture {
	ctx := context.Background()
	db := dbtest.Open(b, driver, core.SystemClock{})
	a := app.New(defaultConfig(b), db, app.Seams{Logs: io.Discard})
	svc := a.Service
	start := time.Now()
	res, _, err := seed.Bench(ctx, svc, spec(contracts), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d contracts on %s in %s", contracts, driver, time.Since(start).Round(time.Second))
	if err := svc.SetTenantSettings(ctx, res.TenantID, core.TenantSettings{ContractPrefix: "HT", Opportunities: true}); err != nil {
		b.Fatal(err)
	}
	f := fixture{db: db, svc: svc, token: res.Token, tenantID: res.TenantID}
	// The tenant's most recent contract, and its customer, read as its owner
	// (at a small size the first user may own none).
	var owner uint64
	if err := db.Raw("SELECT id, customer_id, owner_id FROM contracts WHERE tenant_id = ? ORDER BY id DESC LIMIT 1",
		res.TenantID).Row().Scan(&f.contractID, &f.customerID, &owner); err != nil {
		b.Fatal(err)
	}
	if owner != res.UserID {
		if f.token, err = svc.RegisterToken(ctx, res.TenantID, owner, ""); err != nil {
			b.Fatal(err)
		}
	}
	f.url = serve(b, a)
	return f
}

// defaultConfig is crmgw's configuration with nothing set.
func defaultConfig(b *testing.B) config.Config {
	cfg, err := config.Load(nil)
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// serve serves the app's gateway until b ends.
func serve(b *testing.B, a *app.App) string {
	srv := httptest.NewServer(a.Gateway.Handler())
	b.Cleanup(srv.Close)
	return srv.URL
}

// endpoint is a dialect's read request, and the core call(s) it makes, for a bare handler.
type endpoint struct {
	name    string
	request func(f fixture, base string) *http.Request
	core    func(ctx context.Context, f fixture, c core.Caller) (any, error)
}

func get(url string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, url, nil)
	return r
}

var endpoints = []endpoint{
	{"oa_home",
		func(f fixture, base string) *http.Request { return get(base + "/oa/crm/home?access_token=" + f.token) },
		func(ctx context.Context, f fixture, c core.Caller) (any, error) {
			return f.svc.MonthFigures(ctx, c, f.svc.CurrentMonth(c))
		}},
	{"oa_contracts_count",
		func(f fixture, base string) *http.Request {
			return get(base + "/oa/crm/contracts/count?access_token=" + f.token + "&flag=2")
		},
		func(ctx context.Context, f fixture, c core.Caller) (any, error) {
			return f.svc.ContractFigures(ctx, c, core.ContractQuery{Month: f.svc.CurrentMonth(c), Scope: core.ScopeCompany, Size: 20})
		}},
	{"ikcrm_contract_show",
		func(f fixture, base string) *http.Request {
			r := get(fmt.Sprintf("%s/api/v2/contracts/%d", base, f.contractID))
			r.Header.Set("Authorization", `Token token="`+f.token+`",device="open_api"`)
			return r
		},
		func(ctx context.Context, f fixture, c core.Caller) (any, error) {
			d, err := f.svc.GetContract(ctx, c, f.contractID)
			if err != nil {
				return nil, err
			}
			names, err := f.svc.DictionaryNames(ctx, c, core.DictContractCategory, core.DictPaymentType,
				core.DictContractStatus, core.DictCustomerStatus, core.DictCustomerCategory)
			return []any{d, names}, err
		}},
	{"ashx_customer_get",
		func(f fixture, base string) *http.Request {
			return get(fmt.Sprintf("%s/WebApi/Handler/1.0/CRM/Customer/Get.ashx?token=%s&id=%d", base, f.token, f.customerID))
		},
		func(ctx context.Context, f fixture, c core.Caller) (any, error) {
			return f.svc.GetCustomer(ctx, c, f.customerID)
		}},
	{"yunzmall_statistics",
		func(f fixture, base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/business/%d/plugin/CustomerManage/getStatisticsList", base, f.tenantID), nil)
			r.Header.Set("Authorization", "Bearer "+f.token)
			return r
		},
		func(ctx context.Context, f fixture, c core.Caller) (any, error) {
			return f.svc.EmployeeStats(ctx, c, core.EmployeeStatsQuery{Page: 1, PerPage: 10})
		}},
}

// bare serves every endpoint's path with a plain handler: authenticate, the same core call, plain JSON.
func bare(b *testing.B, f fixture) string {
	e := echo.New()
	for _, ep := range endpoints {
		r := ep.request(f, "")
		e.Add(r.Method, r.URL.Path, func(c echo.Context) error {
			caller, err := f.svc.Authenticate(c.Request().Context(), f.token)
			if err != nil {
				return err
			}
			v, err := ep.core(c.Request().Context(), f, caller)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, v)
		})
	}
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv.URL
}

// measure sends the request b.N times, one after another, and reports (and returns) p50 and p99.
func measure(b *testing.B, request func() *http.Request) (p50 time.Duration) {
	client := &http.Client{}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := client.Do(request())
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		durations = append(durations, time.Since(start))
		if res.StatusCode != http.StatusOK || strings.Contains(string(body), `"error`) || strings.Contains(string(body), `"result":0`) {
			b.Fatalf("HTTP %d %s", res.StatusCode, body)
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(ms(durations[len(durations)/2]), "p50-ms")
	b.ReportMetric(ms(durations[len(durations)*99/100]), "p99-ms")
	return durations[len(durations)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkTranslationTax compares each dialect's endpoint with a bare echo
// handler making the same core call and writing plain JSON, side by side.
func BenchmarkTranslationTax(b *testing.B) {
	f := newFixture(b, core.DriverSQLite, sizes(b)[0])
	plain := bare(b, f)
	for _, ep := range endpoints {
		b.Run(ep.name+"/dialect", func(b *testing.B) { measure(b, func() *http.Request { return ep.request(f, f.url) }) })
		b.Run(ep.name+"/bare", func(b *testing.B) { measure(b, func() *http.Request { return ep.request(f, plain) }) })
	}
}

// BenchmarkStatistics measures the statistics at each size on each engine.
func BenchmarkStatistics(b *testing.B) {
	for _, driver := range dbtest.Drivers() {
		for _, n := range sizes(b) {
			b.Run(fmt.Sprintf("%s/%d", driver, n), func(b *testing.B) {
				f := newFixture(b, driver, n)
				for _, ep := range endpoints {
					if ep.name == "oa_home" || ep.name == "oa_contracts_count" || ep.name == "yunzmall_statistics" {
						b.Run(ep.name, func(b *testing.B) { measure(b, func() *http.Request { return ep.request(f, f.url) }) })
					}
				}
			})
		}
	}
}

// BenchmarkNoisyNeighbour measures another tenant's ikcrm contract creation
// alone, then while two goroutines send the seeded tenant's PUTs with a
// 1,000,000-digit total_amount in a loop; and, as controls, while they send
// PUTs of a megabyte title (a body as large, refused as too long) and of a
// short bad amount (what any client in a tight loop costs its neighbours on
// these cores). It reports each p50's ratio to alone's: the huge numbers must
// cost no more than a body of their size (no write lock held, no seconds of
// arithmetic).
func BenchmarkNoisyNeighbour(b *testing.B) {
	f := newFixture(b, core.DriverSQLite, sizes(b)[0])
	create := neighbourCreate(b, f)
	var alone time.Duration
	b.Run("alone", func(b *testing.B) { alone = measure(b, create) })
	for _, c := range []struct{ name, body string }{
		{"beside_huge_puts", `{"contract":{"total_amount":` + strings.Repeat("9", 1_000_000) + `}}`},
		{"beside_megabyte_title_puts", `{"contract":{"title":"` + strings.Repeat("x", 1_000_000) + `"}}`},
		{"beside_short_bad_puts", `{"contract":{"total_amount":"x"}}`},
	} {
		body := c.body
		put := func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v2/contracts/%d", f.url, f.contractID), strings.NewReader(body))
			r.Header.Set("Authorization", `Token token="`+f.token+`",device="open_api"`)
			r.Header.Set("Content-Type", "application/json")
			return r
		}
		b.Run(c.name, func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var puts, unrefused atomic.Int64
			for range 2 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						res, err := http.DefaultClient.Do(put())
						if err != nil {
							unrefused.Add(1)
							continue
						}
						body, _ := io.ReadAll(res.Body)
						res.Body.Close()
						puts.Add(1)
						if !strings.Contains(string(body), `"code":100422`) {
							unrefused.Add(1)
						}
					}
				})
			}
			p50 := measure(b, create)
			close(stop)
			wg.Wait()
			if unrefused.Load() > 0 {
				b.Fatalf("%d of the PUTs were not refused as 100422", unrefused.Load())
			}
			b.ReportMetric(float64(puts.Load())/float64(b.N), "puts/op")
			b.ReportMetric(float64(p50)/float64(alone), "p50-ratio")
		})
	}
}

// neighbourCreate makes a second tenant with a customer and returns its
// contract creation through the ikcrm dialect.
func neighbourCreate(b *testing.B, f fixture) func() *http.Request {
	ctx := context.Background()
	tn, err := f.svc.EnsureTenant(ctx, "neighbour")
	if err != nil {
		b.Fatal(err)
	}
	d, err := f.svc.EnsureDepartment(ctx, tn.ID, "d")
	if err != nil {
		b.Fatal(err)
	}
	u, err := f.svc.EnsureUser(ctx, tn.ID, "u", d.ID)
	if err != nil {
		b.Fatal(err)
	}
	token, err := f.svc.RegisterToken(ctx, tn.ID, u.ID, core.NewTokenValue())
	if err != nil {
		b.Fatal(err)
	}
	caller, err := f.svc.Authenticate(ctx, token)
	if err != nil {
		b.Fatal(err)
	}
	cu, err := f.svc.CreateCustomer(ctx, caller, core.NewCustomer{Name: "邻居"})
	if err != nil {
		b.Fatal(err)
	}
	body := fmt.Sprintf(`{"contract":{"title":"邻居的合同","customer_id":%d,"total_amount":"19800","start_at":"2026-01-01","end_at":"2026-12-31"}}`, cu.ID)
	return func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, f.url+"/api/v2/contracts", strings.NewReader(body))
		r.Header.Set("Authorization", `Token token="`+token+`",device="open_api"`)
		r.Header.Set("Content-Type", "application/json")
		return r
	}
}

// BenchmarkServerUnderLoad runs the crmgw binary on a seeded SQLite file and
// sends every endpoint in turn over 64 concurrent connections; it reports
// requests per second and the server's peak resident memory.
func BenchmarkServerUnderLoad(b *testing.B) {
	p, f := seededServer(b, sizes(b)[0])
	base, server := p.base, p.cmd

	const connections = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections}}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				res, err := client.Do(endpoints[i%int64(len(endpoints))].request(f, base))
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(procStatus(b, server.Process.Pid, "VmHWM"), "peak-RSS-MiB")
}
