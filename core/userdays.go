package core

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
)

// UserFigure is what an employee holds now: the customers it owns, by which
// the employee statistics rank employees.
type UserFigure struct {
	TenantID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	Customers int64  `gorm:"not null"`
}

// UserTally is what an employee did over a period of its tenant's calendar:
// a day (UserDay) or a month (UserMonth), the figures the employee statistics
// add up over a range of days, whole months from the months and the days at
// either end from the days. Like the month counters, each write that changes
// a figure changes its rows in the same transaction, so the statistics of a
// page read a few dozen rows per employee, however many customers and
// follow-ups there are; and every row equals a recount. Rows of user 0
// (customers made by no one, in imports) are kept but never read.
type UserTally struct {
	Follows       int64      `gorm:"not null"` // follow-up records the user made
	FollowLast    *time.Time // the latest of them
	Lost          int64      `gorm:"not null"` // customers the user lost to the public pool
	NewCustomers  int64      `gorm:"not null"` // customers the user owns now that were created in the period
	CustomerLast  *time.Time // the latest customer the user created in the period
	Opportunities int64      `gorm:"not null"` // opportunities the user owns that were created in the period
}

// add adds t's counts to u's, and moves u's latest times on to t's.
func (u *UserTally) add(t UserTally) {
	u.Follows += t.Follows
	u.Lost += t.Lost
	u.NewCustomers += t.NewCustomers
	u.Opportunities += t.Opportunities
	if t.FollowLast != nil {
		u.FollowLast = later(u.FollowLast, *t.FollowLast)
	}
	if t.CustomerLast != nil {
		u.CustomerLast = later(u.CustomerLast, *t.CustomerLast)
	}
}

// UserDay is an employee's tally of one day.
type UserDay struct {
	TenantID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	Day       string `gorm:"primaryKey;size:10"` // "2006-01-02", in the tenant's time zone
	UserTally `gorm:"embedded"`
}

// UserMonth is an employee's tally of one month: its days' added up.
type UserMonth struct {
	TenantID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	Month     string `gorm:"primaryKey;size:7"` // "2006-01", in the tenant's time zone
	UserTally `gorm:"embedded"`
}

// dayOf is the day of the tenant's calendar t falls on, as UserDay keeps it.
func dayOf(t time.Time, loc *time.Location) string { return DateOf(t.In(loc)).String() }

type userDayKey struct {
	user uint64
	day  string
}

// userDeltas are the changes one write makes to its tenant's UserFigure and
// UserDay rows. The latest times only move forward by a delta; a row whose
// latest record went away (deleted, or moved to another day or user) is
// recounted from the records after the write.
type userDeltas struct {
	loc       *time.Location
	owned     map[uint64]int64
	days      map[userDayKey]UserTally
	customerL map[userDayKey]bool // CustomerLast to recount
	followL   map[userDayKey]bool // FollowLast to recount
}

func newUserDeltas(loc *time.Location) *userDeltas {
	return &userDeltas{loc: loc, owned: map[uint64]int64{}, days: map[userDayKey]UserTally{},
		customerL: map[userDayKey]bool{}, followL: map[userDayKey]bool{}}
}

func later(a *time.Time, b time.Time) *time.Time {
	if a == nil || a.Before(b) {
		return &b
	}
	return a
}

// customerFigureColumns are the columns of a customer that userDeltas.customer reads.
var customerFigureColumns = []string{"id", "owner_id", "creator_id", "created_at", "lost_by_id", "lost_at"}

// customer counts the change of a customer from was to now; nil is none (a
// customer created, or deleted).
func (d *userDeltas) customer(was, now *Customer) {
	count := func(cu *Customer, sign int64) {
		if cu.OwnerID != 0 {
			d.owned[cu.OwnerID] += sign
			k := userDayKey{cu.OwnerID, dayOf(cu.CreatedAt, d.loc)}
			u := d.days[k]
			u.NewCustomers += sign
			d.days[k] = u
		}
		if cu.LostAt != nil && cu.LostByID != 0 {
			k := userDayKey{cu.LostByID, dayOf(*cu.LostAt, d.loc)}
			u := d.days[k]
			u.Lost += sign
			d.days[k] = u
		}
	}
	made := func(cu *Customer) userDayKey { return userDayKey{cu.CreatorID, dayOf(cu.CreatedAt, d.loc)} }
	if was != nil {
		count(was, -1)
		if now == nil || made(now) != made(was) || !now.CreatedAt.Equal(was.CreatedAt) {
			d.customerL[made(was)] = true
		}
	}
	if now != nil {
		count(now, 1)
		if was == nil || made(now) != made(was) || !now.CreatedAt.Equal(was.CreatedAt) {
			k := made(now)
			u := d.days[k]
			u.CustomerLast = later(u.CustomerLast, now.CreatedAt)
			d.days[k] = u
		}
	}
}

// follow counts a follow-up record made (sign 1) or deleted (sign -1).
func (d *userDeltas) follow(user uint64, at time.Time, sign int64) {
	k := userDayKey{user, dayOf(at, d.loc)}
	u := d.days[k]
	u.Follows += sign
	if sign > 0 {
		u.FollowLast = later(u.FollowLast, at)
	} else {
		d.followL[k] = true
	}
	d.days[k] = u
}

// opportunity counts an opportunity owned by owner, created at, in or out.
func (d *userDeltas) opportunity(owner uint64, created time.Time, sign int64) {
	k := userDayKey{owner, dayOf(created, d.loc)}
	u := d.days[k]
	u.Opportunities += sign
	d.days[k] = u
}

func byUserDay(a, b userDayKey) int {
	return cmp.Or(cmp.Compare(a.user, b.user), cmp.Compare(a.day, b.day))
}

