package core_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// A record created with an id keeps it and its timestamps, a second one of
// that id in the tenant is ECONFLICT naming the record, and a new record's id
// is not one that was kept.
func TestCreateKeepsAGivenID(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "zhang")
		c := o.caller
		created := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
		updated := created.Add(48 * time.Hour)
		d, err := svc.AddDepartment(ctx, o.tenant.ID, 7001, "imported")
		must(t, err)
		u, err := svc.AddUser(ctx, o.tenant.ID, core.NewUser{ID: 7002, Name: "li", DepartmentID: d.ID, CreatedAt: created})
		must(t, err)
		cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{ID: 3166436, Name: "kept", OwnerID: u.ID, CreatedAt: created, UpdatedAt: updated})
		must(t, err)
		ct, err := svc.CreateContact(ctx, c, core.NewContact{ID: 7003, CustomerID: cu.ID, Name: "wang", CreatedAt: created})
		must(t, err)
		h, err := svc.AddContactHistory(ctx, c, core.NewContactHistory{ID: 7004, CustomerID: cu.ID, ContactID: ct.ID, ContactedAt: created})
		must(t, err)
		p, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{ID: 7005, CustomerID: cu.ID, HistoryID: h.ID, Title: "call", PlannedAt: updated})
		must(t, err)
		op, err := svc.CreateOpportunity(ctx, c, core.NewOpportunity{ID: 7006, CustomerID: cu.ID, Title: "deal", CreatedAt: created,
			Lines: []core.NewContractLine{{ID: 7007, ProductName: "p", Quantity: 1, UnitPrice: money(t, "10")}}})
		must(t, err)
		k, err := svc.CreateContract(ctx, c, core.NewContract{ID: 7008, Title: "k", CustomerID: cu.ID, TotalAmount: money(t, "100"),
			SignDate: date(t, "2019-05-06"), StartDate: date(t, "2019-05-06"), EndDate: date(t, "2020-05-05"), CreatedAt: created, UpdatedAt: updated,
			Lines: []core.NewContractLine{{ID: 7009, ProductName: "p", Quantity: 2, UnitPrice: money(t, "50")}}})
		must(t, err)
		plan, err := svc.AddPaymentPlan(ctx, c, core.NewPaymentPlan{ID: 7010, ContractID: k.ID, Amount: money(t, "100"), DueOn: date(t, "2019-06-01"), CreatedAt: created})
		must(t, err)
		pay, err := svc.AddPayment(ctx, c, core.NewPayment{ID: 7011, ContractID: k.ID, Direction: core.PaymentIn, Amount: money(t, "100"),
			PaidOn: date(t, "2019-06-01"), PlanID: plan.ID, CreatedAt: created})
		must(t, err)
		for what, ids := range map[string][2]uint64{"department": {d.ID, 7001}, "user": {u.ID, 7002}, "customer": {cu.ID, 3166436},
			"contact": {ct.ID, 7003}, "follow-up": {h.ID, 7004}, "plan": {p.ID, 7005}, "opportunity": {op.ID, 7006},
			"contract": {k.ID, 7008}, "payment plan": {plan.ID, 7010}, "payment": {pay.ID, 7011}} {
			if ids[0] != ids[1] {
				t.Errorf("%s: id %d, want %d kept", what, ids[0], ids[1])
			}
		}
		got, err := svc.GetContract(ctx, c, 7008)
		must(t, err)
		if !got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(updated) || len(got.Lines) != 1 || got.Lines[0].ID != 7009 {
			t.Errorf("contract 7008: created %v updated %v lines %+v", got.CreatedAt, got.UpdatedAt, got.Lines)
		}
		gc, err := svc.GetCustomer(ctx, c, 3166436)
		must(t, err)
		if !gc.CreatedAt.Equal(created) || !gc.UpdatedAt.Equal(updated) || gc.OwnerID != 7002 {
			t.Errorf("customer 3166436: created %v updated %v owner %d", gc.CreatedAt, gc.UpdatedAt, gc.OwnerID)
		}

		// The same ids again: each refused as a conflict naming its record.
		conflicts := map[string]error{}
		_, conflicts["department"] = svc.AddDepartment(ctx, o.tenant.ID, 7001, "other")
		_, conflicts["user"] = svc.AddUser(ctx, o.tenant.ID, core.NewUser{ID: 7002, Name: "other"})
		_, conflicts["customer"] = svc.CreateCustomer(ctx, c, core.NewCustomer{ID: 3166436, Name: "other"})
		_, conflicts["contact"] = svc.CreateContact(ctx, c, core.NewContact{ID: 7003, CustomerID: cu.ID, Name: "other"})
		_, conflicts["contact history"] = svc.AddContactHistory(ctx, c, core.NewContactHistory{ID: 7004, CustomerID: cu.ID})
		_, conflicts["contact plan"] = svc.AddContactPlan(ctx, c, core.NewContactPlan{ID: 7005, CustomerID: cu.ID, Title: "x", PlannedAt: updated})
		_, conflicts["opportunity"] = svc.CreateOpportunity(ctx, c, core.NewOpportunity{ID: 7006, CustomerID: cu.ID, Title: "x"})
		_, conflicts["contract line"] = svc.CreateContract(ctx, c, core.NewContract{ID: 7100, Title: "x", CustomerID: cu.ID, TotalAmount: money(t, "1"),
			SignDate: date(t, "2019-05-06"), StartDate: date(t, "2019-05-06"), EndDate: date(t, "2019-05-06"),
			Lines: []core.NewContractLine{{ID: 7009, ProductName: "p", Quantity: 1, UnitPrice: money(t, "1")}}})
		_, conflicts["payment plan"] = svc.AddPaymentPlan(ctx, c, core.NewPaymentPlan{ID: 7010, ContractID: k.ID, Amount: money(t, "1"), DueOn: date(t, "2019-07-01")})
		_, conflicts["payment"] = svc.AddPayment(ctx, c, core.NewPayment{ID: 7011, ContractID: k.ID, Direction: core.PaymentIn, Amount: money(t, "1")})
		for entity, err := range conflicts {
			if e := core.AsError(err); e.Code != core.ECONFLICT || e.Entity != entity {
				t.Errorf("%s again: %v (entity %q), want a conflict naming it", entity, err, e.Entity)
			}
		}
		if n := count(t, db, &core.Contract{}); n != 1 {
			t.Errorf("%d contracts after the refused one, want 1", n)
		}

		fresh, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "new"})
		must(t, err)
		if fresh.ID == 0 || fresh.ID == 3166436 || fresh.ID == 7002 {
			t.Errorf("a new customer got id %d", fresh.ID)
		}
		held, err := svc.HeldIDs(ctx, o.tenant.ID, core.KindCustomer, []uint64{3166436, 3166437, fresh.ID, 7008})
		must(t, err)
		if len(held) != 2 || !held[3166436] || !held[fresh.ID] {
			t.Errorf("held customers %v, want 3166436 and %d", held, fresh.ID)
		}
		other := newOrg(t, svc, "other", "sales", "zhao")
		if held, err := svc.HeldIDs(ctx, other.tenant.ID, core.KindCustomer, []uint64{3166436}); err != nil || len(held) != 0 {
			t.Errorf("another tenant holds %v, %v; want none", held, err)
		}
	})
}

