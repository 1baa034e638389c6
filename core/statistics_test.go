package core_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

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
