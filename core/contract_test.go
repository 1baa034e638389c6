package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

func ptr[T any](v T) *T { return &v }

func newContract(t *testing.T, customer uint64) core.NewContract {
	return core.NewContract{Title: "t", CustomerID: customer, StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02")}
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

// Contracts without an sn are numbered by the tenant's rule, skipping numbers
// taken by hand, and no two concurrent creations draw the same number.
func TestContractNumbering(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
		must(t, err)
		byHand := newContract(t, cu.ID)
		byHand.SN = "HT000002"
		_, err = svc.CreateContract(ctx, o.caller, byHand)
		must(t, err)
		first, err := svc.CreateContract(ctx, o.caller, newContract(t, cu.ID))
		must(t, err)
		second, err := svc.CreateContract(ctx, o.caller, newContract(t, cu.ID))
		must(t, err)
		if first.SN != "HT000001" || second.SN != "HT000003" {
			t.Fatalf("numbers %q, %q; want HT000001, HT000003 (HT000002 was taken)", first.SN, second.SN)
		}
		must(t, db.Model(&core.Tenant{}).Where("id = ?", o.caller.TenantID).Update("contract_prefix", "QY-").Error)

		const writers = 20
		var wg sync.WaitGroup
		sns := make(chan string, writers)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := svc.CreateContract(ctx, o.caller, newContract(t, cu.ID))
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				sns <- k.SN
			}()
		}
		wg.Wait()
		close(sns)
		seen := map[string]bool{}
		for sn := range sns {
			seen[sn] = true
		}
		for i := 4; i < 4+writers; i++ {
			if sn := fmt.Sprintf("QY-%06d", i); !seen[sn] {
				t.Errorf("no contract numbered %s among %v", sn, seen)
			}
		}
	})
}

// Racing creations with one sn: one wins, the others get a conflict.
func TestDuplicateSNUnderRaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
		must(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := newContract(t, cu.ID)
				in.SN = "SAME"
				_, err := svc.CreateContract(ctx, o.caller, in)
				mu.Lock()
				codes[core.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[""] != 1 || codes[core.ECONFLICT] != 7 {
			t.Fatalf("outcomes %v, want one success and 7 conflicts", codes)
		}
	})
}

func TestContractApprovalFollowsTheTenantSetting(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
		must(t, err)
		k, err := svc.CreateContract(ctx, o.caller, newContract(t, cu.ID))
		must(t, err)
		if k.ApproveStatus != core.ApprovalApproved {
			t.Errorf("without approval: %q, want approved", k.ApproveStatus)
		}
		must(t, db.Model(&core.Tenant{}).Where("id = ?", o.caller.TenantID).Update("contract_approval", true).Error)
		k, err = svc.CreateContract(ctx, o.caller, newContract(t, cu.ID))
		must(t, err)
		if k.ApproveStatus != core.ApprovalApplying {
			t.Errorf("with approval: %q, want applying", k.ApproveStatus)
		}
	})
}

