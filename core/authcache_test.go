package core_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// A token is authenticated from the cache after its first use, reading no
// table; revoked in
// this process it fails on the next request, revoked by another process on
// the same database within core.AuthCacheTTL; a change to its user seen here
// at once. Site keys alike.
func TestAuthCacheRevocation(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		other := core.NewService(dbtest.Again(t, db, core.FixedClock(now)), core.Options{Clock: core.FixedClock(now)})
		token := func() string {
			v, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, "")
			must(t, err)
			_, err = svc.Authenticate(ctx, v) // cached
			must(t, err)
			return v
		}

		here := token()
		var queries atomic.Int64
		must(t, db.Callback().Query().Before("gorm:query").Register("test:count_queries", func(*gorm.DB) { queries.Add(1) }))
		for range 3 {
			_, err := svc.Authenticate(ctx, here)
			must(t, err)
		}
		must(t, db.Callback().Query().Remove("test:count_queries"))
		if queries.Load() != 0 {
			t.Errorf("a cached token cost %d queries, want none", queries.Load())
		}
		must(t, svc.RevokeToken(ctx, here))
		if _, err := svc.Authenticate(ctx, here); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("revoked in this process, the next request: %v, want unauthorized", err)
		}

		there := token()
		revoked := time.Now()
		must(t, other.RevokeToken(ctx, there))
		for {
			_, err := svc.Authenticate(ctx, there)
			if core.ErrorCode(err) == core.EUNAUTHORIZED {
				break
			}
			must(t, err)
			if time.Since(revoked) > core.AuthCacheTTL+time.Second {
				t.Fatalf("revoked by another process, still accepted after %s", time.Since(revoked))
			}
			time.Sleep(50 * time.Millisecond)
		}

		moved := token()
		d, err := svc.EnsureDepartment(ctx, o.tenant.ID, "support")
		must(t, err)
		_, err = svc.EnsureUser(ctx, o.tenant.ID, "ann", d.ID) // ann moves to support
		must(t, err)
		if c, err := svc.Authenticate(ctx, moved); err != nil || c.DepartmentID != d.ID {
			t.Errorf("after ann moved: %+v %v, want department %d", c, err, d.ID)
		}

		key, err := svc.RegisterSiteKey(ctx, o.tenant.ID, "")
		must(t, err)
		_, err = svc.AuthenticateSite(ctx, key)
		must(t, err)
		if _, err := svc.Authenticate(ctx, key); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("a site key, cached, sent as a token: %v, want unauthorized", err)
		}
		if _, err := svc.AuthenticateSite(ctx, moved); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("a token, cached, sent as a site key: %v, want unauthorized", err)
		}
		must(t, svc.RevokeSiteKey(ctx, key))
		if _, err := svc.AuthenticateSite(ctx, key); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("a site key revoked, the next request: %v, want unauthorized", err)
		}
	})
}

// A cached caller stays cached through the writes that take the tenant's row
// only for its counters (a numbered contract, a customer whose name must be
// unique), and no longer once the tenant itself changes.
func TestAuthCacheOutlivesTheTenantsCounters(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		token, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, "")
		must(t, err)
		_, err = svc.Authenticate(ctx, token) // cached
		must(t, err)
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "unique", UniqueName: true})
		must(t, err)
		_, err = svc.CreateContract(ctx, o.caller, core.NewContract{Title: "numbered", CustomerID: cu.ID,
			StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02")})
		must(t, err)
		authenticate := func() int64 {
			var queries atomic.Int64
			must(t, db.Callback().Query().Before("gorm:query").Register("test:count_queries", func(*gorm.DB) { queries.Add(1) }))
			defer func() { must(t, db.Callback().Query().Remove("test:count_queries")) }()
			_, err := svc.Authenticate(ctx, token)
			must(t, err)
			return queries.Load()
		}
		if n := authenticate(); n != 0 {
			t.Errorf("after a numbered contract and a unique name, authentication cost %d queries, want none", n)
		}
		must(t, db.Model(&core.Tenant{}).Where("id = ?", o.tenant.ID).Update("time_zone", "Asia/Shanghai").Error)
		if n := authenticate(); n == 0 {
			t.Errorf("after the tenant changed, authentication read nothing: the cached caller was used")
		}
	})
}
