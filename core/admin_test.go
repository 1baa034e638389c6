package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// An admin token opens console sessions of a bounded lifetime; neither the
// token nor a session's id is stored as itself; logging out ends a session,
// revoking the token ends all of them.
func TestAdminTokensAndSessions(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		value, id, err := svc.AddAdminToken(ctx, "ops", "")
		must(t, err)
		if len(value) < 32 || id == 0 {
			t.Fatalf("AddAdminToken: %q, %d", value, id)
		}
		if _, _, err := svc.AddAdminToken(ctx, "again", value); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("the same value twice: %v, want conflict", err)
		}
		list, err := svc.AdminTokens(ctx)
		must(t, err)
		if len(list) != 1 || list[0].ID != id || list[0].Name != "ops" {
			t.Fatalf("AdminTokens: %+v", list)
		}

		if _, err := svc.AdminLogin(ctx, "not-a-token", "192.0.2.1", time.Hour); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("an unknown token: %v, want unauthorized", err)
		}
		session, err := svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour)
		must(t, err)
		who, err := svc.AdminSessionToken(ctx, session)
		must(t, err)
		if who.ID != id || who.Name != "ops" {
			t.Fatalf("AdminSessionToken: %+v", who)
		}
		var stored int64
		must(t, db.Table("admin_tokens").Where("hash = ?", value).Or("name = ?", value).Count(&stored).Error)
		var sessions int64
		must(t, db.Table("admin_sessions").Where("hash = ?", session).Count(&sessions).Error)
		if stored != 0 || sessions != 0 {
			t.Fatal("a token or session id is stored as itself")
		}

		clock.t = clock.t.Add(time.Hour)
		if _, err := svc.AdminSessionToken(ctx, session); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("a session past its lifetime: %v, want unauthorized", err)
		}
		second, err := svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour)
		must(t, err)
		must(t, db.Table("admin_sessions").Count(&sessions).Error)
		if sessions != 1 {
			t.Fatalf("%d sessions after a login past the first's end, want the expired one swept", sessions)
		}
		must(t, svc.AdminLogout(ctx, second))
		if _, err := svc.AdminSessionToken(ctx, second); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("a session logged out: %v, want unauthorized", err)
		}

		third, err := svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour)
		must(t, err)
		must(t, svc.RevokeAdminToken(ctx, id))
		if _, err := svc.AdminSessionToken(ctx, third); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("a session of a revoked token: %v, want unauthorized", err)
		}
		if _, err := svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("a revoked token: %v, want unauthorized", err)
		}
		if err := svc.RevokeAdminToken(ctx, id); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("revoking it again: %v, want not found", err)
		}
	})
}

// Failed console logins are throttled like users' logins: past the limit
// from one address, even the right token is refused until the window ends.
func TestAdminLoginThrottle(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock, Logins: core.LoginLimits{MaxFailures: 3, Window: time.Minute}})
		value, _, err := svc.AddAdminToken(ctx, "ops", "")
		must(t, err)
		for range 3 {
			if _, err := svc.AdminLogin(ctx, "guess", "192.0.2.1", time.Hour); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Fatalf("a guess: %v", err)
			}
		}
		_, err = svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour)
		if e := core.AsError(err); e.Code != core.ELIMITED || e.Entity != "login" || e.RetryAfter <= 0 {
			t.Fatalf("the right token after 3 guesses: %v, want limited", err)
		}
		if _, err := svc.AdminLogin(ctx, value, "198.51.100.7", time.Hour); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		clock.t = clock.t.Add(time.Minute)
		if _, err := svc.AdminLogin(ctx, value, "192.0.2.1", time.Hour); err != nil {
			t.Fatalf("once the window ended: %v", err)
		}
	})
}

