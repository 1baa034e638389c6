package core_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

// A write whose transaction the database rolls back to break a deadlock is
// run again whole: with every use case's transaction failed at one of its
// statements, twice, each write answers what it answers on a database that
// never deadlocks (the same contract numbers, departments, "changed" flags),
// and the two databases hold the same rows and counters. On SQLite, whose
// id sequences roll back with the transaction, the answers are the same to
// the byte; MySQL takes ids outside the writer's transaction, so a failed
// attempt's ids are never given again, and the ids of the answers differ.
func TestADeadlockedWriteIsRunAgainWhole(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		calm := dbtest.Open(t, db.Dialector.Name(), core.FixedClock(now))
		want := retriedWrites(t, core.NewService(calm, core.Options{Clock: core.FixedClock(now)}))
		deadlocks := dbtest.InjectDeadlocks(t, db)
		got := retriedWrites(t, svc)
		if deadlocks.Injected < 30 {
			t.Fatalf("%d deadlocks injected; the writes should have met more", deadlocks.Injected)
		}
		ids := regexp.MustCompile(`"(\w*ID)": [1-9]\d*`)
		normal := func(s string) string {
			if db.Dialector.Name() == core.DriverMySQL {
				return ids.ReplaceAllString(s, `"$1": <id>`)
			}
			return s
		}
		if got, want := normal(got), normal(want); got != want {
			t.Errorf("after deadlocks:\n%s\nwithout:\n%s", got, want)
		}
		for _, table := range []string{"tenants", "departments", "users", "customers", "contacts", "contact_histories", "contact_plans",
			"opportunities", "opportunity_lines", "contracts", "contract_lines", "payments", "payment_plans", "month_counters",
			"monthly_targets", "dict_entries", "custom_fields", "sample_orders", "sample_order_lines"} {
			if g, w := rows(t, db, table), rows(t, calm, table); g != w {
				t.Errorf("%s: %d rows after deadlocks, %d without", table, g, w)
			}
		}
		var counters [2][]core.MonthCounter
		must(t, db.Order("tenant_id, month, owner_id, department_id").Find(&counters[0]).Error)
		must(t, calm.Order("tenant_id, month, owner_id, department_id").Find(&counters[1]).Error)
		if g, w := normal(jsonOf(t, counters[0])), normal(jsonOf(t, counters[1])); g != w {
			t.Errorf("month counters after deadlocks:\n%s\nwithout:\n%s", g, w)
		}
	})
}

// A write chosen to break a deadlock at every attempt stops after 32, and
// its client is told to come back (503 in every dialect), with nothing written.
func TestAWriteDeadlockedAtEveryAttemptIsUnavailable(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		attempts := 0
		must(t, db.Callback().Create().Before("gorm:create").Register("test:always_deadlocked", func(tx *gorm.DB) {
			if tx.Statement.Table == "customers" {
				attempts++
				tx.AddError(&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
			}
		}))
		defer func() { must(t, db.Callback().Create().Remove("test:always_deadlocked")) }()
		_, err := svc.CreateCustomer(context.Background(), o.caller, core.NewCustomer{Name: "never"})
		if core.ErrorCode(err) != core.EUNAVAILABLE || attempts != 32 {
			t.Fatalf("%d attempts, then %v; want 32, then unavailable", attempts, err)
		}
		if n := rows(t, db, "customers"); n != 0 {
			t.Fatalf("%d customers written", n)
		}
	})
}

// A deadlock met while a customer's tags are checked is run again like any
// other, and leaves the error every outage answers as it was.
func TestADeadlockAtATagIsRunAgain(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		failed := false
		must(t, db.Callback().Query().Before("gorm:query").Register("test:deadlock_tag", func(tx *gorm.DB) {
			if tx.Statement.Table == "dict_entries" && !failed {
				failed = true
				tx.AddError(&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
			}
		}))
		defer func() { must(t, db.Callback().Query().Remove("test:deadlock_tag")) }()
		cu, err := svc.CreateCustomer(context.Background(), o.caller, core.NewCustomer{Name: "tagged", TagIDs: []uint64{1}})
		if err != nil || !failed {
			t.Fatalf("create = %v, %v (deadlock met: %v); want it made on the second attempt", cu, err, failed)
		}
		if e := core.AsError(context.DeadlineExceeded); e.Field != "" || e.Index != 0 {
			t.Fatalf("the outage error now names %s %d", e.Field, e.Index)
		}
	})
}

