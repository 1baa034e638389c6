package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/seed"
)

// BenchmarkLoginFlood measures OA home for one user, unloaded and then while
// 16 clients send wrong passwords to the OA's login as fast as they are
// answered, side by side in one run (p50 of each, and their ratio). Three
// guards: the configured defaults (the flood comes from one address, so it is
// throttled after a few tries, and each refusal is held a second); no throttle
// at all but the bound on bcrypt work in flight (as a flood from many
// addresses meets it); and neither, to show what the bound saves.
func BenchmarkLoginFlood(b *testing.B) {
	for _, c := range []struct {
		name   string
		limits func(*config.Login)
	}{
		{"throttled", func(*config.Login) {}},
		{"bounded-only", unthrottled},
		{"unbounded", func(l *config.Login) { unthrottled(l); l.MaxHashing = 64 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			url, token := loginFixture(b, c.limits)
			home := func() time.Duration { return timedGet(b, url+"/oa/crm/home?access_token="+token) }
			percentiles(100, home) // warm
			unloaded, unloaded99 := percentiles(500, home)

			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					form := strings.NewReader("") // replaced per request
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						form.Reset(fmt.Sprintf("username=victim%d&password=guess%d", i%4, n))
						res, err := http.Post(url+"/oa/users/login", "application/x-www-form-urlencoded", form)
						if err != nil {
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
				})
			}
			time.Sleep(200 * time.Millisecond) // the flood under way
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				durations = append(durations, home())
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			slices.Sort(durations)
			loaded := durations[len(durations)/2]
			b.ReportMetric(ms(unloaded), "unloaded-p50-ms")
			b.ReportMetric(ms(unloaded99), "unloaded-p99-ms")
			b.ReportMetric(ms(loaded), "flooded-p50-ms")
			b.ReportMetric(ms(durations[len(durations)*99/100]), "flooded-p99-ms")
			b.ReportMetric(float64(loaded)/float64(unloaded), "x-unloaded")
		})
	}
}

// unthrottled lifts every limit on failed logins and their delay: only the
// bound on bcrypt comparisons at once is left.
func unthrottled(l *config.Login) {
	l.MaxFailures, l.MaxFailuresPerName, l.MaxFailuresPerAddress, l.RefusalDelay = 1<<30, 1<<30, 1<<30, 0
}

// loginApp is the app over a fresh SQLite database, its login limits the
// defaults changed by limits.
func loginApp(b *testing.B, limits func(*config.Login)) *app.App {
	cfg := defaultConfig(b)
	limits(&cfg.Login)
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	return app.New(cfg, dbtest.Open(b, core.DriverSQLite, core.SystemClock{}), app.Seams{Logs: io.Discard})
}

// loginFixture serves a small tenant whose user "victim0"…"victim3" have
// passwords, with the given login limits, and returns a token of another user.
func loginFixture(b *testing.B, limits func(*config.Login)) (string, string) {
	ctx := context.Background()
	a := loginApp(b, limits)
	svc := a.Service
	res, _, err := seed.Bench(ctx, svc, spec(2000), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 4 {
		name := fmt.Sprintf("victim%d", i)
		if _, err := svc.EnsureUser(ctx, res.TenantID, name, res.DepartmentID); err != nil {
			b.Fatal(err)
		}
		if err := svc.SetPassword(ctx, res.TenantID, name, "s3cret"); err != nil {
			b.Fatal(err)
		}
	}
	return serve(b, a), url.QueryEscape(res.Token)
}

// timedGet is one GET that must answer 200 without an error body, and how long it took.
func timedGet(b *testing.B, u string) time.Duration {
	start := time.Now()
	res, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"statuscode":"0000"`) {
		b.Fatalf("HTTP %d %s", res.StatusCode, body)
	}
	return time.Since(start)
}

// percentiles runs f n times and returns the median and the 99th percentile of what it measured.
func percentiles(n int, f func() time.Duration) (p50, p99 time.Duration) {
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = f()
	}
	slices.Sort(d)
	return d[n/2], d[n*99/100]
}

// BenchmarkLoginRefusal times the refusal of a wrong password and of a login
// name that does not exist, side by side: equal times tell nobody which names
// exist (each is compared against a bcrypt hash, a stand-in one for the latter).
func BenchmarkLoginRefusal(b *testing.B) {
	ctx := context.Background()
	svc := loginApp(b, unthrottled).Service
	tn, err := svc.EnsureTenant(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	d, err := svc.EnsureDepartment(ctx, tn.ID, "sales")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.EnsureUser(ctx, tn.ID, "ann", d.ID); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetPassword(ctx, tn.ID, "ann", "s3cret"); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, user string }{{"wrong-password", "ann"}, {"unknown-name", "nobody"}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				_, err := svc.Login(ctx, core.LoginRequest{UserName: c.user, Password: "guess", Address: "192.0.2.1", Token: "t", TTL: time.Hour})
				if core.ErrorCode(err) != core.EUNAUTHORIZED {
					b.Fatalf("%s: %v", c.user, err)
				}
			}
		})
	}
}
