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

// A tenant's devices: its callers carry them, a login of another device is
// forbidden and issues no token, and none set allows every device.
func TestTenantDevices(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		must(t, svc.SetPassword(ctx, o.tenant.ID, "ann", "s3cret"))
		in := o.tenant.Settings()
		in.Devices = []string{"open_api", "dingtalk"}
		must(t, svc.SetTenantSettings(ctx, o.tenant.ID, in))
		req := login("", "ann", "s3cret")
		req.Device = "wxwork"
		tokens := count(t, db, &core.APIToken{})
		_, err := svc.Login(ctx, req)
		if ce := core.AsError(err); ce.Code != core.EFORBIDDEN || ce.Entity != "device" {
			t.Fatalf("a device the tenant does not allow: %v, want forbidden of entity device", err)
		}
		if n := count(t, db, &core.APIToken{}); n != tokens {
			t.Fatalf("a forbidden login issued %d tokens", n-tokens)
		}
		req.Device, req.Token = "dingtalk", core.NewTokenValue()
		s, err := svc.Login(ctx, req)
		must(t, err)
		if !s.Caller.AllowsDevice("dingtalk") || s.Caller.AllowsDevice("wxwork") {
			t.Fatalf("caller's devices %v", s.Caller.Devices)
		}
		tn, err := svc.FindTenant(ctx, "acme")
		must(t, err)
		if got := tn.Settings().Devices; len(got) != 2 || got[0] != "open_api" || got[1] != "dingtalk" {
			t.Fatalf("settings' devices %v", got)
		}
		for _, bad := range [][]string{{""}, {"open_api,web"}, {"open api"}} {
			in.Devices = bad
			if err := svc.SetTenantSettings(ctx, o.tenant.ID, in); core.ErrorCode(err) != core.EINVALID {
				t.Errorf("devices %q: %v, want invalid", bad, err)
			}
		}
		in.Devices = nil
		must(t, svc.SetTenantSettings(ctx, o.tenant.ID, in))
		req.Device, req.Token = "wxwork", core.NewTokenValue()
		s, err = svc.Login(ctx, req)
		must(t, err)
		if !s.Caller.AllowsDevice("wxwork") || len(s.Caller.Devices) != 0 {
			t.Fatalf("with no devices set: %v", s.Caller.Devices)
		}
	})
}
