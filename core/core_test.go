package core_test

import (
	"context"
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

// login is a login request from one address, for a token that works an hour.
func login(tenant, user, password string) core.LoginRequest {
	return core.LoginRequest{Tenant: tenant, UserName: user, Password: password, Address: "192.0.2.1",
		Token: core.NewTokenValue(), TTL: time.Hour}
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
		// Ids are each tenant's own, so A's second department and user are ids B has not.
		d2, err := svc.EnsureDepartment(ctx, a.tenant.ID, "support")
		must(t, err)
		u2 := a.addUser(t, svc, "bob", d2.ID)
		for name, q := range map[string]core.ContractQuery{
			"A's user":       {Month: oct, Scope: core.ScopeUsers, IDs: []uint64{u2.UserID}, Size: 20},
			"A's department": {Month: oct, Scope: core.ScopeDepartment, IDs: []uint64{d2.ID}, Size: 20},
		} {
			if u2.UserID == b.caller.UserID || d2.ID == b.dept.ID {
				t.Fatal("fixture: B has A's second user or department")
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
