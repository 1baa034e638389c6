package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// now is the fixed instant of these tests: 2015-10-15 10:00 in Shanghai.
var now = time.Date(2015, 10, 15, 2, 0, 0, 0, time.UTC)

type movableClock struct{ t time.Time }

func (c *movableClock) Now() time.Time { return c.t }

// org is one tenant with a department and a user, and a caller for that user.
type org struct {
	tenant core.Tenant
	dept   core.Department
	caller core.Caller
}

func newOrg(t *testing.T, svc *core.Service, tenant, dept, user string) org {
	t.Helper()
	ctx := context.Background()
	tn, err := svc.EnsureTenant(ctx, tenant)
	must(t, err)
	d, err := svc.EnsureDepartment(ctx, tn.ID, dept)
	must(t, err)
	u, err := svc.EnsureUser(ctx, tn.ID, user, d.ID)
	must(t, err)
	tok, err := svc.RegisterToken(ctx, tn.ID, u.ID, "")
	must(t, err)
	c, err := svc.Authenticate(ctx, tok)
	must(t, err)
	return org{tenant: tn, dept: d, caller: c}
}

// addUser adds another user to o's tenant and returns its caller.
func (o org) addUser(t *testing.T, svc *core.Service, name string, deptID uint64) core.Caller {
	t.Helper()
	u, err := svc.EnsureUser(context.Background(), o.tenant.ID, name, deptID)
	must(t, err)
	return core.Caller{TenantID: o.tenant.ID, UserID: u.ID, DepartmentID: deptID, Location: o.caller.Location}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func money(t *testing.T, s string) core.Money {
	t.Helper()
	m, err := core.ParseMoney(s)
	must(t, err)
	return m
}

func date(t *testing.T, s string) core.Date {
	t.Helper()
	d, err := core.ParseDate(s)
	must(t, err)
	return d
}

// contract creates a customer and a contract signed on the given day.
func contract(t *testing.T, svc *core.Service, c core.Caller, sn, amount, signed string) core.Contract {
	t.Helper()
	ctx := context.Background()
	cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "customer of " + sn})
	must(t, err)
	k, err := svc.CreateContract(ctx, c, core.NewContract{Title: "contract " + sn, SN: sn, CustomerID: cu.ID,
		TotalAmount: money(t, amount), SignDate: date(t, signed), StartDate: date(t, signed), EndDate: date(t, signed).AddDays(30)})
	must(t, err)
	return k
}

func pay(t *testing.T, svc *core.Service, c core.Caller, k core.Contract, dir, amount, on string) {
	t.Helper()
	_, err := svc.AddPayment(context.Background(), c, core.NewPayment{ContractID: k.ID, Direction: dir, Amount: money(t, amount), PaidOn: date(t, on)})
	must(t, err)
}

func count(t *testing.T, db *gorm.DB, model any) int64 {
	t.Helper()
	var n int64
	must(t, db.Model(model).Count(&n).Error)
	return n
}

func eachEngine(t *testing.T, fn func(t *testing.T, db *gorm.DB, svc *core.Service)) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		fn(t, db, core.NewService(db, core.Options{Clock: core.FixedClock(now)}))
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, _ *core.Service) {
		must(t, core.Migrate(db))
		must(t, core.Migrate(db))
	})
}

func TestCurrentMonthIsInTenantTimeZone(t *testing.T) {
	// 2015-09-30 17:00 UTC is already October 1st in Shanghai.
	svc := core.NewService(nil, core.Options{Clock: core.FixedClock(time.Date(2015, 9, 30, 17, 0, 0, 0, time.UTC))})
	loc, err := time.LoadLocation("Asia/Shanghai")
	must(t, err)
	if got := svc.CurrentMonth(core.Caller{Location: loc}); got.String() != "2015-10" {
		t.Fatalf("current month = %s, want 2015-10", got)
	}
}

func TestMoneySumsAreExactToTheCent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "0.30", "2015-10-01")
		for i := 0; i < 1000; i++ {
			pay(t, svc, o.caller, k, core.PaymentIn, "0.10", "2015-10-02")
		}
		f, err := svc.MonthFigures(context.Background(), o.caller, core.Month{Year: 2015, Month: 10})
		must(t, err)
		if f.Back == nil || f.Back.StringFixed(2) != "100.00" {
			t.Fatalf("1000 × 0.10 received = %v, want exactly 100.00", f.Back)
		}
		page, err := svc.ContractFigures(context.Background(), o.caller, core.ContractQuery{Month: core.Month{Year: 2015, Month: 10}, Scope: core.ScopeCompany, Size: 20})
		must(t, err)
		if got := page.Items[0].Received.StringFixed(2); got != "100.00" {
			t.Fatalf("contract received = %s, want 100.00", got)
		}
		if _, err := core.ParseMoney("0.001"); err == nil {
			t.Fatal("ParseMoney accepted a fraction of a cent")
		}
	})
}

