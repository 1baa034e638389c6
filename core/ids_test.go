package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// Two tenants may hold the same ids, kept from their old vendors, and each
// sees only its own record behind one; the ids crmgw gives are unique across
// tenants.
func TestIDsArePerTenant(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		b := newOrg(t, svc, "tenant-b", "sales", "ann")
		if a.caller.UserID == b.caller.UserID {
			t.Errorf("the users crmgw made in two tenants share id %d", a.caller.UserID)
		}
		for _, o := range []struct {
			org  org
			name string
		}{{a, "A's"}, {b, "B's"}} {
			must(t, db.Create(&core.Customer{TenantID: o.org.tenant.ID, ID: 7, Name: o.name, OwnerID: o.org.caller.UserID}).Error)
		}
		for _, o := range []struct {
			caller core.Caller
			want   string
		}{{a.caller, "A's"}, {b.caller, "B's"}} {
			got, err := svc.GetCustomer(ctx, o.caller, 7)
			must(t, err)
			if got.Name != o.want {
				t.Errorf("customer 7 of tenant %d is %q, want %q", o.caller.TenantID, got.Name, o.want)
			}
		}
		// A's contract of a kept id, with its lines, is A's alone, though B has one of the same id.
		for _, o := range []struct {
			caller core.Caller
			amount string
		}{{a.caller, "100"}, {b.caller, "200"}} {
			must(t, db.Create(&core.Contract{TenantID: o.caller.TenantID, ID: 9, SN: "K", Title: "k", CustomerID: 7,
				OwnerID: o.caller.UserID, CreatorID: o.caller.UserID, TotalAmount: money(t, o.amount),
				StartDate: date(t, "2015-10-01"), EndDate: date(t, "2015-10-02"), SignDate: date(t, "2015-10-01"),
				Lines: []core.ContractLine{{ProductName: "p", Quantity: 1, UnitPrice: money(t, o.amount), TotalPrice: money(t, o.amount)}}}).Error)
		}
		da, err := svc.GetContract(ctx, a.caller, 9)
		must(t, err)
		if !da.TotalAmount.Equal(money(t, "100").Decimal) || len(da.Lines) != 1 || !da.Lines[0].UnitPrice.Equal(money(t, "100").Decimal) {
			t.Errorf("A's contract 9 shows %s with lines %+v, want 100 and one line of 100", da.TotalAmount, da.Lines)
		}
	})
}

// A record written with an id keeps it, and the ids given after it never
// collide with it; an id is never given twice, even once its record is gone.
func TestIDsKeptAndNeverReused(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		kept := core.Customer{TenantID: a.tenant.ID, ID: 3166436, Name: "kept", OwnerID: a.caller.UserID, CreatorID: a.caller.UserID}
		must(t, db.Create(&kept).Error)
		next, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: "next"})
		must(t, err)
		if next.ID != 3166437 {
			t.Fatalf("the customer after a kept 3166436 has id %d, want 3166437", next.ID)
		}
		must(t, svc.DeleteCustomer(ctx, a.caller, next.ID))
		again, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: "again"})
		must(t, err)
		if again.ID != 3166438 {
			t.Errorf("the customer after a deleted 3166437 has id %d, want 3166438", again.ID)
		}
		// A kept id the tenant holds already is a conflict, not a second row.
		dup := core.Customer{TenantID: a.tenant.ID, ID: 3166436, Name: "dup", OwnerID: a.caller.UserID}
		if err := db.Create(&dup).Error; err == nil {
			t.Errorf("a second customer 3166436 was written")
		}
	})
}

// A tenant without a sequence yet (a database written before sequences) starts
// past the ids it holds.
func TestIDsStartPastRowsHeld(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		for i := range 3 {
			_, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: fmt.Sprint("c", i)})
			must(t, err)
		}
		must(t, db.Exec("DELETE FROM id_sequences").Error)
		var held uint64
		must(t, db.Model(&core.Customer{}).Where("tenant_id = ?", a.tenant.ID).Select("MAX(id)").Scan(&held).Error)
		c, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: "after"})
		must(t, err)
		if c.ID != held+1 {
			t.Errorf("first customer of a new sequence has id %d, want %d", c.ID, held+1)
		}
	})
}

// Writers at once in one tenant all get an id, each a different one.
func TestIDsUnderConcurrentWriters(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("create: %v", err)
		}
		var n, distinct int64
		must(t, db.Model(&core.Customer{}).Where("tenant_id = ?", a.tenant.ID).Count(&n).Error)
		must(t, db.Model(&core.Customer{}).Where("tenant_id = ?", a.tenant.ID).Distinct("id").Count(&distinct).Error)
		if n != writers*each || distinct != n {
			t.Errorf("%d customers with %d distinct ids, want %d of each", n, distinct, writers*each)
		}
	})
}

// An import reserves a batch's ids before writing its rows: those rows keep
// their ids, at or below what was reserved, and the next id given is past
// both them and the reservation.
func TestReserveIDs(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		a := newOrg(t, svc, "tenant-a", "sales", "ann")
		must(t, svc.ReserveIDs(ctx, core.KindCustomer, 5000))
		for _, id := range []uint64{4999, 4000, 5000} {
			_, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{ID: id, Name: fmt.Sprint("kept ", id)})
			must(t, err)
		}
		next, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: "next"})
		must(t, err)
		if next.ID != 5001 {
			t.Errorf("the customer after kept ids up to a reserved 5000 has id %d, want 5001", next.ID)
		}
		// A kept id past the reservation raises the sequence as ever.
		_, err = svc.CreateCustomer(ctx, a.caller, core.NewCustomer{ID: 7000, Name: "past"})
		must(t, err)
		after, err := svc.CreateCustomer(ctx, a.caller, core.NewCustomer{Name: "after"})
		must(t, err)
		if after.ID != 7001 {
			t.Errorf("the customer after a kept 7000 has id %d, want 7001", after.ID)
		}
		if err := svc.ReserveIDs(ctx, "lead", 1); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("reserving ids of an unknown kind: %v, want invalid", err)
		}
	})
}
