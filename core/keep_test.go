package core_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// Every kind of record a migrated client may hold an id of is written with
// its old id and its times kept; the same id again is a conflict that writes
// nothing; and a record made afterwards gets an id above every kept one.
func TestKeptIDsOfEveryKind(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		tn, err := svc.AddTenant(ctx, "moved", "", core.TenantIDChange{})
		must(t, err)
		made := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
		changed := made.Add(48 * time.Hour)

		d, err := svc.AddDepartment(ctx, tn.ID, 501, "销售一部")
		must(t, err)
		u, err := svc.AddUser(ctx, tn.ID, core.NewUser{ID: 601, Name: "13800000001", RealName: "张三", DepartmentID: d.ID, CreatedAt: made})
		must(t, err)
		c, err := svc.CallerFor(tn, u)
		must(t, err)
		cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{ID: 701, Name: "老客户", CreatedAt: made, UpdatedAt: changed,
			Contacts: []core.NewContact{{ID: 801, Name: "李四", CreatedAt: made, UpdatedAt: changed}}})
		must(t, err)
		h, err := svc.AddContactHistory(ctx, c, core.NewContactHistory{ID: 901, CustomerID: cu.ID, ContactID: 801, Content: "拜访",
			ContactedAt: made, CreatedAt: made})
		must(t, err)
		p, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{ID: 1001, CustomerID: cu.ID, Title: "回访", PlannedAt: changed,
			DoneAt: changed, CreatedAt: made})
		must(t, err)
		o, err := svc.CreateOpportunity(ctx, c, core.NewOpportunity{ID: 1101, CustomerID: cu.ID, Title: "商机", Amount: money(t, "10"),
			Lines: []core.NewContractLine{{ID: 1102, ProductName: "p", Quantity: 1, UnitPrice: money(t, "10")}}, CreatedAt: made, UpdatedAt: changed})
		must(t, err)
		onOpp, err := svc.AddFollowUp(ctx, c, core.NewFollowUp{ID: 902, SubjectKind: core.SubjectOpportunity, SubjectID: o.ID, Content: "报价",
			ContactedAt: made, CreatedAt: made})
		must(t, err)
		k, err := svc.CreateContract(ctx, c, core.NewContract{ID: 1201, Title: "合同", SN: "OLD-1", CustomerID: cu.ID, TotalAmount: money(t, "100"),
			SignDate: date(t, "2019-03-04"), StartDate: date(t, "2019-03-04"), EndDate: date(t, "2019-12-31"),
			Lines: []core.NewContractLine{{ID: 1202, ProductName: "p", Quantity: 2, UnitPrice: money(t, "50")}}, CreatedAt: made, UpdatedAt: changed})
		must(t, err)
		pp, err := svc.AddPaymentPlan(ctx, c, core.NewPaymentPlan{ID: 1301, ContractID: k.ID, Amount: money(t, "100"), DueOn: date(t, "2019-06-01"), CreatedAt: made})
		must(t, err)
		pay, err := svc.AddPayment(ctx, c, core.NewPayment{ID: 1401, ContractID: k.ID, Direction: core.PaymentIn, Amount: money(t, "40"),
			PaidOn: date(t, "2019-06-01"), PlanID: pp.ID, CreatedAt: made})
		must(t, err)

		for _, r := range []struct {
			kind      string
			got, want uint64
		}{{"department", d.ID, 501}, {"user", u.ID, 601}, {"customer", cu.ID, 701}, {"contact history", h.ID, 901}, {"follow-up", onOpp.ID, 902},
			{"contact plan", p.ID, 1001}, {"opportunity", o.ID, 1101}, {"contract", k.ID, 1201}, {"payment plan", pp.ID, 1301},
			{"payment", pay.ID, 1401}} {
			if r.got != r.want {
				t.Errorf("%s kept id %d as %d", r.kind, r.want, r.got)
			}
		}
		detail, err := svc.GetContract(ctx, c, 1201)
		must(t, err)
		if len(detail.Lines) != 1 || detail.Lines[0].ID != 1202 || !detail.CreatedAt.Equal(made) || !detail.UpdatedAt.Equal(changed) {
			t.Errorf("contract 1201: lines %+v, made %s, changed %s; want line 1202, %s, %s", detail.Lines, detail.CreatedAt, detail.UpdatedAt, made, changed)
		}
		gotCu, err := svc.GetCustomer(ctx, c, 701)
		must(t, err)
		if !gotCu.CreatedAt.Equal(made) || !gotCu.UpdatedAt.Equal(changed) || gotCu.CreatorID != 601 {
			t.Errorf("customer 701: made %s, changed %s, by %d", gotCu.CreatedAt, gotCu.UpdatedAt, gotCu.CreatorID)
		}
		if gotH, err := svc.GetContactHistory(ctx, c, 902); err != nil || !gotH.CreatedAt.Equal(made) || gotH.SubjectID != 1101 || gotH.CustomerID != 701 {
			t.Errorf("follow-up 902: %+v, %v; want on opportunity 1101 of customer 701, made %s", gotH, err, made)
		}
		ct, err := svc.GetContact(ctx, c, 801)
		must(t, err)
		if ct.CustomerID != 701 || !ct.CreatedAt.Equal(made) {
			t.Errorf("contact 801: %+v", ct)
		}
		gotPlan, err := svc.GetContactPlan(ctx, c, 1001)
		must(t, err)
		if gotPlan.DoneAt == nil || !gotPlan.DoneAt.Equal(changed) || !gotPlan.CreatedAt.Equal(made) {
			t.Errorf("contact plan 1001: %+v", gotPlan)
		}

		// The same ids again are conflicts, and write nothing.
		counts := func() map[string]int64 {
			out := map[string]int64{}
			for _, table := range []string{"departments", "users", "customers", "contacts", "contact_histories", "contact_plans",
				"opportunities", "opportunity_lines", "contracts", "contract_lines", "payment_plans", "payments"} {
				var n int64
				must(t, db.Table(table).Where("tenant_id = ?", tn.ID).Count(&n).Error)
				out[table] = n
			}
			return out
		}
		before := counts()
		for name, err := range map[string]error{
			"department": func() error { _, err := svc.AddDepartment(ctx, tn.ID, 501, "另一部"); return err }(),
			"user":       func() error { _, err := svc.AddUser(ctx, tn.ID, core.NewUser{ID: 601, Name: "other"}); return err }(),
			"customer": func() error {
				_, err := svc.CreateCustomer(ctx, c, core.NewCustomer{ID: 701, Name: "另一个"})
				return err
			}(),
			"contact": func() error {
				_, err := svc.CreateContact(ctx, c, core.NewContact{ID: 801, CustomerID: 701, Name: "x"})
				return err
			}(),
			"contact history": func() error {
				_, err := svc.AddFollowUp(ctx, c, core.NewFollowUp{ID: 902, SubjectKind: core.SubjectCustomer, SubjectID: 701})
				return err
			}(),
			"contact plan": func() error {
				_, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{ID: 1001, CustomerID: 701, Title: "x", PlannedAt: changed})
				return err
			}(),
			"opportunity": func() error {
				_, err := svc.CreateOpportunity(ctx, c, core.NewOpportunity{ID: 1101, CustomerID: 701, Title: "x"})
				return err
			}(),
			"payment plan": func() error {
				_, err := svc.AddPaymentPlan(ctx, c, core.NewPaymentPlan{ID: 1301, ContractID: 1201, Amount: money(t, "1"), DueOn: date(t, "2019-07-01")})
				return err
			}(),
			"contract line": func() error {
				_, err := svc.CreateContract(ctx, c, core.NewContract{ID: 1299, Title: "x", CustomerID: 701, TotalAmount: money(t, "1"),
					StartDate: date(t, "2019-03-04"), EndDate: date(t, "2019-03-05"), Lines: []core.NewContractLine{{ID: 1202, ProductName: "p", Quantity: 1, UnitPrice: money(t, "1")}}})
				return err
			}(),
			"payment": func() error {
				_, err := svc.AddPayment(ctx, c, core.NewPayment{ID: 1401, ContractID: 1201, Direction: core.PaymentIn, Amount: money(t, "1")})
				return err
			}(),
		} {
			if e := core.AsError(err); e.Code != core.ECONFLICT || e.Entity != name || !core.IDHeld(err) {
				t.Errorf("%s of a kept id again: %v (entity %q), want a conflict of its id naming it", name, err, e.Entity)
			}
		}
		if after := counts(); len(after) != len(before) || func() bool {
			for k, v := range before {
				if after[k] != v {
					return true
				}
			}
			return false
		}() {
			t.Errorf("conflicts wrote rows: %v → %v", before, after)
		}

		// A contract's lines with ids, outside an import, are still refused.
		if _, err := svc.CreateContract(ctx, c, core.NewContract{Title: "x", CustomerID: 701, TotalAmount: money(t, "1"),
			StartDate: date(t, "2019-03-04"), EndDate: date(t, "2019-03-05"), Lines: []core.NewContractLine{{ID: 5, ProductName: "p", Quantity: 1, UnitPrice: money(t, "1")}}}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("a new contract's line with an id: %v, want invalid", err)
		}
		next, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "新客户"})
		must(t, err)
		if next.ID <= 701 {
			t.Errorf("a customer made after kept 701 has id %d", next.ID)
		}
		held, err := svc.HeldIDs(ctx, tn.ID, core.KindCustomer, []uint64{701, 702, next.ID, 1201})
		must(t, err)
		if len(held) != 2 || !held[701] || !held[next.ID] {
			t.Errorf("held customers %v, want 701 and %d", held, next.ID)
		}
		other, err := svc.AddTenant(ctx, "other", "", core.TenantIDChange{})
		must(t, err)
		if held, err := svc.HeldIDs(ctx, other.ID, core.KindCustomer, []uint64{701}); err != nil || len(held) != 0 {
			t.Errorf("another tenant holds %v, %v; want none", held, err)
		}
	})
}

