package core

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MonthlyTarget is a user's sales target for one month.
type MonthlyTarget struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;uniqueIndex:ux_targets_month,priority:1"`
	UserID    uint64    `gorm:"not null;uniqueIndex:ux_targets_month,priority:2"`
	Month     string    `gorm:"size:7;not null;uniqueIndex:ux_targets_month,priority:3"` // "2006-01"
	Amount    Money     `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// SetMonthlyTarget sets the caller's sales target for a month, replacing any earlier one.
func (s *Service) SetMonthlyTarget(ctx context.Context, c Caller, m Month, amount Money) error {
	return s.setMonthlyTarget(s.db.WithContext(ctx), c, m, amount)
}

// PutMonthlyTarget sets the caller's target for a month as SetMonthlyTarget
// does, telling whether it changed anything (false: it was that already),
// which an import counts.
func (s *Service) PutMonthlyTarget(ctx context.Context, c Caller, m Month, amount Money) (changed bool, _ error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		changed = false // as on the first attempt
		var have []MonthlyTarget
		if err := tx.Scopes(inTenant(c.TenantID)).Where("user_id = ? AND month = ?", c.UserID, m.String()).Limit(1).Find(&have).Error; err != nil {
			return storeError(err, "target")
		}
		if len(have) > 0 && have[0].Amount.Equal(amount.Decimal) {
			return nil
		}
		changed = true
		return s.setMonthlyTarget(tx, c, m, amount)
	})
	return changed && err == nil, err
}

// PlanMonth sets the caller's target for m and answers the figures of the
// current month, in one transaction: if the figures cannot be had, the target
// is not kept either.
func (s *Service) PlanMonth(ctx context.Context, c Caller, m Month, amount Money) (MonthFigures, error) {
	var f MonthFigures
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.setMonthlyTarget(tx, c, m, amount); err != nil {
			return err
		}
		var err error
		f, err = s.monthFigures(tx, c, s.CurrentMonth(c))
		return err
	})
	return f, err
}

func (s *Service) setMonthlyTarget(db *gorm.DB, c Caller, m Month, amount Money) error {
	if amount.IsNegative() {
		return Invalidf(FieldAmount, "a target cannot be negative")
	}
	if err := amount.check(); err != nil {
		return Invalidf(FieldAmount, "%v", err)
	}
	t := MonthlyTarget{TenantID: c.TenantID, UserID: c.UserID, Month: m.String(), Amount: amount}
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "user_id"}, {Name: "month"}},
		DoUpdates: clause.AssignmentColumns([]string{"amount", "updated_at"}),
	}).Create(&t).Error
	return storeError(err, "target")
}

// MonthFigures are one user's figures for one month. A nil figure means there
// was nothing to add up (no contract, no payment, no target), which some
// dialects show differently from zero.
type MonthFigures struct {
	Deal   *Money // total amount of the user's contracts signed in the month
	Back   *Money // payments received in the month on the user's contracts
	Target *Money // the user's target for the month
}

// MonthFigures adds up the caller's month from its counters: a few rows,
// however many contracts and payments the month holds.
func (s *Service) MonthFigures(ctx context.Context, c Caller, m Month) (MonthFigures, error) {
	return s.monthFigures(s.db.WithContext(ctx), c, m)
}

func (s *Service) monthFigures(db *gorm.DB, c Caller, m Month) (MonthFigures, error) {
	var sums monthSums
	var target sql.Null[Money]
	row := db.Raw(`SELECT `+sumsOfCounters+`,
  (SELECT amount FROM monthly_targets WHERE tenant_id = ? AND user_id = ? AND month = ?)