// RevokeTokenByID deletes only the tenant's own token of that id.
func TestRevokeTokenByIDIsTenantScoped(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		a := newOrg(t, svc, "acme", "sales", "ann")
		b := newOrg(t, svc, "other", "sales", "bob")
		bTokens, err := svc.ListTokens(ctx, b.tenant.ID)
		must(t, err)
		if len(bTokens) != 1 {
			t.Fatalf("tenant b's tokens: %+v", bTokens)
		}
		if err := svc.RevokeTokenByID(ctx, a.tenant.ID, bTokens[0].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("revoking b's token as a's: %v, want not found", err)
		}
		if after, _ := svc.ListTokens(ctx, b.tenant.ID); len(after) != 1 {
			t.Fatal("tenant b's token went")
		}
		must(t, svc.RevokeTokenByID(ctx, b.tenant.ID, bTokens[0].ID))
		if after, _ := svc.ListTokens(ctx, b.tenant.ID); len(after) != 0 {
			t.Fatalf("tenant b's tokens after the revoke: %+v", after)
		}
		if after, _ := svc.ListTokens(ctx, a.tenant.ID); len(after) != 1 {
			t.Fatal("tenant a's token went too")
		}
	})
}

// Import runs are listed newest first with their tenant, counts and error,
// the error cut to its bound; a run never finished shows no end.
func TestImportRuns(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		a := newOrg(t, svc, "acme", "sales", "ann")
		first, err := svc.StartImportRun(ctx, a.tenant.ID, "oa", true)
		must(t, err)
		stats := map[string]*core.ImportStats{core.ImportContract: {Read: 3, Written: 2, Skipped: 1}, core.ImportCustomer: {Read: 5, Written: 5}}
		clock.t = clock.t.Add(time.Minute)
		must(t, svc.FinishImportRun(ctx, first, core.ImportCounts(stats), strings.Repeat("é", 600)))
		clock.t = clock.t.Add(time.Minute)
		second, err := svc.StartImportRun(ctx, a.tenant.ID, "file", false)
		must(t, err)

		runs, err := svc.ImportRuns(ctx, 10)
		must(t, err)
		if len(runs) != 2 || runs[0].ID != second || runs[1].ID != first {
			t.Fatalf("ImportRuns: %+v", runs)
		}
		if r := runs[0]; r.FinishedAt != nil || r.Kind != "file" || r.DryRun || r.TenantName != "acme" || len(r.Counts) != 0 {
			t.Fatalf("the running one: %+v", r)
		}
		r := runs[1]
		want := []core.ImportCount{{Kind: core.ImportCustomer, ImportStats: core.ImportStats{Read: 5, Written: 5}},
			{Kind: core.ImportContract, ImportStats: core.ImportStats{Read: 3, Written: 2, Skipped: 1}}}
		if r.FinishedAt == nil || !r.FinishedAt.Equal(now.Add(time.Minute)) || !r.DryRun || len(r.Counts) != 2 || r.Counts[0] != want[0] || r.Counts[1] != want[1] {
			t.Fatalf("the finished one: %+v", r)
		}
		if len(r.Error) != 1024 || r.Error != strings.Repeat("é", 512) {
			t.Fatalf("the error kept: %d bytes", len(r.Error))
		}
		if err := svc.FinishImportRun(ctx, 987654, nil, ""); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("finishing an unknown run: %v", err)
		}
		if runs, _ := svc.ImportRuns(ctx, 1); len(runs) != 1 {
			t.Fatalf("ImportRuns(1): %d runs", len(runs))
		}
	})
}

// Failed console logins from many addresses do not lock out an operator at
// another: each address's failures count apart.
func TestAdminLoginFailuresCountPerAddress(t *testing.T) {
	eachEngineMovable(t, func(t *testing.T, db *gorm.DB, clock *movableClock) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock, Logins: core.LoginLimits{
			MaxFailures: 2, MaxFailuresPerName: 3, MaxFailuresPerAddress: 2, Window: time.Minute}})
		value, _, err := svc.AddAdminToken(ctx, "ops", "")
		must(t, err)
		for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"} {
			for range 2 {
				if _, err := svc.AdminLogin(ctx, "guess", addr, time.Hour); core.ErrorCode(err) != core.EUNAUTHORIZED {
					t.Fatalf("a wrong token from %s: %v, want unauthorized", addr, err)
				}
			}
			if _, err := svc.AdminLogin(ctx, value, addr, time.Hour); core.ErrorCode(err) != core.ELIMITED {
				t.Fatalf("from %s after its limit: %v, want limited", addr, err)
			}
		}
		if _, err := svc.AdminLogin(ctx, value, "198.51.100.7", time.Hour); err != nil {
			t.Fatalf("an operator elsewhere, after 8 failures from other addresses: %v", err)
		}
	})
}
