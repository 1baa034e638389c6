package core_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// The batch use cases write what the single ones write, record for record
// (the same rows, counters and employees' figures), with one statement for
// many rows.
func TestBatchesWriteWhatTheSingleUseCasesWrite(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		single := dbtest.Open(t, db.Dialector.Name(), core.FixedClock(now))
		one := core.NewService(single, core.Options{Clock: core.FixedClock(now)})
		o, so := newOrg(t, svc, "acme", "sales", "ann"), newOrg(t, one, "acme", "sales", "ann")
		bob, sbob := o.addUser(t, svc, "bob", o.dept.ID), so.addUser(t, one, "bob", so.dept.ID)

		customers := func(owner uint64) []core.NewCustomer {
			var in []core.NewCustomer
			for i := range 700 { // more than one INSERT's rows
				cu := core.NewCustomer{Name: fmt.Sprintf("customer %d", i), OwnerID: owner, IndustryID: uint64(1 + i%3),
					CreatedAt: now.Add(-time.Duration(i) * time.Hour)}
				if i%10 == 0 {
					cu.LostAt = cu.CreatedAt.Add(time.Minute)
				}
				in = append(in, cu)
			}
			return in
		}
		batched, err := svc.CreateCustomers(ctx, o.caller, customers(bob.UserID))
		must(t, err)
		var singles []core.Customer
		for _, in := range customers(sbob.UserID) {
			cu, err := one.CreateCustomer(ctx, so.caller, in)
			must(t, err)
			singles = append(singles, cu)
		}
		contracts := func(cus []core.Customer) []core.NewContract {
			var in []core.NewContract
			for i, cu := range cus {
				d := date(t, "2015-09-01").AddDays(i % 60)
				in = append(in, core.NewContract{SN: fmt.Sprintf("K%04d", i), Title: "contract", CustomerID: cu.ID,
					TotalAmount: core.MoneyFromCents(int64(1000 + i)), SignDate: d, StartDate: d, EndDate: d.AddDays(30)})
			}
			return in
		}
		ks, err := svc.CreateContracts(ctx, bob, contracts(batched))
		must(t, err)
		var sks []core.Contract
		for _, in := range contracts(singles) {
			k, err := one.CreateContract(ctx, sbob, in)
			must(t, err)
			sks = append(sks, k)
		}
		payments := func(ks []core.Contract) []core.NewPayment {
			var in []core.NewPayment
			for i, k := range ks {
				in = append(in, core.NewPayment{ContractID: k.ID, Direction: []string{core.PaymentIn, core.PaymentOut}[i%2],
					Amount: core.MoneyFromCents(int64(100 + i)), PaidOn: k.SignDate.AddDays(i % 40)})
			}
			return in
		}
		_, err = svc.AddPayments(ctx, o.caller, payments(ks))
		must(t, err)
		for _, in := range payments(sks) {
			_, err := one.AddPayment(ctx, so.caller, in)
			must(t, err)
		}
		follows := func(cus []core.Customer) []core.NewContactHistory {
			var in []core.NewContactHistory
			for i, cu := range cus {
				in = append(in, core.NewContactHistory{CustomerID: cu.ID, Title: "call", ContactedAt: now.Add(-time.Duration(i) * 37 * time.Minute)})
			}
			return in
		}
		_, err = svc.AddContactHistories(ctx, bob, follows(batched))
		must(t, err)
		for _, in := range follows(singles) {
			_, err := one.AddContactHistory(ctx, sbob, in)
			must(t, err)
		}

		ids := regexp.MustCompile(`"(\w*ID)": [1-9]\d*`)
		for table, rows := range map[string]func() any{
			"customers": func() any { return &[]core.Customer{} }, "contracts": func() any { return &[]core.Contract{} },
			"payments": func() any { return &[]core.Payment{} }, "contact_histories": func() any { return &[]core.ContactHistory{} },
			"month_counters": func() any { return &[]core.MonthCounter{} }, "user_days": func() any { return &[]core.UserDay{} },
			"user_months":  func() any { return &[]core.UserMonth{} },
			"user_figures": func() any { return &[]core.UserFigure{} },
		} {
			order := map[string]string{"month_counters": "month, owner_id, department_id", "user_days": "user_id, day", "user_months": "user_id, month",
				"user_figures": "user_id"}[table]
			if order == "" {
				order = "id"
			}
			got, want := rows(), rows()
			must(t, db.Order(order).Find(got).Error)
			must(t, single.Order(order).Find(want).Error)
			g, w := jsonOf(t, got), jsonOf(t, want)
			if db.Dialector.Name() == core.DriverMySQL {
				g, w = ids.ReplaceAllString(g, `"$1": <id>`), ids.ReplaceAllString(w, `"$1": <id>`)
			}
			if g != w {
				t.Errorf("%s written in batches:\n%.3000s\none by one:\n%.3000s", table, g, w)
			}
		}
		kept := userFigures(t, db) + fmt.Sprint(counters(t, db))
		must(t, core.RecountFigures(db))
		if recounted := userFigures(t, db) + fmt.Sprint(counters(t, db)); kept != recounted {
			t.Errorf("figures of the batches:\n%s\nrecounted:\n%s", kept, recounted)
		}
	})
}