// retriedWrites makes one of each write, in order, and answers what they
// answered, and the month's figures after, as JSON.
func retriedWrites(t *testing.T, svc *core.Service) string {
	t.Helper()
	ctx := context.Background()
	var out []any
	keep := func(v any, err error) {
		t.Helper()
		must(t, err)
		out = append(out, v)
	}
	tn, err := svc.AddTenant(ctx, "acme", "", core.TenantIDChange{})
	keep(tn, err)
	dept, err := svc.AddDepartment(ctx, tn.ID, 0, "sales")
	keep(dept, err)
	u, err := svc.AddUser(ctx, tn.ID, core.NewUser{Name: "ann", DepartmentID: dept.ID})
	keep(u, err)
	c, err := svc.CallerFor(tn, u)
	must(t, err)
	must(t, svc.SetTenantSettings(ctx, tn.ID, core.TenantSettings{ContractPrefix: "HT"}))
	cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "customer"})
	keep(cu, err)
	keep(svc.UpdateCustomer(ctx, c, cu.ID, core.NewCustomer{Name: "customer, renamed"}))
	keep(svc.AddCustomerTag(ctx, c, cu.ID, 1))
	ct, err := svc.CreateContact(ctx, c, core.NewContact{CustomerID: cu.ID, Name: "bob"})
	keep(ct, err)
	keep(svc.UpdateContact(ctx, c, ct.ID, core.NewContact{CustomerID: cu.ID, Name: "bob, renamed"}))
	keep(svc.AddFollowUp(ctx, c, core.NewFollowUp{SubjectKind: core.SubjectCustomer, SubjectID: cu.ID, Content: "called"}))
	plan, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{CustomerID: cu.ID, Title: "call again", PlannedAt: now})
	keep(plan, err)
	must(t, svc.ExecuteContactPlan(ctx, c, plan.ID, core.NewContactHistory{CustomerID: cu.ID, Title: "done"}, now.AddDate(0, 1, 0)))
	opp, err := svc.CreateOpportunity(ctx, c, core.NewOpportunity{CustomerID: cu.ID, Title: "deal", Amount: money(t, "10"),
		Lines: []core.NewContractLine{{ProductName: "widget", Quantity: 2, UnitPrice: money(t, "5")}}})
	keep(opp, err)
	keep(svc.UpdateOpportunity(ctx, c, opp.ID, core.OpportunityChange{Title: ptr("deal, renamed")}))
	var ks []core.Contract
	for i, sn := range []string{"", "", "K-1", ""} {
		k, err := svc.CreateContract(ctx, c, core.NewContract{Title: "contract", SN: sn, CustomerID: cu.ID, OpportunityID: opp.ID,
			TotalAmount: money(t, "100"), SignDate: date(t, "2015-10-0"+string(rune('1'+i))), StartDate: date(t, "2015-10-01"),
			EndDate: date(t, "2016-09-30"), Lines: []core.NewContractLine{{ProductName: "widget", Quantity: 4, UnitPrice: money(t, "25")}}})
		keep(k, err)
		ks = append(ks, k)
	}
	keep(svc.UpdateContract(ctx, c, ks[0].ID, core.ContractChange{TotalAmount: ptr(money(t, "150")), SignDate: ptr(date(t, "2015-09-30"))}))
	keep(svc.AddPaymentPlan(ctx, c, core.NewPaymentPlan{ContractID: ks[1].ID, Amount: money(t, "50"), DueOn: date(t, "2015-11-01")}))
	keep(svc.AddPayment(ctx, c, core.NewPayment{ContractID: ks[1].ID, Direction: core.PaymentIn, Amount: money(t, "40"), PaidOn: date(t, "2015-10-05")}))
	keep(svc.AddPayment(ctx, c, core.NewPayment{ContractID: ks[2].ID, Direction: core.PaymentIn, Amount: money(t, "60"), PaidOn: date(t, "2015-10-06")}))
	must(t, svc.DeleteContract(ctx, c, ks[2].ID))
	for _, name := range []string{"hot", "hot", "warm"} { // the second put changes nothing
		e, changed, err := svc.PutDictEntry(ctx, c, core.DictEntry{Kind: core.DictCustomerStatus, Code: 3166436, Name: name, Enabled: true})
		keep([]any{e, changed}, err)
	}
	for _, amount := range []string{"1000", "1000", "2000"} {
		keep(svc.PutMonthlyTarget(ctx, c, core.Month{Year: 2015, Month: time.November}, money(t, amount)))
	}
	keep(svc.PlanMonth(ctx, c, core.Month{Year: 2015, Month: time.October}, money(t, "500")))
	for _, label := range []string{"hobby", "hobbies"} { // defined, then redefined
		keep(svc.DefineCustomField(ctx, tn.ID, core.CustomFieldDefinition{Entity: core.EntityContact, Key: "text_asset_c1", Label: label}))
	}
	keep(svc.CreateSampleOrder(ctx, c, "S-1", cu.ID, []core.SampleOrderLine{{ProductName: "sample", Quantity: 1}}))
	keep(svc.MonthFigures(ctx, c, core.Month{Year: 2015, Month: time.October}))
	return jsonOf(t, out)
}

func rows(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	must(t, db.Table(table).Count(&n).Error)
	return n
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	must(t, err)
	return string(b)
}
