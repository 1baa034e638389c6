package core

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SetMonthlyTarget sets the caller's sales target for a month, replacing any earlier one.
func (s *Service) SetMonthlyTarget(ctx context.Context, c Caller, m Month, amount Money) error {
	return s.setMonthlyTarget(s.db.WithContext(ctx), c, m, amount)
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

// MonthFigures adds up the caller's month, in one query of three indexed aggregates.
func (s *Service) MonthFigures(ctx context.Context, c Caller, m Month) (MonthFigures, error) {
	return s.monthFigures(s.db.WithContext(ctx), c, m)
}

func (s *Service) monthFigures(db *gorm.DB, c Caller, m Month) (MonthFigures, error) {
	from, to := m.FirstDay(), m.Next().FirstDay()
	var deal, back, target sql.Null[Money]
	row := db.Raw(`SELECT
  (SELECT `+s.sumCents("total_amount")+` FROM contracts
    WHERE tenant_id = ? AND owner_id = ? AND sign_date >= ? AND sign_date < ?),
  (SELECT `+s.sumCents("amount")+` FROM payments
    WHERE tenant_id = ? AND owner_id = ? AND direction = ? AND paid_on >= ? AND paid_on < ?),
  (SELECT amount FROM monthly_targets WHERE tenant_id = ? AND user_id = ? AND month = ?)`,
		c.TenantID, c.UserID, from, to,
		c.TenantID, c.UserID, PaymentIn, from, to,
		c.TenantID, c.UserID, m.String()).Row()
	if err := row.Scan(&deal, &back, &target); err != nil {
		return MonthFigures{}, storeError(err, "figures")
	}
	return MonthFigures{Deal: nullMoney(deal), Back: nullMoney(back), Target: nullMoney(target)}, nil
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

// Bounds on what one request may ask for.
const (
	DefaultMaxPageSize = 1000    // rows in one page, unless configured otherwise
	MaxPage            = 1000000 // page number: keeps page × size far from overflow
	MaxIDs             = 1000    // ids in one list ("12,15,…")
)

// MaxPageSize is the most rows one page may hold.
func (s *Service) MaxPageSize() int { return s.maxPage }

// checkPage rejects a page number (from first) and size out of bounds.
func (s *Service) checkPage(page, first, size int, sizeField Field) error {
	if page < first || page > MaxPage {
		return Invalidf(FieldPage, "%s must be between %d and %d", FieldPage, first, MaxPage)
	}
	if size < 1 || size > s.maxPage {
		return Invalidf(sizeField, "%s must be between 1 and %d", sizeField, s.maxPage)
	}
	return nil
}

// checkIDs rejects an empty or too long id list.
func checkIDs(field Field, ids []uint64) error {
	if len(ids) == 0 {
		return Invalidf(field, "no ids")
	}
	if len(ids) > MaxIDs {
		return Invalidf(field, "more than %d ids", MaxIDs)
	}
	return nil
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
	case ScopeCompany:
	default:
		return ContractPage{}, Invalidf(FieldScope, "unknown scope %d", q.Scope)
	}
	base = base.Session(&gorm.Session{}) // the conditions, safe to reuse for the count and the page
	var page ContractPage
	if err := base.Count(&page.Total).Error; err != nil {
		return ContractPage{}, storeError(err, "contract")
	}
	sum := func(direction string) string {
		return "(SELECT COALESCE(" + s.sumCents("p.amount") + ", 0) FROM payments p WHERE p.tenant_id = contracts.tenant_id" +
			" AND p.contract_id = contracts.id AND p.direction = '" + direction + "')"
	}
	err := base.Select("id, title, total_amount AS amount, status, " +
		sum(PaymentIn) + " AS received, " + sum(PaymentOut) + " AS paid_out").
		Order("sign_date, id").Limit(q.Size).Offset(q.Page * q.Size).Scan(&page.Items).Error
	return page, storeError(err, "contract")
}

// mustExist checks that every id names a row of model in the caller's tenant.
func (s *Service) mustExist(ctx context.Context, c Caller, model any, entity string, ids []uint64) error {
	var n int64
	err := s.db.WithContext(ctx).Model(model).Scopes(inTenant(c.TenantID)).Where("id IN ?", ids).Count(&n).Error
	if err != nil {
		return storeError(err, entity)
	}
	if int(n) != len(uniq(ids)) {
		return NotFoundf(entity, "%s %v not found", entity, ids)
	}
	return nil
}

func uniq(ids []uint64) map[uint64]struct{} {
	m := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}