// A batch with one bad input writes nothing and names the input.
func TestABatchWithABadInputWritesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cus, err := svc.CreateCustomers(ctx, o.caller, []core.NewCustomer{{Name: "a"}, {Name: "b"}})
		must(t, err)
		d := date(t, "2015-10-01")
		k := func(sn string, customer uint64) core.NewContract {
			return core.NewContract{SN: sn, Title: "k", CustomerID: customer, TotalAmount: money(t, "1"), SignDate: d, StartDate: d, EndDate: d}
		}
		for _, c := range []struct {
			name  string
			write func() error
			code  string
			index int
		}{
			{"a customer without a name", func() error {
				_, err := svc.CreateCustomers(ctx, o.caller, []core.NewCustomer{{Name: "c"}, {}})
				return err
			}, core.EINVALID, 2},
			{"a customer of no user", func() error {
				_, err := svc.CreateCustomers(ctx, o.caller, []core.NewCustomer{{Name: "c", OwnerID: 999}})
				return err
			}, core.ENOTFOUND, 0},
			{"a contract of no customer", func() error {
				_, err := svc.CreateContracts(ctx, o.caller, []core.NewContract{k("K1", cus[0].ID), k("K2", 999)})
				return err
			}, core.ENOTFOUND, 0},
			{"two contracts of one sn", func() error {
				_, err := svc.CreateContracts(ctx, o.caller, []core.NewContract{k("K1", cus[0].ID), k("K1", cus[1].ID)})
				return err
			}, core.ECONFLICT, 2},
			{"a contract numbered", func() error {
				_, err := svc.CreateContracts(ctx, o.caller, []core.NewContract{k("", cus[0].ID)})
				return err
			}, core.EINVALID, 1},
			{"a payment of no contract", func() error {
				_, err := svc.AddPayments(ctx, o.caller, []core.NewPayment{{ContractID: 999, Direction: core.PaymentIn, Amount: money(t, "1")}})
				return err
			}, core.ENOTFOUND, 1},
			{"a payment of nothing", func() error {
				_, err := svc.AddPayments(ctx, o.caller, []core.NewPayment{{ContractID: 1, Direction: core.PaymentIn}})
				return err
			}, core.EINVALID, 1},
			{"a follow-up of no customer", func() error {
				_, err := svc.AddContactHistories(ctx, o.caller, []core.NewContactHistory{{CustomerID: cus[0].ID}, {CustomerID: 999}})
				return err
			}, core.ENOTFOUND, 0},
		} {
			err := c.write()
			var e *core.Error
			if !errors.As(err, &e) || e.Code != c.code || e.Index != c.index {
				t.Errorf("%s: %v, want %s at %d", c.name, err, c.code, c.index)
			}
		}
		for table, want := range map[string]int64{"customers": 2, "contracts": 0, "payments": 0, "contact_histories": 0, "month_counters": 0} {
			if n := rows(t, db, table); n != want {
				t.Errorf("%s: %d rows, want %d", table, n, want)
			}
		}
	})
}

// A bulk load of an empty store runs without the non-unique indexes of the
// tables it fills and leaves every index as Migrate makes it, also when the
// load fails; a store with customers is loaded with its indexes.
func TestBulkLoadBuildsTheIndexesAfter(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		indexes := func() string {
			var names []string
			for _, model := range []any{&core.Customer{}, &core.ContactHistory{}, &core.Contract{}, &core.Payment{}, &core.Opportunity{}} {
				ixs, err := db.Migrator().GetIndexes(model)
				must(t, err)
				for _, ix := range ixs {
					unique, _ := ix.Unique()
					names = append(names, fmt.Sprintf("%s unique=%v %v", ix.Name(), unique, ix.Columns()))
				}
			}
			slices.Sort(names)
			return strings.Join(names, "\n")
		}
		migrated := indexes()
		o := newOrg(t, svc, "acme", "sales", "ann")
		failed := errors.New("load failed")
		var during string
		err := svc.BulkLoad(ctx, func() error {
			during = indexes()
			if _, err := svc.CreateCustomers(ctx, o.caller, []core.NewCustomer{{Name: "a"}, {Name: "b"}}); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("BulkLoad = %v, want the load's error", err)
		}
		if strings.Contains(during, "unique=false") || !strings.Contains(during, "unique=true") {
			t.Errorf("indexes during the load:\n%s\nwant the unique ones only", during)
		}
		if got := indexes(); got != migrated {
			t.Errorf("indexes after the load:\n%s\nwant:\n%s", got, migrated)
		}
		must(t, svc.BulkLoad(ctx, func() error {
			during = indexes()
			return nil
		}))
		if during != migrated {
			t.Errorf("indexes while loading a store with customers:\n%s\nwant them all:\n%s", during, migrated)
		}
	})
}
