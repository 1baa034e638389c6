package core_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// Failed logins are throttled per login name and per client address; a
// success resets both; the window's end lets the name try again.
func TestLoginThrottle(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock, Logins: core.LoginLimits{MaxFailures: 3, MaxFailuresPerAddress: 5, Window: time.Minute}})
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

		for i := range 3 {
			wantCode(fmt.Sprintf("wrong password %d", i+1), from("192.0.2.1", "ann", "nope"), core.EUNAUTHORIZED)
		}
		err := from("198.51.100.7", "ann", "s3cret") // the right password, from elsewhere: the name is locked
		wantCode("ann after 3 failures", err, core.ELIMITED)
		if wait := core.AsError(err).RetryAfter; wait <= 0 || wait > time.Minute {
			t.Fatalf("retry after %s, want within the window", wait)
		}
		clock.t = clock.t.Add(time.Minute)
		must(t, from("198.51.100.7", "ann", "s3cret"))

		// A success resets the name's count: three more failures are needed.
		for i := range 2 {
			wantCode(fmt.Sprintf("failure %d after a success", i+1), from("192.0.2.2", "ann", "nope"), core.EUNAUTHORIZED)
		}
		must(t, from("192.0.2.2", "ann", "s3cret"))
		wantCode("failure after a reset", from("192.0.2.2", "ann", "nope"), core.EUNAUTHORIZED)

		// One address trying many names is stopped too, names it never tried included; other addresses are not.
		for i := range 5 {
			wantCode(fmt.Sprintf("guess %d", i+1), from("203.0.113.9", fmt.Sprintf("guess%d", i), "x"), core.EUNAUTHORIZED)
		}
		wantCode("the address after 5 failures", from("203.0.113.9", "ann", "s3cret"), core.ELIMITED)
		must(t, from("192.0.2.3", "ann", "s3cret"))
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
