package core_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

func TestTokens(t *testing.T) {
	clock := &movableClock{t: now}
	dbtest.Run(t, clock, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: clock})
		o := newOrg(t, svc, "acme", "sales", "ann")
		const value = "ZDY3ZjliMDktMjZjZC00NWVhLWFiNGEtMjgxNTkzMGU0YmY2"
		_, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, value)
		must(t, err)
		if _, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, value); err != nil {
			t.Fatalf("registering the same token again: %v", err)
		}
		bob := o.addUser(t, svc, "bob", o.dept.ID)
		if _, err := svc.RegisterToken(ctx, o.tenant.ID, bob.UserID, value); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("same token for another user: %v, want conflict", err)
		}
		var leaked int64
		must(t, db.Model(&core.APIToken{}).Where("hash = ?", value).Count(&leaked).Error)
		if leaked != 0 {
			t.Fatal("the token value is stored in clear")
		}
		c, err := svc.Authenticate(ctx, value)
		must(t, err)
		if c.TenantID != o.tenant.ID || c.UserID != o.caller.UserID || c.DepartmentID != o.dept.ID || c.Location.String() != "Asia/Shanghai" {
			t.Fatalf("caller = %+v", c)
		}
		for _, bad := range []string{"", "nope", value + "x"} {
			if _, err := svc.Authenticate(ctx, bad); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Errorf("token %q: %v, want unauthorized", bad, err)
			}
		}
		must(t, svc.RevokeToken(ctx, value))
		if _, err := svc.Authenticate(ctx, value); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("revoked token: %v, want unauthorized", err)
		}

		must(t, svc.SetPassword(ctx, o.tenant.ID, "ann", "s3cret"))
		if _, err := svc.Login(ctx, login("", "ann", "wrong")); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("wrong password: %v, want unauthorized", err)
		}
		if _, err := svc.Login(ctx, login("", "nobody", "s3cret")); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("unknown user: %v, want unauthorized, as a wrong password", err)
		}
		s, err := svc.Login(ctx, login("", "ann", "s3cret"))
		must(t, err)
		if s.Profile.User.Name != "ann" || s.Profile.Department.Name != "sales" {
			t.Fatalf("profile = %+v", s.Profile)
		}
		if _, err := svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatalf("fresh login token: %v", err)
		}
		clock.t = now.Add(time.Hour)
		if _, err := svc.Authenticate(ctx, s.Token); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("expired login token: %v, want unauthorized", err)
		}
		clock.t = now

		// The same login name and password in two tenants: the tenant must be named.
		b := newOrg(t, svc, "other", "sales", "ann")
		must(t, svc.SetPassword(ctx, b.tenant.ID, "ann", "s3cret"))
		if _, err := svc.Login(ctx, login("", "ann", "s3cret")); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("ambiguous login: %v, want invalid", err)
		}
		s, err = svc.Login(ctx, login("other", "ann", "s3cret"))
		must(t, err)
		if s.Caller.TenantID != b.tenant.ID {
			t.Errorf("login in tenant other went to tenant %d", s.Caller.TenantID)
		}
	})
}
