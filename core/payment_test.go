package core_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// Plans made at once on one contract are numbered 1…n, none twice.
func TestPaymentPlanStagesUnderRaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "1000", "2015-10-01")
		const n = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		var stages []int
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := svc.AddPaymentPlan(context.Background(), o.caller, core.NewPaymentPlan{ContractID: k.ID,
					Amount: money(t, "1"), DueOn: date(t, "2015-12-01")})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("plan: %v", err)
					return
				}
				stages = append(stages, p.Stage)
			}()
		}
		wg.Wait()
		sort.Ints(stages)
		for i, s := range stages {
			if s != i+1 {
				t.Fatalf("stages %v, want 1…%d", stages, n)
			}
		}
	})
}

// A plan is undone until its day passes (overdue), done once payments that
// name it reach its amount: summed exactly, however many.
func TestPaymentPlanStatus(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "1000", "2015-10-01")
		plan, err := svc.AddPaymentPlan(ctx, o.caller, core.NewPaymentPlan{ContractID: k.ID, Amount: money(t, "3"), DueOn: date(t, "2015-10-15")})
		must(t, err)
		state := func(svc *core.Service, want, received string) {
			t.Helper()
			p, err := svc.GetPaymentPlan(ctx, o.caller, plan.ID)
			must(t, err)
			if p.Status != want || p.Received.String() != received {
				t.Fatalf("plan is %s with %s received, want %s with %s", p.Status, p.Received, want, received)
			}
		}
		state(svc, core.PlanUndone, "0") // due today, in the tenant's zone
		late := core.NewService(db, core.Options{Clock: core.FixedClock(now.Add(24 * time.Hour))})
		state(late, core.PlanOverdue, "0")
		for range 29 {
			_, err := svc.AddPayment(ctx, o.caller, core.NewPayment{ContractID: k.ID, Direction: core.PaymentIn, Amount: money(t, "0.10"), PlanID: plan.ID})
			must(t, err)
		}
		pay(t, svc, o.caller, k, core.PaymentIn, "500", "2015-10-02") // names no plan: not the plan's
		state(late, core.PlanOverdue, "2.9")
		_, err = svc.AddPayment(ctx, o.caller, core.NewPayment{ContractID: k.ID, Direction: core.PaymentIn, Amount: money(t, "0.10"), PlanID: plan.ID})
		must(t, err)
		state(late, core.PlanDone, "3")
		if p, _ := svc.GetPaymentPlan(ctx, o.caller, plan.ID); !p.Unreceived().IsZero() {
			t.Errorf("a plan paid up still expects %s", p.Unreceived())
		}
	})
}

// A payment names a plan of its own contract only, and only a payment in does.
func TestPaymentPlanReferences(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		k1 := contract(t, svc, o.caller, "K1", "1000", "2015-10-01")
		k2 := contract(t, svc, o.caller, "K2", "1000", "2015-10-01")
		plan, err := svc.AddPaymentPlan(ctx, o.caller, core.NewPaymentPlan{ContractID: k1.ID, Amount: money(t, "3"), DueOn: date(t, "2015-10-15")})
		must(t, err)
		for _, c := range []struct {
			name string
			in   core.NewPayment
			code string
		}{
			{"another contract's plan", core.NewPayment{ContractID: k2.ID, Direction: core.PaymentIn, Amount: money(t, "1"), PlanID: plan.ID}, core.ENOTFOUND},
			{"a payment out", core.NewPayment{ContractID: k1.ID, Direction: core.PaymentOut, Amount: money(t, "1"), PlanID: plan.ID}, core.EINVALID},
			{"an unknown payment type", core.NewPayment{ContractID: k1.ID, Direction: core.PaymentIn, Amount: money(t, "1"), PaymentTypeID: 99}, core.ENOTFOUND},
		} {
			if _, err := svc.AddPayment(ctx, o.caller, c.in); core.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		if n := count(t, db, &core.Payment{}); n != 0 {
			t.Errorf("%d payments written", n)
		}
	})
}
