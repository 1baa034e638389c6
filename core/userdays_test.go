package core_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// The employees' figures are kept by each write that changes them: after
// writers racing to create, hand over, pool and delete customers, follow them
// up and make and hand over opportunities, on days either side of the
// tenant's midnight, every figure equals a recount from the records; and the
// statistics read from them answer what the queries over the records answer
// (a filter on a tag every customer carries takes that path).
func TestEmployeeFiguresEqualARecountUnderConcurrentWriters(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "north", "ann")
		south, err := svc.EnsureDepartment(ctx, o.tenant.ID, "south")
		must(t, err)
		callers := []core.Caller{o.caller, o.addUser(t, svc, "bob", south.ID), o.addUser(t, svc, "cat", south.ID)}
		// Either side of midnight in Shanghai, and a day of no midnight.
		instants := []string{"2015-08-31T15:59:59Z", "2015-08-31T16:00:00Z", "2015-09-30T15:59:59Z", "2015-09-30T16:00:00Z", "2015-10-14T10:00:00Z"}

		var mu sync.Mutex
		var customers, opportunities []uint64
		done := map[string]int{}
		pick := func(r *rand.Rand, ids *[]uint64) uint64 {
			mu.Lock()
			defer mu.Unlock()
			if len(*ids) == 0 {
				return 0
			}
			return (*ids)[r.IntN(len(*ids))]
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 29))
				at := func() time.Time {
					i, err := time.Parse(time.RFC3339, instants[r.IntN(len(instants))])
					must(t, err)
					return i
				}
				someone := func() uint64 { return callers[r.IntN(len(callers))].UserID }
				for i := range 40 {
					c := callers[r.IntN(len(callers))]
					op, id := "customer", pick(r, &customers)
					if id != 0 {
						op = []string{"customer", "update", "change", "pool", "delete", "follow", "history", "plan", "opportunity", "reassign"}[r.IntN(10)]
					}
					var err error
					switch op {
					case "customer":
						in := core.NewCustomer{Name: fmt.Sprintf("c %d-%d", g, i), OwnerID: someone(), CreatedAt: at(), TagIDs: []uint64{1}}
						switch r.IntN(6) {
						case 0:
							in.LostAt = in.CreatedAt.Add(time.Hour)
						case 1:
							in.Public = true
						}
						var cu core.Customer
						if cu, err = svc.CreateCustomer(ctx, c, in); err == nil {
							mu.Lock()
							customers = append(customers, cu.ID)
							mu.Unlock()
						}
					case "update":
						_, err = svc.UpdateCustomer(ctx, c, id, core.NewCustomer{Name: fmt.Sprintf("u %d-%d", g, i), OwnerID: someone()})
					case "change":
						owner := someone()
						_, err = svc.ChangeCustomer(ctx, c, id, core.CustomerChange{OwnerID: &owner})
					case "pool":
						err = svc.MoveToPublicPool(ctx, c, []uint64{id})
					case "delete":
						err = svc.DeleteCustomer(ctx, c, id)
					case "follow":
						_, err = svc.AddFollowUp(ctx, c, core.NewFollowUp{SubjectKind: core.SubjectCustomer, SubjectID: id, Content: "called", ContactedAt: at()})
					case "history":
						_, err = svc.AddContactHistory(ctx, c, core.NewContactHistory{CustomerID: id, Title: "visited", ContactedAt: at()})
					case "plan":
						var p core.ContactPlan
						if p, err = svc.AddContactPlan(ctx, c, core.NewContactPlan{CustomerID: id, Title: "call", PlannedAt: now}); err == nil {
							err = svc.ExecuteContactPlan(ctx, c, p.ID, core.NewContactHistory{CustomerID: id, Title: "done"}, now.AddDate(0, 1, 0))
						}
					case "opportunity":
						var opp core.Opportunity
						if opp, err = svc.CreateOpportunity(ctx, c, core.NewOpportunity{CustomerID: id, Title: "deal", OwnerID: someone(), CreatedAt: at()}); err == nil {
							mu.Lock()
							opportunities = append(opportunities, opp.ID)
							mu.Unlock()
						}
					case "reassign":
						if opp := pick(r, &opportunities); opp != 0 {
							owner := someone()
							_, err = svc.UpdateOpportunity(ctx, c, opp, core.OpportunityChange{OwnerID: &owner})
						}
					}
					var ce *core.Error
					if errors.As(err, &ce) && (ce.Code == core.ENOTFOUND || ce.Code == core.ECONFLICT) {
						continue // deleted meanwhile; a customer with opportunities stays
					}
					if err != nil {
						errs <- fmt.Errorf("%s %d: %w", op, id, err)
						return
					}
					mu.Lock()
					done[op]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, op := range []string{"customer", "update", "change", "pool", "delete", "follow", "history", "plan", "opportunity", "reassign"} {
			if done[op] == 0 {
				t.Fatalf("no %s succeeded (%v): the race tested nothing", op, done)
			}
		}

		kept := userFigures(t, db)
		must(t, core.RecountFigures(db))
		if recounted := userFigures(t, db); kept != recounted {
			t.Fatalf("figures kept by the writes:\n%s\nrecounted:\n%s", kept, recounted)
		}

		day := func(s string) core.Date { return date(t, s) }
		for _, q := range []core.EmployeeStatsQuery{
			{}, {From: day("2015-09-01")}, {To: day("2015-09-30")}, {From: day("2015-10-01"), To: day("2015-10-01")},
			{From: day("2015-08-31"), To: day("2015-09-01")}, {DepartmentID: south.ID, From: day("2015-09-01"), To: day("2015-10-15")},
			{From: day("2015-08-31"), To: day("2015-10-14")}, {From: day("2015-09-01"), To: day("2015-09-30")}, {From: day("2015-09-30")},
			{To: day("2015-10-01")}, {From: day("2014-12-31"), To: day("2016-01-01")},
		} {
			q.Page, q.PerPage = 1, 10
			counted, err := svc.EmployeeStats(ctx, o.caller, q)
			must(t, err)
			q.TagID = 1
			queried, err := svc.EmployeeStats(ctx, o.caller, q)
			must(t, err)
			if g, w := jsonOf(t, counted), jsonOf(t, queried); g != w {
				t.Errorf("%+v: from the figures\n%s\nfrom the records\n%s", q, g, w)
			}
		}
	})
}

