package core

import (
	"cmp"
	"database/sql"
	"reflect"
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MonthCounter adds up, per month, owner and department, the contracts signed
// and the payments received on them. Each write that changes a figure changes
// its counter in the same transaction, so the month figures read a few rows
// however many contracts there are, and every counter equals a recount.
//
// An amount is kept as Hi*10^6 + Lo cents, the two parts summed apart (as
// sumCents does) so that no sum of amounts overflows a BIGINT.
type MonthCounter struct {
	TenantID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	Month        string `gorm:"primaryKey;size:7"` // "2006-01": of the sign date, of the payment date
	OwnerID      uint64 `gorm:"primaryKey;autoIncrement:false"`
	DepartmentID uint64 `gorm:"primaryKey;autoIncrement:false"`
	Deals        int64  `gorm:"not null"` // contracts signed in the month
	DealHi       int64  `gorm:"not null"` // their total amounts
	DealLo       int64  `gorm:"not null"`
	Backs        int64  `gorm:"not null"` // payments in, paid in the month, on the owner's and department's contracts
	BackHi       int64  `gorm:"not null"`
	BackLo       int64  `gorm:"not null"`
}

const centsSplit = 1_000_000

func splitCents(m Money) (hi, lo int64) {
	c := m.Cents()
	return c / centsSplit, c % centsSplit
}

func joinCents(hi, lo int64) Money {
	return Money{decimal.New(hi, 0).Mul(decimal.New(centsSplit, 0)).Add(decimal.New(lo, 0)).Shift(-2)}
}

func monthOfDay(d Date) string { return Month{d.Year, d.Month}.String() }

type counterKey struct {
	month             string
	owner, department uint64
}

// counterDeltas are the changes one write makes to its tenant's counters.
type counterDeltas map[counterKey]MonthCounter

// deal counts contract k in (sign +1) or out (sign -1).
func (d counterDeltas) deal(k Contract, sign int64) {
	key := counterKey{monthOfDay(k.SignDate), k.OwnerID, k.DepartmentID}
	c := d[key]
	tally(&c.Deals, &c.DealHi, &c.DealLo, k.TotalAmount, sign)
	d[key] = c
}

// back counts payment p, made on contract k, in or out; only payments in count.
func (d counterDeltas) back(k Contract, p Payment, sign int64) {
	if p.Direction != PaymentIn {
		return
	}
	key := counterKey{monthOfDay(p.PaidOn), k.OwnerID, k.DepartmentID}
	c := d[key]
	tally(&c.Backs, &c.BackHi, &c.BackLo, p.Amount, sign)
	d[key] = c
}

// tally adds sign times one amount m to a count and its amount's two parts.
func tally(n, hi, lo *int64, m Money, sign int64) {
	h, l := splitCents(m)
	*n += sign
	*hi += sign * h
	*lo += sign * l
}

// payments counts every payment of contract k in or out, as k's owner or
// department changes.
func (d counterDeltas) payments(tx *gorm.DB, k Contract, sign int64) error {
	var ps []Payment
	if err := tx.Scopes(inTenant(k.TenantID)).Select("direction", "amount", "paid_on").
		Where("contract_id = ? AND direction = ?", k.ID, PaymentIn).Find(&ps).Error; err != nil {
		return storeError(err, "payment")
	}
	for _, p := range ps {
		d.back(k, p, sign)
	}
	return nil
}

// apply adds the deltas to the tenant's counters, in key order: concurrent
// writers lock the counters they share in one order, and queue rather than
// deadlock.
func (d counterDeltas) apply(tx *gorm.DB, tenantID uint64) error {
	keys := make([]counterKey, 0, len(d))
	for k, c := range d {
		if c != (MonthCounter{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.owner, b.owner), cmp.Compare(a.department, b.department))
	})
	rows := make([]MonthCounter, 0, len(keys))
	for _, k := range keys {
		c := d[k]
		c.TenantID, c.Month, c.OwnerID, c.DepartmentID = tenantID, k.month, k.owner, k.department
		rows = append(rows, c)
	}
	return addUp(tx, &rows, []string{"tenant_id", "month", "owner_id", "department_id"},
		[]string{"deals", "deal_hi", "deal_lo", "backs", "back_hi", "back_lo"}, nil)
}