// An update edits, adds and removes lines; the detail shows the result; delete takes everything with it.
func TestUpdateAndDeleteContract(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		b := newOrg(t, svc, "other", "sales", "bob")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
		must(t, err)
		in := newContract(t, cu.ID)
		in.TotalAmount = money(t, "100")
		in.CustomFields = map[string]any{"self_x": "1"}
		in.NotifyUserIDs = []uint64{o.caller.UserID}
		in.Lines = []core.NewContractLine{{ProductName: "a", Quantity: 1, UnitPrice: money(t, "10")}, {ProductName: "b", Quantity: 2, UnitPrice: money(t, "20")}}
		k, err := svc.CreateContract(ctx, o.caller, in)
		must(t, err)
		pay(t, svc, o.caller, k, core.PaymentIn, "30", "2015-10-01")

		d, err := svc.GetContract(ctx, o.caller, k.ID)
		must(t, err)
		if d.Received.String() != "30" || d.Unreceived.String() != "70" || len(d.Lines) != 2 || len(d.NotifyUsers) != 1 {
			t.Fatalf("detail: received %s unreceived %s, %d lines, %d notified", d.Received, d.Unreceived, len(d.Lines), len(d.NotifyUsers))
		}
		edit := core.ContractChange{Title: ptr("renamed"), NotifyUserIDs: ptr([]uint64{}), Lines: []core.LineChange{
			{ID: k.Lines[0].ID, Remove: true},
			{ID: k.Lines[1].ID, Quantity: ptr(int64(5))},
			{ProductName: ptr("c"), Quantity: ptr(int64(3)), UnitPrice: ptr(money(t, "1"))},
		}}
		_, err = svc.UpdateContract(ctx, b.caller, k.ID, edit)
		if core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("another tenant's update: %v, want not found", err)
		}
		_, err = svc.UpdateContract(ctx, o.caller, k.ID, edit)
		must(t, err)
		d, err = svc.GetContract(ctx, o.caller, k.ID)
		must(t, err)
		var got []string
		for _, l := range d.Lines {
			got = append(got, fmt.Sprintf("%s×%d=%s", l.ProductName, l.Quantity, l.TotalPrice))
		}
		if d.Title != "renamed" || fmt.Sprint(got) != "[b×5=100 c×3=3]" || len(d.NotifyUsers) != 0 || d.CustomFields != `{"self_x":"1"}` {
			t.Fatalf("after update: %q %v notify %v custom %s", d.Title, got, d.NotifyUsers, d.CustomFields)
		}
		lineOfNoContract := core.ContractChange{Lines: []core.LineChange{{ID: 9999, ProductName: ptr("x")}}}
		if _, err = svc.UpdateContract(ctx, o.caller, k.ID, lineOfNoContract); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("a line of no contract: %v, want not found", err)
		}
		if err := svc.DeleteContract(ctx, b.caller, k.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("another tenant's delete: %v, want not found", err)
		}
		must(t, svc.DeleteContract(ctx, o.caller, k.ID))
		for _, m := range []any{&core.Contract{}, &core.ContractLine{}, &core.Payment{}, &core.ContractNotifyUser{}} {
			if n := count(t, db, m); n != 0 {
				t.Errorf("%T: %d rows left after delete", m, n)
			}
		}
		if _, err := svc.GetContract(ctx, o.caller, k.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("get after delete: %v", err)
		}
	})
}

// A contract handed to another owner takes its payments to the new owner's month.
func TestOwnerChangeMovesMonthBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		bob, err := svc.EnsureUser(ctx, o.caller.TenantID, "bob", o.caller.DepartmentID)
		must(t, err)
		bobCaller := o.caller
		bobCaller.UserID = bob.ID
		k := contract(t, svc, o.caller, "K1", "100", "2015-10-01")
		pay(t, svc, o.caller, k, core.PaymentIn, "40", "2015-10-02")
		month := svc.CurrentMonth(o.caller)
		back := func(c core.Caller) string {
			f, err := svc.MonthFigures(ctx, c, month)
			must(t, err)
			if f.Back == nil {
				return "none"
			}
			return f.Back.String()
		}
		if a, b := back(o.caller), back(bobCaller); a != "40" || b != "none" {
			t.Fatalf("before: ann %s, bob %s", a, b)
		}
		_, err = svc.UpdateContract(ctx, o.caller, k.ID, core.ContractChange{OwnerID: &bob.ID})
		must(t, err)
		if a, b := back(o.caller), back(bobCaller); a != "none" || b != "40" {
			t.Fatalf("after handing the contract to bob: ann %s, bob %s", a, b)
		}
	})
}

// Migrate gives payments recorded before they carried an owner their contract's owner.
func TestMigrateBackfillsPaymentOwners(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "100", "2015-10-01")
		pay(t, svc, o.caller, k, core.PaymentIn, "40", "2015-10-02")
		must(t, db.Model(&core.Payment{}).Where("contract_id = ?", k.ID).Update("owner_id", 0).Error)
		must(t, core.Migrate(db))
		var p core.Payment
		must(t, db.Where("contract_id = ?", k.ID).Take(&p).Error)
		if p.OwnerID != o.caller.UserID {
			t.Fatalf("owner after migrate: %d, want %d", p.OwnerID, o.caller.UserID)
		}
	})
}