FROM month_counters WHERE tenant_id = ? AND month = ? AND owner_id = ?`,
		c.TenantID, c.UserID, m.String(), c.TenantID, m.String(), c.UserID).Row()
	if err := row.Scan(&sums.Deals, &sums.DealHi, &sums.DealLo, &sums.Backs, &sums.BackHi, &sums.BackLo, &target); err != nil {
		return MonthFigures{}, storeError(err, "figures")
	}
	return MonthFigures{Deal: sums.deal(), Back: sums.back(), Target: nullMoney(target)}, nil
}

func nullMoney(n sql.Null[Money]) *Money {
	if !n.Valid {
		return nil
	}
	return &n.V
}

// Scope says whose contracts a count covers.
type Scope int

// Scopes of ContractFigures.
const (
	ScopeUsers      Scope = iota // the users in IDs (the caller when empty)
	ScopeDepartment              // the department in IDs (the caller's when empty)
	ScopeCompany                 // the whole tenant
)

// ContractQuery selects contracts signed in a month, a page at a time.
type ContractQuery struct {
	Month Month
	Scope Scope
	IDs   []uint64
	Page  int // 0-based
	Size  int
}

// ContractFigure is one contract with its money so far.
type ContractFigure struct {
	ID       uint64
	Title    string
	Amount   Money
	Received Money // payments in
	PaidOut  Money // payments out
	Status   string
}

// ContractPage is one page of figures and the count of all matching contracts.
type ContractPage struct {
	Items []ContractFigure
	Total int64
}

// ContractFigures lists the contracts signed in q.Month by the scope's users,
// department or whole tenant, oldest sign date first, with received and paid-out
// sums computed by SQL for the page's rows only.
func (s *Service) ContractFigures(ctx context.Context, c Caller, q ContractQuery) (ContractPage, error) {
	if err := s.checkPage(q.Page, 0, q.Size, FieldSize); err != nil {
		return ContractPage{}, err
	}
	if len(q.IDs) > MaxIDs {
		return ContractPage{}, Invalidf(FieldIDs, "more than %d ids", MaxIDs)
	}
	db := s.db.WithContext(ctx)
	base := db.Model(&Contract{}).Scopes(inTenant(c.TenantID)).
		Where("sign_date >= ? AND sign_date < ?", q.Month.FirstDay(), q.Month.Next().FirstDay())
	// The same conditions on the month's counters, which give the total.
	var counted string
	var countedArgs []any
	switch q.Scope {
	case ScopeUsers:
		ids := q.IDs
		if len(ids) == 0 {
			ids = []uint64{c.UserID}
		}
		if err := s.mustExist(ctx, c, &User{}, "user", ids); err != nil {
			return ContractPage{}, err
		}
		base = base.Where("owner_id IN ?", ids)
		counted, countedArgs = "owner_id IN ?", []any{ids}
	case ScopeDepartment:
		ids := q.IDs
		if len(ids) == 0 {
			ids = []uint64{c.DepartmentID}
		}
		if len(ids) != 1 {
			return ContractPage{}, Invalidf(FieldIDs, "a department count takes one department id")
		}
		if err := s.mustExist(ctx, c, &Department{}, "department", ids); err != nil {
			return ContractPage{}, err
		}
		base = base.Where("department_id = ?", ids[0])
		counted, countedArgs = "department_id = ?", []any{ids[0]}
	case ScopeCompany:
	default:
		return ContractPage{}, Invalidf(FieldScope, "unknown scope %d", q.Scope)
	}
	sums, err := sumCounters(db, c.TenantID, q.Month, counted, countedArgs...)
	if err != nil {
		return ContractPage{}, err
	}
	page := ContractPage{Total: sums.Deals.Int64}
	sum := func(direction string) string {
		return "(SELECT COALESCE(" + s.sumCents("p.amount") + ", 0) FROM payments p WHERE p.tenant_id = contracts.tenant_id" +
			" AND p.contract_id = contracts.id AND p.direction = '" + direction + "')"
	}
	err = base.Select("id, title, total_amount AS amount, status, " +
		sum(PaymentIn) + " AS received, " + sum(PaymentOut) + " AS paid_out").
		Order("sign_date, id").Limit(q.Size).Offset(q.Page * q.Size).Scan(&page.Items).Error
	return page, storeError(err, "contract")
}

// EmployeeStatsQuery selects the employees and the customers their figures count.
type EmployeeStatsQuery struct {
	Name         string // part of the employee's name
	DepartmentID uint64 // 0 for all; else a department of the tenant
	// The customers counted (and the follow-ups and opportunities on them): 0 for any.
	IndustryID, SourceID, ProgressID, TagID uint64
	// The days whose follow-ups, lost, new and last customers and opportunities
	// count, in the tenant's time zone, both included; zero for no bound.
	From, To Date
	Page     int // from 1
	PerPage  int
}

// EmployeeStat is one employee's figures.
type EmployeeStat struct {
	UserID            uint64
	Name              string
	FollowCount       int64      // follow-up records made in the range
	LoseCustomerCount int64      // customers the employee lost to the public pool in the range
	CustomerCount     int64      // customers owned now (the range does not apply)
	NewCustomerCount  int64      // customers owned now that were created in the range
	OpportunityCount  int64      // opportunities owned, created in the range
	CustomerLast      *time.Time // the latest customer the employee created in the range
	FollowLast        *time.Time // the latest follow-up in the range
}

// EmployeeStats is a page of employees, most customers first, then by id.
type EmployeeStats struct {
	Items         []EmployeeStat
	Total         int64
	Opportunities bool // the tenant uses opportunities
}

// EmployeeStats computes the employees' figures for one page, in one query of
// indexed aggregates (and one count of the employees).
func (s *Service) EmployeeStats(ctx context.Context, c Caller, q EmployeeStatsQuery) (EmployeeStats, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return EmployeeStats{}, err
	}
	for _, d := range []struct {
		field Field
		day   Date
	}{{FieldFrom, q.From}, {FieldTo, q.To}} {
		if err := CheckDate(d.field, d.day); err != nil {
			return EmployeeStats{}, err
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return EmployeeStats{}, Invalidf(FieldTo, "the range ends (%s) before it starts (%s)", q.To, q.From)
	}
	if q.DepartmentID != 0 {
		if err := s.mustExist(ctx, c, &Department{}, "department", []uint64{q.DepartmentID}); err != nil {
			return EmployeeStats{}, err
		}
	}
	var t Tenant
	if err := s.db.WithContext(ctx).Select("opportunities").Where("id = ?", c.TenantID).Take(&t).Error; err != nil {
		return EmployeeStats{}, storeError(err, "tenant")
	}
	out := EmployeeStats{Opportunities: t.Opportunities}

	userWhere, userArgs := "u.tenant_id = ?", []any{c.TenantID}
	if q.Name != "" {
		like, err := containsPattern(FieldName, q.Name)
		if err != nil {
			return EmployeeStats{}, err
		}
		userWhere += " AND (u.real_name LIKE ? ESCAPE '!' OR u.name LIKE ? ESCAPE '!')"
		userArgs = append(userArgs, like, like)
	}
	if q.DepartmentID != 0 {
		userWhere += " AND u.department_id = ?"
		userArgs = append(userArgs, q.DepartmentID)
	}
	users := "users u WHERE " + userWhere
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM "+users, userArgs...).Scan(&out.Total).Error
	if err != nil {
		return EmployeeStats{}, storeError(err, "employee statistics")
	}

	if q.IndustryID == 0 && q.SourceID == 0 && q.ProgressID == 0 && q.TagID == 0 {
		out.Items, err = s.employeeFigures(ctx, c, q, userWhere, userArgs)
		return out, err
	}
	// Conditions on the customers counted (alias cu), and on a time column in the range.
	custSQL, custArgs := "", []any{}
	for _, f := range []struct {
		column string
		id     uint64
	}{{"industry_id", q.IndustryID}, {"source_id", q.SourceID}, {"progress_id", q.ProgressID}} {
		if f.id != 0 {
			custSQL += " AND cu." + f.column + " = ?"
			custArgs = append(custArgs, f.id)
		}
	}
	if q.TagID != 0 {
		custSQL += " AND EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.tenant_id = cu.tenant_id AND ct.customer_id = cu.id AND ct.tag_id = ?)"
		custArgs = append(custArgs, q.TagID)
	}
	inRange := func(column string) (string, []any) {
		sql, args := "", []any{}
		if !q.From.IsZero() {
			sql += " AND " + column + " >= ?"
			args = append(args, q.From.In(c.Location).UTC())
		}
		if !q.To.IsZero() {
			sql += " AND " + column + " < ?"
			args = append(args, q.To.AddDays(1).In(c.Location).UTC())
		}
		return sql, args
	}
	// onCustomers joins the customer of a row (alias x) when the customers are filtered.
	onCustomers := func(x string) string {
		if custSQL == "" {
			return ""
		}
		return " JOIN customers cu ON cu.id = " + x + ".customer_id AND cu.tenant_id = " + x + ".tenant_id"
	}
	var sql strings.Builder
	var args []any
	add := func(fragment string, a ...any) {
		sql.WriteString(fragment)
		args = append(args, a...)
	}
	histRange, histArgs := inRange("h.contacted_at")
	lostRange, lostArgs := inRange("cu.lost_at")
	newRange, newArgs := inRange("cu.created_at")
	oppRange, oppArgs := inRange("o.created_at")
	histFrom := "FROM contact_histories h" + onCustomers("h") + " WHERE h.tenant_id = ? AND h.user_id = p.id" + histRange + custSQL
	histWhere := append(append([]any{c.TenantID}, histArgs...), custArgs...)
	add("SELECT p.id AS user_id, p.name, p.customer_count,\n (SELECT COUNT(*) "+histFrom+") AS follow_count,", histWhere...)
	add("\n (SELECT MAX(h.contacted_at) "+histFrom+") AS follow_last,", histWhere...)
	add("\n (SELECT COUNT(*) FROM customers cu WHERE cu.tenant_id = ? AND cu.lost_by_id = p.id AND cu.lost_at IS NOT NULL"+lostRange+custSQL+") AS lose_customer_count,",
		append(append([]any{c.TenantID}, lostArgs...), custArgs...)...)
	if newRange == "" { // every customer owned is new when there is no range: counted once already
		add("\n p.customer_count AS new_customer_count,")
	} else {
		add("\n (SELECT COUNT(*) FROM customers cu WHERE cu.tenant_id = ? AND cu.owner_id = p.id"+newRange+custSQL+") AS new_customer_count,",
			append(append([]any{c.TenantID}, newArgs...), custArgs...)...)
	}
	add("\n (SELECT MAX(cu.created_at) FROM customers cu WHERE cu.tenant_id = ? AND cu.creator_id = p.id"+newRange+custSQL+") AS customer_last,",
		append(append([]any{c.TenantID}, newArgs...), custArgs...)...)
	add("\n (SELECT COUNT(*) FROM opportunities o"+onCustomers("o")+" WHERE o.tenant_id = ? AND o.owner_id = p.id"+oppRange+custSQL+") AS opportunity_count",
		append(append([]any{c.TenantID}, oppArgs...), custArgs...)...)
	// The page of employees is chosen first, so the figures are computed for its rows only.
	add("\nFROM (SELECT u.id, COALESCE(NULLIF(u.real_name, ''), u.name) AS name,"+
		"\n  (SELECT COUNT(*) FROM customers cu WHERE cu.tenant_id = u.tenant_id AND cu.owner_id = u.id"+custSQL+") AS customer_count",
		custArgs...)
	add("\n FROM "+users+"\n ORDER BY customer_count DESC, u.id LIMIT ? OFFSET ?) p", append(userArgs, q.PerPage, (q.Page-1)*q.PerPage)...)
	sql.WriteString("\nORDER BY p.customer_count DESC, p.id")

	rows, err := s.db.WithContext(ctx).Raw(sql.String(), args...).Rows()
	if err != nil {
		return EmployeeStats{}, storeError(err, "employee statistics")
	}
	defer rows.Close()
	for rows.Next() {
		var e EmployeeStat
		var customerLast, followLast sqlTime
		if err := rows.Scan(&e.UserID, &e.Name, &e.CustomerCount, &e.FollowCount, &followLast, &e.LoseCustomerCount,
			&e.NewCustomerCount, &customerLast, &e.OpportunityCount); err != nil {
			return EmployeeStats{}, storeError(err, "employee statistics")
		}
		e.CustomerLast, e.FollowLast = customerLast.t, followLast.t
		out.Items = append(out.Items, e)
	}
	return out, storeError(rows.Err(), "employee statistics")
}

// employeeFigures is EmployeeStats's page when no filter names the customers
// counted: read from the employees' UserFigure, UserMonth and UserDay rows, the
// whole months of the range from the months and the days at its ends from the
// days, a few dozen rows per employee whatever the number of records.
func (s *Service) employeeFigures(ctx context.Context, c Caller, q EmployeeStatsQuery, userWhere string, userArgs []any) ([]EmployeeStat, error) {
	db := s.db.WithContext(ctx)
	var page []EmployeeStat
	err := db.Raw("SELECT u.id AS user_id, COALESCE(NULLIF(u.real_name, ''), u.name) AS name, COALESCE(f.customers, 0) AS customer_count"+
		" FROM users u LEFT JOIN user_figures f ON f.tenant_id = u.tenant_id AND f.user_id = u.id WHERE "+userWhere+
		" ORDER BY customer_count DESC, u.id LIMIT ? OFFSET ?", slices.Concat(userArgs, []any{q.PerPage, (q.Page - 1) * q.PerPage})...).
		Scan(&page).Error
	if err != nil || len(page) == 0 {
		return page, storeError(err, "employee statistics")
	}
	ids := make([]uint64, len(page))
	for i, e := range page {
		ids[i] = e.UserID
	}
	const tally = "user_id, follows, follow_last, lost, new_customers, customer_last, opportunities"
	var parts []string
	var args []any
	months, days := periodsOf(q.From, q.To)
	if months.whole {
		part, a := "SELECT "+tally+" FROM user_months WHERE tenant_id = ? AND user_id IN ?", []any{c.TenantID, ids}
		if months.from != "" {
			part, a = part+" AND month >= ?", append(a, months.from)
		}
		if months.to != "" {
			part, a = part+" AND month <= ?", append(a, months.to)
		}
		parts, args = append(parts, part), append(args, a...)
	}
	for _, d := range days {
		parts = append(parts, "SELECT "+tally+" FROM user_days WHERE tenant_id = ? AND user_id IN ? AND day >= ? AND day <= ?")
		args = append(args, c.TenantID, ids, d[0], d[1])
	}
	byUser := map[uint64]*EmployeeStat{}
	for i := range page {
		byUser[page[i].UserID] = &page[i]
	}
	if len(parts) == 0 {
		return page, nil
	}
	rows, err := db.Raw("SELECT user_id, SUM(follows), MAX(follow_last), SUM(lost), SUM(new_customers), MAX(customer_last), SUM(opportunities)"+
		" FROM ("+strings.Join(parts, " UNION ALL ")+") t GROUP BY user_id", args...).Rows()
	if err != nil {
		return nil, storeError(err, "employee statistics")
	}
	defer rows.Close()
	for rows.Next() {
		var user uint64
		var t EmployeeStat
		var customerLast, followLast sqlTime
		if err := rows.Scan(&user, &t.FollowCount, &followLast, &t.LoseCustomerCount, &t.NewCustomerCount, &customerLast, &t.OpportunityCount); err != nil {
			return nil, storeError(err, "employee statistics")
		}
		e := byUser[user]
		e.FollowCount, e.LoseCustomerCount, e.NewCustomerCount, e.OpportunityCount = t.FollowCount, t.LoseCustomerCount, t.NewCustomerCount, t.OpportunityCount
		e.CustomerLast, e.FollowLast = customerLast.t, followLast.t
	}
	return page, storeError(rows.Err(), "employee statistics")
}

// monthSpan is the whole months of a range of days: from and to ("2006-01",
// both included; "" for no bound), when whole says there are any.
type monthSpan struct {
	whole    bool
	from, to string
}

// periodsOf splits the days from … to (zero: no bound) into the whole months
// they hold and the ranges of days ("2006-01-02", both included) before and
// after those, or all of them when they hold no whole month.
func periodsOf(from, to Date) (monthSpan, [][2]string) {
	first, last := Month{}, Month{} // the first and last whole month; zero: unbounded
	if !from.IsZero() {
		first = Month{from.Year, from.Month}
		if from.Day != 1 {
			first = first.Next()
		}
	}
	if !to.IsZero() {
		last = Month{to.Year, to.Month}
		if to.AddDays(1).Day != 1 {
			last = last.Previous()
		}
	}
	bounded := func(m Month) bool { return m != Month{} }
	if bounded(first) && bounded(last) && last.FirstDay().Before(first.FirstDay()) {
		return monthSpan{}, [][2]string{{from.String(), to.String()}}
	}
	span := monthSpan{whole: true}
	var days [][2]string
	if bounded(first) {
		span.from = first.String()
		if first.FirstDay() != from {
			days = append(days, [2]string{from.String(), first.FirstDay().AddDays(-1).String()})
		}
	}
	if bounded(last) {
		span.to = last.String()
		if end := last.Next().FirstDay().AddDays(-1); end != to {
			days = append(days, [2]string{end.AddDays(1).String(), to.String()})
		}
	}
	return span, days
}

// sqlTime scans an aggregate of a timestamp column: MySQL gives a time,
// SQLite the stored text (UTC). NULL leaves it nil.
type sqlTime struct{ t *time.Time }

// Value makes sqlTime a column type gorm scans into; it is never written.
func (s sqlTime) Value() (driver.Value, error) {
	if s.t == nil {
		return nil, nil
	}
	return *s.t, nil
}

func (s *sqlTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		s.t = &v
		return nil
	case []byte:
		return s.Scan(string(v))
	case string:
		for _, layout := range []string{time.DateTime, "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
				s.t = &t
				return nil
			}
		}
		return fmt.Errorf("time: cannot read %q", v)
	default:
		return fmt.Errorf("time: cannot scan %T", v)
	}
}