// userFigures is every employee figure that is not empty, in key order.
func userFigures(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var figures []core.UserFigure
	must(t, db.Where("customers <> 0").Order("tenant_id, user_id").Find(&figures).Error)
	var days []core.UserDay
	must(t, db.Where("follows <> 0 OR lost <> 0 OR new_customers <> 0 OR opportunities <> 0 OR follow_last IS NOT NULL OR customer_last IS NOT NULL").
		Order("tenant_id, user_id, day").Find(&days).Error)
	var months []core.UserMonth
	must(t, db.Where("follows <> 0 OR lost <> 0 OR new_customers <> 0 OR opportunities <> 0 OR follow_last IS NOT NULL OR customer_last IS NOT NULL").
		Order("tenant_id, user_id, month").Find(&months).Error)
	out := jsonOf(t, figures)
	tally := func(tenant, user uint64, period string, d core.UserTally) {
		out += fmt.Sprintf("\n%d %d %s: %d follows (last %v), %d lost, %d new (last %v), %d opportunities",
			tenant, user, period, d.Follows, d.FollowLast, d.Lost, d.NewCustomers, d.CustomerLast, d.Opportunities)
	}
	for _, d := range days {
		tally(d.TenantID, d.UserID, d.Day, d.UserTally)
	}
	for _, m := range months {
		tally(m.TenantID, m.UserID, m.Month, m.UserTally)
	}
	return out
}

// A store whose customers, follow-ups and opportunities were written before
// the employees' figures were kept gets them counted when it is migrated, and
// only then: a store that keeps them is not counted again at each start.
func TestMigrateCountsTheEmployeeFiguresOfAStoreWithoutThem(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "customer"})
		must(t, err)
		_, err = svc.AddFollowUp(ctx, o.caller, core.NewFollowUp{SubjectKind: core.SubjectCustomer, SubjectID: cu.ID, Content: "called"})
		must(t, err)
		_, err = svc.CreateOpportunity(ctx, o.caller, core.NewOpportunity{CustomerID: cu.ID, Title: "deal"})
		must(t, err)
		want := userFigures(t, db)
		must(t, db.Where("1 = 1").Delete(&core.UserMonth{}).Error) // as the operations guide says

		must(t, core.Migrate(db))
		if got := userFigures(t, db); got != want {
			t.Fatalf("figures after the upgrade:\n%s\nwant:\n%s", got, want)
		}
		must(t, db.Model(&core.UserMonth{}).Where("1 = 1").Update("follows", 99).Error)
		changed := userFigures(t, db)
		must(t, core.Migrate(db))
		if got := userFigures(t, db); got != changed {
			t.Fatalf("figures counted again by a second start:\n%s\nwant them as they were:\n%s", got, changed)
		}
	})
}

// A customer imported with a creation time a fraction of a second before the
// tenant's midnight is kept to the second, and counted on the day it is read
// back on: its figures equal a recount on both engines (MySQL would round
// 23:59:59.9 up into the next day, SQLite cut it down).
func TestACustomerCreatedJustBeforeMidnightCountsOnTheDayItIsReadOn(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		at := time.Date(2015, 9, 30, 15, 59, 59, 900_000_000, time.UTC) // 23:59:59.9 in Shanghai
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "late", CreatedAt: at})
		must(t, err)
		var stored core.Customer
		must(t, db.Where("id = ?", cu.ID).Take(&stored).Error)
		if want := at.Truncate(time.Second); !stored.CreatedAt.Equal(want) || !cu.CreatedAt.Equal(want) {
			t.Fatalf("created at %v, answered %v; want %v", stored.CreatedAt, cu.CreatedAt, want)
		}
		want := userFigures(t, db)
		must(t, db.Where("1 = 1").Delete(&core.UserMonth{}).Error)
		must(t, core.Migrate(db)) // counts every figure again from the records
		if got := userFigures(t, db); got != want {
			t.Fatalf("figures kept:\n%s\nrecounted:\n%s", want, got)
		}
	})
}
