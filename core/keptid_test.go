package core_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

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