// apply writes the deltas, in key order (concurrent writers lock the rows they
// share in one order), then recounts the latest times that went away. It runs
// after the records are written.
func (d *userDeltas) apply(tx *gorm.DB, tenantID uint64) error {
	var figures []UserFigure
	for _, user := range slices.Sorted(maps.Keys(d.owned)) {
		if d.owned[user] != 0 {
			figures = append(figures, UserFigure{TenantID: tenantID, UserID: user, Customers: d.owned[user]})
		}
	}
	if err := addUp(tx, &figures, []string{"tenant_id", "user_id"}, []string{"customers"}, nil); err != nil {
		return err
	}
	var days []UserDay
	months := map[userDayKey]UserTally{} // day: the month, "2006-01"
	for _, k := range slices.SortedFunc(maps.Keys(d.days), byUserDay) {
		if u := d.days[k]; u != (UserTally{}) {
			days = append(days, UserDay{TenantID: tenantID, UserID: k.user, Day: k.day, UserTally: u})
			m := months[userDayKey{k.user, k.day[:7]}]
			m.add(u)
			months[userDayKey{k.user, k.day[:7]}] = m
		}
	}
	var ms []UserMonth
	for _, k := range slices.SortedFunc(maps.Keys(months), byUserDay) {
		ms = append(ms, UserMonth{TenantID: tenantID, UserID: k.user, Month: k.day, UserTally: months[k]})
	}
	sums, latest := []string{"follows", "lost", "new_customers", "opportunities"}, []string{"follow_last", "customer_last"}
	if err := addUp(tx, &days, []string{"tenant_id", "user_id", "day"}, sums, latest); err != nil {
		return err
	}
	if err := addUp(tx, &ms, []string{"tenant_id", "user_id", "month"}, sums, latest); err != nil {
		return err
	}
	for _, r := range []struct {
		keys              map[userDayKey]bool
		column, from, who string
		at                string
	}{
		{d.customerL, "customer_last", "customers", "creator_id", "created_at"},
		{d.followL, "follow_last", "contact_histories", "user_id", "contacted_at"},
	} {
		latest := func(model any, period string, key userDayKey, from, to Date) error {
			err := tx.Model(model).Where("tenant_id = ? AND user_id = ? AND "+period+" = ?", tenantID, key.user, key.day).
				Update(r.column, gorm.Expr("(SELECT MAX("+r.at+") FROM "+r.from+" WHERE tenant_id = ? AND "+r.who+" = ? AND "+
					r.at+" >= ? AND "+r.at+" < ?)", tenantID, key.user, from.In(d.loc).UTC(), to.In(d.loc).UTC())).Error
			return storeError(err, "figures")
		}
		recounted := map[userDayKey]bool{}
		for _, k := range slices.SortedFunc(maps.Keys(r.keys), byUserDay) {
			day, err := ParseDate(k.day)
			if err != nil {
				return err
			}
			if err := latest(&UserDay{}, "day", k, day, day.AddDays(1)); err != nil {
				return err
			}
			m := Month{day.Year, day.Month}
			if month := (userDayKey{k.user, m.String()}); !recounted[month] {
				recounted[month] = true
				if err := latest(&UserMonth{}, "month", month, m.FirstDay(), m.Next().FirstDay()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// recountUserFigures builds every UserFigure, UserDay and UserMonth again from the
// customers, follow-ups and opportunities (RecountFigures).
func recountUserFigures(tx *gorm.DB) error {
	for _, m := range []any{&UserFigure{}, &UserDay{}, &UserMonth{}} {
		if err := tx.Where("1 = 1").Delete(m).Error; err != nil {
			return err
		}
	}
	var tenants []Tenant
	if err := tx.Select("id", "time_zone").Find(&tenants).Error; err != nil {
		return err
	}
	all := map[uint64]*userDeltas{}
	for _, t := range tenants {
		loc, err := time.LoadLocation(t.TimeZone)
		if err != nil {
			return err
		}
		all[t.ID] = newUserDeltas(loc)
	}
	rows, err := tx.Model(&Customer{}).Select("tenant_id, owner_id, creator_id, created_at, lost_by_id, lost_at").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cu Customer
		if err := rows.Scan(&cu.TenantID, &cu.OwnerID, &cu.CreatorID, &cu.CreatedAt, &cu.LostByID, &cu.LostAt); err != nil {
			return err
		}
		all[cu.TenantID].customer(nil, &cu)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Model(&ContactHistory{}).Select("tenant_id, user_id, contacted_at").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h ContactHistory
		if err := rows.Scan(&h.TenantID, &h.UserID, &h.ContactedAt); err != nil {
			return err
		}
		all[h.TenantID].follow(h.UserID, h.ContactedAt, 1)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Model(&Opportunity{}).Select("tenant_id, owner_id, created_at").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o Opportunity
		if err := rows.Scan(&o.TenantID, &o.OwnerID, &o.CreatedAt); err != nil {
			return err
		}
		all[o.TenantID].opportunity(o.OwnerID, o.CreatedAt, 1)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tenants {
		if err := all[t.ID].apply(tx, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// userFiguresMissing tells whether the store holds customers, follow-ups or
// opportunities but no UserMonth: each of those makes one (its user's, or
// user 0's), and rows are never deleted.
func userFiguresMissing(db *gorm.DB) (bool, error) {
	var months []uint64
	if err := db.Model(&UserMonth{}).Limit(1).Pluck("tenant_id", &months).Error; err != nil || len(months) > 0 {
		return false, err
	}
	for _, m := range []any{&Customer{}, &ContactHistory{}, &Opportunity{}} {
		var some []uint64
		if err := db.Model(m).Limit(1).Pluck("tenant_id", &some).Error; err != nil || len(some) > 0 {
			return len(some) > 0, err
		}
	}
	return false, nil
}
