package core_test

import (
	"context"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// Of two concurrent executions of one plan, exactly one records the contact.
func TestExecuteContactPlanOnceUnderRaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
		must(t, err)
		const plans = 10
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < plans; i++ {
			p, err := svc.AddContactPlan(ctx, o.caller, core.NewContactPlan{CustomerID: cu.ID, Title: "p", PlannedAt: now})
			must(t, err)
			for j := 0; j < 2; j++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := svc.ExecuteContactPlan(ctx, o.caller, p.ID, core.NewContactHistory{CustomerID: cu.ID, Title: "done"}, now.AddDate(0, 1, 0))
					mu.Lock()
					defer mu.Unlock()
					switch core.ErrorCode(err) {
					case "":
						wins++
					case core.ECONFLICT:
						conflicts++
					default:
						t.Errorf("execute: %v", err)
					}
				}()
			}
		}
		wg.Wait()
		if histories := count(t, db, &core.ContactHistory{}); wins != plans || conflicts != plans || histories != plans {
			t.Fatalf("%d wins, %d conflicts, %d histories; want %d each", wins, conflicts, histories, plans)
		}
	})
}

// Concurrent Ensure* calls for one name all get the same row.
func TestEnsureIsSafeUnderRaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		tn, err := svc.EnsureTenant(ctx, "acme")
		must(t, err)
		var wg sync.WaitGroup
		ids := make(chan uint64, 16)
		for i := 0; i < 8; i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				d, err := svc.EnsureDepartment(ctx, tn.ID, "sales")
				if err != nil {
					t.Errorf("EnsureDepartment: %v", err)
				}
				ids <- d.ID
			}()
			go func() {
				defer wg.Done()
				if _, err := svc.EnsureUser(ctx, tn.ID, "ann", 0); err != nil {
					t.Errorf("EnsureUser: %v", err)
				}
			}()
		}
		wg.Wait()
		close(ids)
		first := <-ids
		for id := range ids {
			if id != first {
				t.Fatalf("departments %d and %d for one name", first, id)
			}
		}
		if n, u := count(t, db, &core.Department{}), count(t, db, &core.User{}); n != 1 || u != 1 {
			t.Fatalf("%d departments, %d users; want 1 each", n, u)
		}
	})
}

func TestBoundsAreInvalidNotInternal(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "1", "2015-10-01")
		many := make([]uint64, core.MaxIDs+1)
		for i := range many {
			many[i] = uint64(i + 1)
		}
		oct := core.Month{Year: 2015, Month: 10}
		for name, err := range map[string]error{
			"a line price with fractions of a cent": func() error {
				_, err := svc.CreateContract(ctx, o.caller, core.NewContract{Title: "t", SN: "K2", CustomerID: k.CustomerID,
					StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02"),
					Lines: []core.NewContractLine{{Quantity: 1, UnitPrice: core.Money{Decimal: money(t, "1").Div(money(t, "3").Decimal)}}}})
				return err
			}(),
			"a line total beyond storage": func() error {
				_, err := svc.CreateContract(ctx, o.caller, core.NewContract{Title: "t", SN: "K3", CustomerID: k.CustomerID,
					StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02"),
					Lines: []core.NewContractLine{{Quantity: 1 << 40, UnitPrice: money(t, "999999")}}})
				return err
			}(),
			"a huge page": func() error {
				_, err := svc.ContractFigures(ctx, o.caller, core.ContractQuery{Month: oct, Scope: core.ScopeCompany, Page: 1 << 62, Size: 20})
				return err
			}(),
			"a huge list page": func() error {
				_, err := svc.ListContracts(ctx, o.caller, core.ContractListQuery{Sort: "created_at", Page: 1 << 62, PerPage: 20})
				return err
			}(),
			"too many ids to the public pool": svc.MoveToPublicPool(ctx, o.caller, many),
			"too many users to count": func() error {
				_, err := svc.ContractFigures(ctx, o.caller, core.ContractQuery{Month: oct, Scope: core.ScopeUsers, IDs: many, Size: 20})
				return err
			}(),
		} {
			if core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if n := count(t, db, &core.Contract{}); n != 1 {
			t.Errorf("rejected contracts wrote rows: %d", n)
		}
	})
}
