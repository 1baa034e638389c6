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

// The sweep deletes the tokens past their expiry, the one expiring this very
// second too (Authenticate refuses it already), over several batches; it keeps
// unexpired and registered tokens; and an expired token is refused alike
// before and after it.
func TestSweepTokensDeletesExpiredOnly(t *testing.T) {
	clock := &movableClock{t: now}
	dbtest.Run(t, clock, func(t *testing.T, db *gorm.DB) {
		clock.t = now
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		o := newOrg(t, svc, "acme", "sales", "ann")
		registered, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, "")
		must(t, err)
		must(t, svc.SetPassword(ctx, o.tenant.ID, "ann", "s3cret"))
		login := func(ttl time.Duration) string {
			s, err := svc.Login(ctx, core.LoginRequest{UserName: "ann", Password: "s3cret", Token: core.NewTokenValue(), TTL: ttl})
			must(t, err)
			return s.Token
		}
		expired, dueNow, valid := login(time.Hour), login(2*time.Hour), login(3*time.Hour)
		// Logins long past, more than several batches of them.
		const old = 2500
		past := now.Add(-time.Hour)
		rows := make([]core.APIToken, old)
		for i := range rows {
			rows[i] = core.APIToken{TenantID: o.tenant.ID, UserID: o.caller.UserID, Hash: fmt.Sprintf("old-%d", i),
				Source: core.TokenLogin, ExpiresAt: &past}
		}
		must(t, db.CreateInBatches(rows, 500).Error)

		clock.t = now.Add(2 * time.Hour)
		for _, tok := range []string{expired, dueNow} {
			if _, err := svc.Authenticate(ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Fatalf("an expired token before the sweep: %v, want unauthorized", err)
			}
		}
		swept, err := svc.SweepTokens(ctx)
		must(t, err)
		if want := int64(old + 2); swept != want {
			t.Errorf("swept %d tokens, want %d", swept, want)
		}
		for _, tok := range []string{expired, dueNow} {
			if _, err := svc.Authenticate(ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Errorf("an expired token after the sweep: %v, want unauthorized", err)
			}
		}
		for _, tok := range []string{valid, registered} {
			if _, err := svc.Authenticate(ctx, tok); err != nil {
				t.Errorf("a token the sweep must keep: %v", err)
			}
		}
		if n := count(t, db, &core.APIToken{}); n != 3 { // newOrg's, the registered one and the valid login
			t.Errorf("%d tokens left, want 3", n)
		}
		if swept, err := svc.SweepTokens(ctx); err != nil || swept != 0 {
			t.Errorf("a second sweep: %d, %v; want 0, nil", swept, err)
		}
	})
}