// The keyed writes an import makes tell whether they changed anything, so
// that a second run of the same file counts nothing written.
func TestKeyedWritesTellWhetherTheyChanged(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "zhang")
		c := o.caller
		e := core.DictEntry{Kind: core.DictCustomerStatus, Code: 3166436, Name: "重点跟进", Sort: 9, Enabled: true}
		for i, want := range []bool{true, false} {
			_, changed, err := svc.PutDictEntry(ctx, c, e)
			must(t, err)
			if changed != want {
				t.Errorf("dictionary entry, put %d: changed %v, want %v", i+1, changed, want)
			}
		}
		e.Name = "改名"
		if _, changed, err := svc.PutDictEntry(ctx, c, e); err != nil || !changed {
			t.Errorf("renamed entry: changed %v, %v; want changed", changed, err)
		}
		if _, _, err := svc.PutDictEntry(ctx, c, core.DictEntry{Kind: "colour", Code: 1, Name: "red"}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("an entry of no dictionary: %v, want invalid", err)
		}
		cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "tagged"})
		must(t, err)
		for i, want := range []bool{true, false} {
			added, err := svc.AddCustomerTag(ctx, c, cu.ID, 1)
			must(t, err)
			if added != want {
				t.Errorf("tag, put %d: added %v, want %v", i+1, added, want)
			}
		}
		m := core.Month{Year: 2015, Month: time.October}
		for i, tc := range []struct {
			amount string
			want   bool
		}{{"1000", true}, {"1000.00", false}, {"2000", true}} {
			changed, err := svc.PutMonthlyTarget(ctx, c, m, money(t, tc.amount))
			must(t, err)
			if changed != tc.want {
				t.Errorf("target %s, put %d: changed %v, want %v", tc.amount, i+1, changed, tc.want)
			}
		}
	})
}

// Two tenants may keep the same ids: a payment written in one leaves the
// other's payment of that id as it was (its owner is its own contract's).
func TestSameKeptIDsInTwoTenants(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		var owners []uint64
		for _, name := range []string{"acme", "globex"} {
			o := newOrg(t, svc, name, "sales", "zhang")
			c := o.caller
			owner := c.UserID // globex's contract is its own user's
			if name == "acme" {
				u, err := svc.AddUser(ctx, o.tenant.ID, core.NewUser{ID: 900, Name: "owner"})
				must(t, err)
				owner = u.ID
			}
			owners = append(owners, owner)
			cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{ID: 30, Name: "kept", OwnerID: owner})
			must(t, err)
			_, err = svc.CreateContract(ctx, c, core.NewContract{ID: 80, Title: "k", CustomerID: cu.ID, OwnerID: owner, TotalAmount: money(t, "100"),
				SignDate: date(t, "2015-10-01"), StartDate: date(t, "2015-10-01"), EndDate: date(t, "2016-09-30")})
			must(t, err)
			_, err = svc.AddPayment(ctx, c, core.NewPayment{ID: 100, ContractID: 80, Direction: core.PaymentIn, Amount: money(t, "10"), PaidOn: date(t, "2015-10-02")})
			must(t, err)
		}
		var got []uint64
		must(t, db.Model(&core.Payment{}).Where("id = ?", 100).Order("tenant_id").Pluck("owner_id", &got).Error)
		if len(got) != 2 || got[0] != owners[0] || got[1] != owners[1] {
			t.Errorf("payment 100's owners by tenant: %v, want %v", got, owners)
		}
	})
}
