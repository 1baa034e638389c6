package core_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// The month counters are kept by each write that changes them: after writers
// racing to create, change and delete contracts and add payments, across
// owners, departments and months, every counter equals a recount from the
// contracts and payments, and the month figures read what the rows add up to.
func TestMonthCountersEqualARecountUnderConcurrentWriters(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "north", "ann")
		south, err := svc.EnsureDepartment(ctx, o.tenant.ID, "south")
		must(t, err)
		callers := []core.Caller{o.caller, o.addUser(t, svc, "bob", south.ID), o.addUser(t, svc, "cat", south.ID)}
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "customer"})
		must(t, err)
		days := []string{"2015-08-31", "2015-09-01", "2015-09-30", "2015-10-01", "2015-10-15"}

		var mu sync.Mutex
		var ids []uint64
		done := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(g), 17))
				day := func() core.Date { return date(t, days[r.IntN(len(days))]) }
				amount := func() core.Money { return core.MoneyFromCents(r.Int64N(1e9) + 1) }
				pick := func() uint64 {
					mu.Lock()
					defer mu.Unlock()
					if len(ids) == 0 {
						return 0
					}
					return ids[r.IntN(len(ids))]
				}
				for i := range 30 {
					c := callers[r.IntN(len(callers))]
					op, id := "create", pick()
					if id != 0 {
						op = []string{"create", "update", "pay", "pay", "delete"}[r.IntN(5)]
					}
					var err error
					switch op {
					case "create":
						var k core.Contract
						d := day()
						k, err = svc.CreateContract(ctx, c, core.NewContract{Title: fmt.Sprintf("k %d-%d", g, i), CustomerID: cu.ID,
							TotalAmount: amount(), SignDate: d, StartDate: d, EndDate: d.AddDays(30)})
						if err == nil {
							mu.Lock()
							ids = append(ids, k.ID)
							mu.Unlock()
						}
					case "update":
						owner := callers[r.IntN(len(callers))]
						change := core.ContractChange{OwnerID: &owner.UserID, DepartmentID: &owner.DepartmentID}
						if r.IntN(2) == 0 {
							a, d := amount(), day()
							end := d.AddDays(30)
							change.TotalAmount, change.SignDate, change.StartDate, change.EndDate = &a, &d, &d, &end
						}
						_, err = svc.UpdateContract(ctx, c, id, change)
					case "pay":
						_, err = svc.AddPayment(ctx, c, core.NewPayment{ContractID: id, Direction: []string{core.PaymentIn, core.PaymentOut}[r.IntN(2)],
							Amount: amount(), PaidOn: day()})
					case "delete":
						err = svc.DeleteContract(ctx, c, id)
					}
					var ce *core.Error
					if errors.As(err, &ce) && ce.Code == core.ENOTFOUND {
						continue // deleted meanwhile
					}
					if err != nil {
						errs <- fmt.Errorf("%s contract %d: %w", op, id, err)
						return
					}
					mu.Lock()
					done[op]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, op := range []string{"create", "update", "pay", "delete"} {
			if done[op] == 0 {
				t.Fatalf("no %s succeeded (%v): the race tested nothing", op, done)
			}
		}

		kept := counters(t, db)
		must(t, core.RecountFigures(db))
		recounted := counters(t, db)
		if fmt.Sprint(kept) != fmt.Sprint(recounted) {
			t.Fatalf("counters kept by the writes:\n%v\nrecounted:\n%v", kept, recounted)
		}
		if len(recounted) < 4 {
			t.Fatalf("only %d counters: the writes spread over too few months and owners", len(recounted))
		}

		// The figures read the counters: each user's month as the rows add it up.
		for _, c := range callers {
			for _, m := range []core.Month{{Year: 2015, Month: 8}, {Year: 2015, Month: 9}, {Year: 2015, Month: 10}} {
				f, err := svc.MonthFigures(ctx, c, m)
				must(t, err)
				var deal, back []int64
				from, to := m.FirstDay().String(), m.Next().FirstDay().String()
				must(t, db.Model(&core.Contract{}).Where("owner_id = ? AND sign_date >= ? AND sign_date < ?", c.UserID, from, to).
					Pluck("total_amount", &deal).Error)
				must(t, db.Model(&core.Payment{}).Where("owner_id = ? AND direction = ? AND paid_on >= ? AND paid_on < ?", c.UserID, core.PaymentIn, from, to).
					Pluck("amount", &back).Error)
				if got, want := figure(f.Deal), total(deal); got != want {
					t.Errorf("user %d %s deal = %s, rows add up to %s", c.UserID, m, got, want)
				}
				if got, want := figure(f.Back), total(back); got != want {
					t.Errorf("user %d %s back = %s, rows add up to %s", c.UserID, m, got, want)
				}
			}
		}
	})
}

// counters lists the store's month counters that count anything, as values.
func counters(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var rows []core.MonthCounter
	must(t, db.Order("tenant_id, month, owner_id, department_id").Find(&rows).Error)
	var out []string
	for _, r := range rows {
		if r.Deals == 0 && r.DealHi == 0 && r.DealLo == 0 && r.Backs == 0 && r.BackHi == 0 && r.BackLo == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%d %s owner %d department %d: %d deals of %d, %d backs of %d", r.TenantID, r.Month, r.OwnerID,
			r.DepartmentID, r.Deals, r.DealHi*1e6+r.DealLo, r.Backs, r.BackHi*1e6+r.BackLo))
	}
	return out
}

func figure(m *core.Money) string {
	if m == nil {
		return "none"
	}
	return m.StringFixed(2)
}

func total(cents []int64) string {
	if len(cents) == 0 {
		return "none"
	}
	var n int64
	for _, c := range cents {
		n += c
	}
	return core.MoneyFromCents(n).StringFixed(2)
}

// A store whose contracts were written before the month counters were kept
// gets them counted when it is migrated, and only then.
func TestMigrateCountsTheMonthsOfAStoreWithoutCounters(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "100", "2015-10-01")
		pay(t, svc, o.caller, k, core.PaymentIn, "40", "2015-10-02")
		want := counters(t, db)
		must(t, db.Where("1 = 1").Delete(&core.MonthCounter{}).Error)
		must(t, core.Migrate(db))
		if got := counters(t, db); fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 1 {
			t.Fatalf("counters after the upgrade = %v, want %v", got, want)
		}
		f, err := svc.MonthFigures(context.Background(), o.caller, core.Month{Year: 2015, Month: 10})
		must(t, err)
		if figure(f.Deal) != "100.00" || figure(f.Back) != "40.00" {
			t.Fatalf("month figures = deal %s, back %s; want 100.00 and 40.00", figure(f.Deal), figure(f.Back))
		}
	})
}
