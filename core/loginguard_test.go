package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// Failed logins are throttled per login name from one address, per login
// name from every address and per address; a success forgets the name's
// failures but takes back only its own attempt from the address's; the
// window's end lets the name try again.
func TestLoginThrottle(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock, Logins: core.LoginLimits{
			MaxFailures: 3, MaxFailuresPerName: 6, MaxFailuresPerAddress: 5, Window: time.Minute}})
		o := newOrg(t, svc, "acme", "sales", "ann")
		must(t, svc.SetPassword(ctx, o.tenant.ID, "ann", "s3cret"))
		from := func(addr, user, password string) error {
			r := login("", user, password)
			r.Address = addr
			_, err := svc.Login(ctx, r)
			return err
		}
		wantCode := func(what string, err error, code string) {
			t.Helper()
			if core.ErrorCode(err) != code {
				t.Fatalf("%s: %v, want %s", what, err, code)
			}
		}

		// The name from one address.
		for i := range 3 {
			wantCode(fmt.Sprintf("wrong password %d", i+1), from("192.0.2.1", "ann", "nope"), core.EUNAUTHORIZED)
		}
		err := from("192.0.2.1", "ann", "s3cret") // the right password, from there: refused
		wantCode("ann from the guessing address", err, core.ELIMITED)
		if wait := core.AsError(err).RetryAfter; wait <= 0 || wait > time.Minute {
			t.Fatalf("retry after %s, want within the window", wait)
		}
		must(t, from("198.51.100.7", "ann", "s3cret")) // from elsewhere, the user gets in

		// The name from many addresses, one guess each.
		for i := range 6 {
			wantCode(fmt.Sprintf("spread guess %d", i+1), from(fmt.Sprintf("203.0.113.%d", i+1), "ann", "nope"), core.EUNAUTHORIZED)
		}
		wantCode("ann after 6 spread failures", from("198.51.100.8", "ann", "s3cret"), core.ELIMITED)
		clock.t = clock.t.Add(time.Minute)
		must(t, from("198.51.100.8", "ann", "s3cret"))

		// One address trying many names; a success of its own gives back one try, not all.
		for i := range 4 {
			wantCode(fmt.Sprintf("guess %d", i+1), from("192.0.2.9", fmt.Sprintf("guess%d", i), "x"), core.EUNAUTHORIZED)
		}
		must(t, from("192.0.2.9", "ann", "s3cret"))
		wantCode("the fifth guess", from("192.0.2.9", "guess9", "x"), core.EUNAUTHORIZED)
		wantCode("the address after 5 failures", from("192.0.2.9", "ann", "s3cret"), core.ELIMITED)
		must(t, from("192.0.2.10", "ann", "s3cret"))
	})
}

// Guesses sent at once are counted as they start, not as they end: a burst
// gets no more tries than guesses sent one by one. A guess whose request
// runs out of time counts too.
func TestLoginThrottleCountsAttemptsAsTheyStart(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock, Logins: core.LoginLimits{MaxFailures: 3, Window: time.Minute}})
		o := newOrg(t, svc, "acme", "sales", "ann")
		must(t, svc.SetPassword(ctx, o.tenant.ID, "ann", "s3cret"))
		codes := make(chan string, 20)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				_, err := svc.Login(ctx, login("", "ann", "nope"))
				codes <- core.ErrorCode(err)
			})
		}
		wg.Wait()
		close(codes)
		got := map[string]int{}
		for c := range codes {
			got[c]++
		}
		if got[core.EUNAUTHORIZED] != 3 || got[core.ELIMITED] != 17 {
			t.Fatalf("20 guesses at once: %v, want 3 compared and 17 refused", got)
		}

		clock.t = clock.t.Add(time.Minute)
		done, cancel := context.WithCancel(ctx)
		cancel()
		for i := range 3 {
			if _, err := svc.Login(done, login("", "ann", "nope")); core.ErrorCode(err) != core.EUNAVAILABLE {
				t.Fatalf("guess %d out of time: %v, want unavailable", i+1, err)
			}
		}
		if _, err := svc.Login(ctx, login("", "ann", "s3cret")); core.ErrorCode(err) != core.ELIMITED {
			t.Fatalf("after 3 guesses that ran out of time: %v, want limited", err)
		}
	})
}

// An unknown login name is refused as a wrong password is, with the same
// error; a name held in many tenants logs in with any one's password; a
// corp_id past 2^63 names no tenant rather than failing.
func TestLoginAnswers(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		var last org
		for i := range 11 {
			last = newOrg(t, svc, fmt.Sprintf("t%02d", i), "sales", "ann")
			must(t, svc.SetPassword(ctx, last.tenant.ID, "ann", fmt.Sprintf("pw%02d", i)))
		}
		_, unknown := svc.Login(ctx, login("", "nobody", "pw00"))
		_, wrong := svc.Login(ctx, login("", "ann", "nope"))
		if unknown == nil || wrong == nil || unknown.Error() != wrong.Error() {
			t.Fatalf("unknown name: %v; wrong password: %v; want the same refusal", unknown, wrong)
		}
		s, err := svc.Login(ctx, login("", "ann", "pw10"))
		must(t, err)
		if s.Caller.TenantID != last.tenant.ID {
			t.Fatalf("logged into tenant %d, want %d", s.Caller.TenantID, last.tenant.ID)
		}
		for _, tenant := range []string{"18446744073709551615", "9223372036854775808", "99999999999999999999"} {
			if _, err := svc.Login(ctx, login(tenant, "ann", "pw10")); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Errorf("tenant %s: %v, want unauthorized", tenant, err)
			}
		}

		// Held in more than 32 tenants, a login name must name its tenant.
		cheap, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
		must(t, err)
		for i := 11; i < 33; i++ {
			newOrg(t, svc, fmt.Sprintf("t%02d", i), "sales", "ann")
		}
		must(t, db.Exec("UPDATE users SET password_hash = ? WHERE name = 'ann' AND password_hash = ''", string(cheap)).Error)
		if _, err := svc.Login(ctx, login("", "ann", "pw")); core.ErrorCode(err) != core.EINVALID || core.AsError(err).Field != "tenant" {
			t.Errorf("a name in 33 tenants, no tenant named: %v, want the tenant asked for", err)
		}
		if _, err := svc.Login(ctx, login("t32", "ann", "pw")); err != nil {
			t.Errorf("a name in 33 tenants, its tenant named: %v", err)
		}
	})
}

// eachEngineMovable runs fn on every engine with a clock the test may move.
func eachEngineMovable(t *testing.T, fn func(t *testing.T, db *gorm.DB, clock *movableClock)) {
	clock := &movableClock{t: now}
	dbtest.Run(t, clock, func(t *testing.T, db *gorm.DB) {
		clock.t = now
		fn(t, db, clock)
	})
}