func TestMonthFigures(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		bob := o.addUser(t, svc, "bob", o.dept.ID)
		oct := core.Month{Year: 2015, Month: 10}

		f, err := svc.MonthFigures(ctx, o.caller, oct)
		must(t, err)
		if f.Deal != nil || f.Back != nil || f.Target != nil {
			t.Fatalf("empty month = %+v, want all nil", f)
		}

		k1 := contract(t, svc, o.caller, "K1", "1000.50", "2015-10-01")
		k2 := contract(t, svc, o.caller, "K2", "2000", "2015-10-31")
		old := contract(t, svc, o.caller, "K0", "9999", "2015-09-30")
		contract(t, svc, bob, "B1", "5000", "2015-10-10") // someone else's
		pay(t, svc, o.caller, k1, core.PaymentIn, "100", "2015-10-05")
		pay(t, svc, o.caller, old, core.PaymentIn, "50.25", "2015-10-06") // an older contract, paid this month
		pay(t, svc, o.caller, k2, core.PaymentIn, "70", "2015-11-01")     // next month
		pay(t, svc, o.caller, k1, core.PaymentOut, "30", "2015-10-05")    // paid out, not received
		must(t, svc.SetMonthlyTarget(ctx, o.caller, oct, money(t, "2022222")))

		f, err = svc.MonthFigures(ctx, o.caller, oct)
		must(t, err)
		for name, c := range map[string]struct {
			got  *core.Money
			want string
		}{"deal": {f.Deal, "3000.50"}, "back": {f.Back, "150.25"}, "target": {f.Target, "2022222.00"}} {
			if c.got == nil || c.got.StringFixed(2) != c.want {
				t.Errorf("%s = %v, want %s", name, c.got, c.want)
			}
		}
	})
}

func TestSetMonthlyTargetReplacesAndRejectsNegatives(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		sep := core.Month{Year: 2015, Month: 9}
		must(t, svc.SetMonthlyTarget(ctx, o.caller, sep, money(t, "100")))
		must(t, svc.SetMonthlyTarget(ctx, o.caller, sep, money(t, "123456")))
		if n := count(t, db, &core.MonthlyTarget{}); n != 1 {
			t.Fatalf("%d target rows, want 1", n)
		}
		f, err := svc.MonthFigures(ctx, o.caller, sep)
		must(t, err)
		if f.Target == nil || f.Target.String() != "123456" {
			t.Fatalf("target = %v, want 123456", f.Target)
		}
		err = svc.SetMonthlyTarget(ctx, o.caller, core.Month{Year: 2015, Month: 8}, money(t, "-1"))
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("negative target: %v, want invalid", err)
		}
		if n := count(t, db, &core.MonthlyTarget{}); n != 1 {
			t.Fatalf("a rejected target wrote a row: %d rows", n)
		}
	})
}

func TestContractFiguresScopesAndPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		other, err := svc.EnsureDepartment(ctx, o.tenant.ID, "market")
		must(t, err)
		bob := o.addUser(t, svc, "bob", o.dept.ID)
		cat := o.addUser(t, svc, "cat", other.ID)
		contract(t, svc, o.caller, "A1", "100", "2015-10-01")
		contract(t, svc, o.caller, "A2", "200", "2015-10-02")
		contract(t, svc, bob, "B1", "300", "2015-10-03")
		contract(t, svc, cat, "C1", "400", "2015-10-04")
		contract(t, svc, cat, "C0", "500", "2015-09-04")
		oct := core.Month{Year: 2015, Month: 10}
		titles := func(q core.ContractQuery) (string, int64) {
			t.Helper()
			q.Month = oct
			if q.Size == 0 {
				q.Size = 20
			}
			p, err := svc.ContractFigures(ctx, o.caller, q)
			must(t, err)
			var s []string
			for _, it := range p.Items {
				s = append(s, strings.TrimPrefix(it.Title, "contract "))
			}
			return strings.Join(s, ","), p.Total
		}
		for _, c := range []struct {
			name  string
			q     core.ContractQuery
			want  string
			total int64
		}{
			{"caller by default", core.ContractQuery{Scope: core.ScopeUsers}, "A1,A2", 2},
			{"listed users", core.ContractQuery{Scope: core.ScopeUsers, IDs: []uint64{bob.UserID, cat.UserID}}, "B1,C1", 2},
			{"caller's department", core.ContractQuery{Scope: core.ScopeDepartment}, "A1,A2,B1", 3},
			{"named department", core.ContractQuery{Scope: core.ScopeDepartment, IDs: []uint64{other.ID}}, "C1", 1},
			{"company", core.ContractQuery{Scope: core.ScopeCompany}, "A1,A2,B1,C1", 4},
			{"company page 1 of size 3", core.ContractQuery{Scope: core.ScopeCompany, Page: 1, Size: 3}, "C1", 4},
			{"past the last page", core.ContractQuery{Scope: core.ScopeCompany, Page: 9, Size: 3}, "", 4},
		} {
			got, total := titles(c.q)
			if got != c.want || total != c.total {
				t.Errorf("%s: %q (total %d), want %q (total %d)", c.name, got, total, c.want, c.total)
			}
		}
		_, err = svc.ContractFigures(ctx, o.caller, core.ContractQuery{Month: oct, Scope: core.ScopeUsers, IDs: []uint64{999}, Size: 20})
		if e := core.AsError(err); e.Code != core.ENOTFOUND || e.Entity != "user" {
			t.Errorf("unknown user: %v, want user not found", err)
		}
		_, err = svc.ContractFigures(ctx, o.caller, core.ContractQuery{Month: oct, Scope: core.ScopeDepartment, IDs: []uint64{999}, Size: 20})
		if e := core.AsError(err); e.Code != core.ENOTFOUND || e.Entity != "department" {
			t.Errorf("unknown department: %v, want department not found", err)
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		b := newOrg(t, svc, "tenant-b", "sales", "ann") // same names, other tenant
		ka := contract(t, svc, a.caller, "SAME-SN", "1000", "2015-10-01")
		pay(t, svc, a.caller, ka, core.PaymentIn, "10", "2015-10-01")
		must(t, svc.SetMonthlyTarget(ctx, a.caller, core.Month{Year: 2015, Month: 10}, money(t, "5")))

		oct := core.Month{Year: 2015, Month: 10}
		f, err := svc.MonthFigures(ctx, b.caller, oct)
		must(t, err)
		if f.Deal != nil || f.Back != nil || f.Target != nil {
			t.Errorf("tenant B sees A's figures: %+v", f)
		}
		p, err := svc.ContractFigures(ctx, b.caller, core.ContractQuery{Month: oct, Scope: core.ScopeCompany, Size: 20})
		must(t, err)
		if p.Total != 0 || len(p.Items) != 0 {
			t.Errorf("tenant B's company count sees %d of A's contracts", p.Total)
		}
		for name, q := range map[string]core.ContractQuery{
			"A's user":       {Month: oct, Scope: core.ScopeUsers, IDs: []uint64{a.caller.UserID}, Size: 20},
			"A's department": {Month: oct, Scope: core.ScopeDepartment, IDs: []uint64{a.dept.ID}, Size: 20},
		} {
			if a.caller.UserID == b.caller.UserID || a.dept.ID == b.dept.ID {
				t.Fatal("fixture: tenants share ids")
			}
			if _, err := svc.ContractFigures(ctx, b.caller, q); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("%s through B: %v, want not found", name, err)
			}
		}
		if _, err := svc.AddPayment(ctx, b.caller, core.NewPayment{ContractID: ka.ID, Direction: core.PaymentIn, Amount: money(t, "1")}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("B paying into A's contract: %v, want not found", err)
		}
		var cuA core.Customer
		must(t, db.Where("tenant_id = ?", a.tenant.ID).Take(&cuA).Error)
		_, err = svc.CreateContract(ctx, b.caller, core.NewContract{Title: "x", SN: "X1", CustomerID: cuA.ID,
			StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02")})
		if core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("B contracting A's customer: %v, want not found", err)
		}
		// The same sn is fine in another tenant.
		contract(t, svc, b.caller, "SAME-SN", "1", "2015-10-01")
	})
}

func TestCreateContractRejectsBadInputAndWritesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		existing := contract(t, svc, o.caller, "K1", "1", "2015-10-01")
		good := func() core.NewContract {
			return core.NewContract{Title: "t", SN: "K2", CustomerID: existing.CustomerID, StartDate: date(t, "2015-10-01"),
				EndDate: date(t, "2015-10-02"), Lines: []core.NewContractLine{{ProductName: "p", Quantity: 2, UnitPrice: money(t, "3")}}}
		}
		for _, c := range []struct {
			name, code string
			field      core.Field
			edit       func(*core.NewContract)
		}{
			{"no title", core.EINVALID, "title", func(k *core.NewContract) { k.Title = "" }},
			{"no start", core.EINVALID, core.FieldStartDate, func(k *core.NewContract) { k.StartDate = core.Date{} }},
			{"end before start", core.EINVALID, core.FieldEndDate, func(k *core.NewContract) { k.EndDate = date(t, "2015-09-01") }},
			{"bad status", core.EINVALID, "status", func(k *core.NewContract) { k.Status = "lost" }},
			{"unknown customer", core.ENOTFOUND, "", func(k *core.NewContract) { k.CustomerID = 999 }},
			{"duplicate sn", core.ECONFLICT, "sn", func(k *core.NewContract) { k.SN = "K1" }},
			{"wrong total price", core.EINVALID, "total_price", func(k *core.NewContract) { k.Lines[0].TotalPrice = ptr(money(t, "7")) }},
			{"unknown opportunity", core.ENOTFOUND, "", func(k *core.NewContract) { k.OpportunityID = 999 }},
			{"unknown category", core.ENOTFOUND, "", func(k *core.NewContract) { k.CategoryID = 999 }},
			{"unknown payment type", core.ENOTFOUND, "", func(k *core.NewContract) { k.PaymentTypeID = 999 }},
			{"unknown user to notify", core.ENOTFOUND, "notify_user_ids", func(k *core.NewContract) { k.NotifyUserIDs = []uint64{o.caller.UserID, 999} }},
			{"unknown owner", core.ENOTFOUND, "", func(k *core.NewContract) { k.OwnerID = 999 }},
			{"a line id on a new contract", core.EINVALID, core.FieldLines, func(k *core.NewContract) { k.Lines[0].ID = 1 }},
		} {
			in := good()
			c.edit(&in)
			_, err := svc.CreateContract(ctx, o.caller, in)
			e := core.AsError(err)
			if err == nil || e.Code != c.code || e.Field != c.field {
				t.Errorf("%s: %v (field %q), want %s on %q", c.name, err, e.Field, c.code, c.field)
			}
		}
		if n, l := count(t, db, &core.Contract{}), count(t, db, &core.ContractLine{}); n != 1 || l != 0 {
			t.Fatalf("rejected contracts wrote rows: %d contracts, %d lines", n, l)
		}
		k, err := svc.CreateContract(ctx, o.caller, good())
		must(t, err)
		if len(k.Lines) != 1 || k.Lines[0].TotalPrice.String() != "6" {
			t.Fatalf("line total = %v, want 6", k.Lines)
		}
	})
}

// login is a login request from one address, for a token that works an hour.
func login(tenant, user, password string) core.LoginRequest {
	return core.LoginRequest{Tenant: tenant, UserName: user, Password: password, Address: "192.0.2.1",
		Token: core.NewTokenValue(), TTL: time.Hour}
}

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

// Trailing spaces are significant on both engines, as SQLite compares: "Trail "
// is another name than "Trail", on MySQL too (utf8mb4_bin would call them equal),
// including tables an earlier crmgw made under utf8mb4_bin, once converted.
func TestTrailingSpacesAreSignificant(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		if db.Dialector.Name() == core.DriverMySQL {
			must(t, db.Exec("ALTER TABLE customers CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error)
			must(t, core.Migrate(db))
			must(t, core.ConvertCollation(db))
			var collation string
			must(t, db.Raw("SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers'").Scan(&collation).Error)
			if collation == "utf8mb4_bin" {
				t.Fatalf("customers kept utf8mb4_bin after migrate")
			}
		}
		o := newOrg(t, svc, "acme", "sales", "ann")
		_, err := svc.CreateCustomer(context.Background(), o.caller, core.NewCustomer{Name: "Trail "})
		must(t, err)
		var n int64
		must(t, db.Model(&core.Customer{}).Where("name = ?", "Trail").Count(&n).Error)
		if n != 0 {
			t.Errorf(`"Trail" matches the customer "Trail "`)
		}
		if _, err := svc.CreateCustomer(context.Background(), o.caller, core.NewCustomer{Name: "Trail"}); err != nil {
			t.Errorf(`"Trail" beside "Trail ": %v`, err)
		}
	})
}