// addUp writes counter rows (a pointer to a slice of a counter model, in key
// order), many to a statement: a row of a new key is inserted as it is; to a
// row of a key that exists, each of the sums columns is added and each of the
// latest columns (times) moves forward to the row's, unless NULL.
func addUp(tx *gorm.DB, rows any, key, sums, latest []string) error {
	if reflect.ValueOf(rows).Elem().Len() == 0 {
		return nil
	}
	// The value the insert brought for a column, in the update of a key that exists.
	brought := func(col string) string { return "excluded." + col }
	if tx.Dialector.Name() == DriverMySQL {
		brought = func(col string) string { return "VALUES(" + col + ")" }
	}
	set := clause.Set{}
	for _, col := range sums {
		set = append(set, clause.Assignment{Column: clause.Column{Name: col}, Value: gorm.Expr(col + " + " + brought(col))})
	}
	for _, col := range latest {
		set = append(set, clause.Assignment{Column: clause.Column{Name: col}, Value: gorm.Expr("CASE WHEN " + brought(col) +
			" IS NOT NULL AND (" + col + " IS NULL OR " + col + " < " + brought(col) + ") THEN " + brought(col) + " ELSE " + col + " END")})
	}
	columns := make([]clause.Column, len(key))
	for i, k := range key {
		columns[i] = clause.Column{Name: k}
	}
	err := tx.Clauses(clause.OnConflict{Columns: columns, DoUpdates: set}).CreateInBatches(rows, rowsPerInsert).Error
	return storeError(err, "figures")
}

// monthSums are a month's counters added up over some of its owners or departments.
type monthSums struct {
	Deals, DealHi, DealLo, Backs, BackHi, BackLo sql.NullInt64
}

func (m monthSums) deal() *Money {
	if m.Deals.Int64 == 0 {
		return nil
	}
	d := joinCents(m.DealHi.Int64, m.DealLo.Int64)
	return &d
}

func (m monthSums) back() *Money {
	if m.Backs.Int64 == 0 {
		return nil
	}
	b := joinCents(m.BackHi.Int64, m.BackLo.Int64)
	return &b
}

// sumsOfCounters selects monthSums.
const sumsOfCounters = "SUM(deals) AS deals, SUM(deal_hi) AS deal_hi, SUM(deal_lo) AS deal_lo, " +
	"SUM(backs) AS backs, SUM(back_hi) AS back_hi, SUM(back_lo) AS back_lo"

// sumCounters adds up the tenant's counters of month m that where selects.
func sumCounters(db *gorm.DB, tenantID uint64, m Month, where string, args ...any) (monthSums, error) {
	var s monthSums
	q := db.Model(&MonthCounter{}).Select(sumsOfCounters).
		Where("tenant_id = ? AND month = ?", tenantID, m.String())
	if where != "" {
		q = q.Where(where, args...)
	}
	return s, storeError(q.Scan(&s).Error, "figures")
}

// RecountFigures builds every month counter again from the contracts and
// payments, and every employee's figures (UserFigure, UserDay) from the
// customers, follow-ups and opportunities: for a store whose records were
// written before they were kept (Migrate), or changed beside crmgw.
func RecountFigures(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("1 = 1").Delete(&MonthCounter{}).Error; err != nil {
			return err
		}
		all := map[uint64]counterDeltas{}
		deltas := func(tenant uint64) counterDeltas {
			if all[tenant] == nil {
				all[tenant] = counterDeltas{}
			}
			return all[tenant]
		}
		rows, err := tx.Model(&Contract{}).Select("tenant_id, owner_id, department_id, sign_date, total_amount").Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k Contract
			if err := rows.Scan(&k.TenantID, &k.OwnerID, &k.DepartmentID, &k.SignDate, &k.TotalAmount); err != nil {
				return err
			}
			deltas(k.TenantID).deal(k, 1)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Table("payments p").Joins("JOIN contracts k ON k.tenant_id = p.tenant_id AND k.id = p.contract_id").
			Select("p.tenant_id, k.owner_id, k.department_id, p.paid_on, p.amount").Where("p.direction = ?", PaymentIn).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k Contract
			p := Payment{Direction: PaymentIn}
			if err := rows.Scan(&k.TenantID, &k.OwnerID, &k.DepartmentID, &p.PaidOn, &p.Amount); err != nil {
				return err
			}
			deltas(k.TenantID).back(k, p, 1)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for tenant, d := range all {
			if err := d.apply(tx, tenant); err != nil {
				return err
			}
		}
		return recountUserFigures(tx)
	})
}

// countersMissing tells whether the store holds contracts but no counter:
// counters are never deleted, so a store that keeps them has one for each
// month, owner and department that ever signed a contract.
func countersMissing(db *gorm.DB) (bool, error) {
	var counters, contracts []uint64
	if err := db.Model(&MonthCounter{}).Limit(1).Pluck("tenant_id", &counters).Error; err != nil {
		return false, err
	}
	if err := db.Model(&Contract{}).Limit(1).Pluck("tenant_id", &contracts).Error; err != nil {
		return false, err
	}
	return len(counters) == 0 && len(contracts) > 0, nil
}