// An import's dictionary entries replace the defaults of their codes and add
// the vendor's own; a second run changes nothing.
func TestPutDictEntry(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "moved", "sales", "ann")
		for run := range 2 {
			for _, e := range []core.DictEntry{
				{Kind: core.DictCustomerStatus, Code: 1, Name: "初访", Sort: 1, Enabled: true},
				{Kind: core.DictCustomerStatus, Code: 3166436, Name: "意向", Sort: 2, Enabled: true},
				{Kind: core.DictCustomerStatus, Code: 2, Name: "意向客户", Sort: 9, Enabled: false},
			} {
				_, changed, err := svc.PutDictEntry(ctx, o.caller, e)
				must(t, err)
				if changed != (run == 0) {
					t.Errorf("run %d, entry %d: changed %t", run+1, e.Code, changed)
				}
			}
		}
		got, err := svc.Dictionary(ctx, o.caller, core.DictCustomerStatus)
		must(t, err)
		var names []string
		for _, e := range got {
			names = append(names, e.Name)
		}
		if len(got) != 4 || got[0].Code != 1 || got[0].Name != "初访" || got[1].Code != 3166436 {
			t.Errorf("customer statuses after import: %v (%+v)", names, got)
		}
		if _, _, err := svc.PutDictEntry(ctx, o.caller, core.DictEntry{Kind: "planets", Code: 1, Name: "x"}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("an unknown dictionary: %v, want invalid", err)
		}
	})
}
