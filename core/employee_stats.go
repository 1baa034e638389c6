package core

import (
	"context"
	"fmt"
	"strings"
	"time"
)

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

	users, userArgs := "users u WHERE u.tenant_id = ?", []any{c.TenantID}
	if q.Name != "" {
		like, err := containsPattern(FieldName, q.Name)
		if err != nil {
			return EmployeeStats{}, err
		}
		users += " AND (u.real_name LIKE ? ESCAPE '!' OR u.name LIKE ? ESCAPE '!')"
		userArgs = append(userArgs, like, like)
	}
	if q.DepartmentID != 0 {
		users += " AND u.department_id = ?"
		userArgs = append(userArgs, q.DepartmentID)
	}
	if err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM "+users, userArgs...).Scan(&out.Total).Error; err != nil {
		return EmployeeStats{}, storeError(err, "employee statistics")
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

// sqlTime scans an aggregate of a timestamp column: MySQL gives a time,
// SQLite the stored text (UTC). NULL leaves it nil.
type sqlTime struct{ t *time.Time }

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
