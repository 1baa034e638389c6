package core

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Payment directions.
const (
	PaymentIn  = "in"  // 回款: received from the customer
	PaymentOut = "out" // 支出: paid out under the contract
)

// Payment is money that moved under a contract.
type Payment struct {
	ID         uint64 `gorm:"primaryKey;autoIncrement:false;not null;index:ix_payments_paid_id,priority:4"` // the tenant's own (ids.go)
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false;not null;index:ix_payments_contract,priority:1;index:ix_payments_paid_id,priority:1;index:ix_payments_owner,priority:1;index:ix_payments_plan,priority:1"`
	ContractID uint64 `gorm:"not null;index:ix_payments_contract,priority:2"`
	// OwnerID copies the contract's owner (UpdateContract keeps it in step), so
	// a user's payments in a month are one index range, whatever the data size.
	OwnerID   uint64 `gorm:"not null;default:0;index:ix_payments_owner,priority:2"`
	Direction string `gorm:"size:8;not null;index:ix_payments_contract,priority:3;index:ix_payments_paid_id,priority:2;index:ix_payments_owner,priority:3"`
	Amount    Money  `gorm:"not null;index:ix_payments_owner,priority:5"` // summed from the index alone
	PaidOn    Date   `gorm:"not null;index:ix_payments_paid_id,priority:3;index:ix_payments_owner,priority:4"`
	// PlanID is the instalment a payment in settles, 0 for none: a plan's
	// received sum is one index range.
	PlanID        uint64    `gorm:"not null;default:0;index:ix_payments_plan,priority:2"`
	PaymentTypeID uint64    `gorm:"not null;default:0"` // a payment_type dictionary code, 0 for none
	Remark        string    `gorm:"size:255;not null;default:''"`
	CreatedAt     time.Time `gorm:"not null"`
}

// PaymentPlan is an instalment expected from the customer.
type PaymentPlan struct {
	ID         uint64 `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false;not null;index:ix_payment_plans_contract,priority:1"`
	ContractID uint64 `gorm:"not null;index:ix_payment_plans_contract,priority:2"`
	// Stage numbers the contract's plans from 1 in the order they were made (第N期).
	Stage         int       `gorm:"not null;default:0"`
	Amount        Money     `gorm:"not null"`
	DueOn         Date      `gorm:"not null"`
	PaymentTypeID uint64    `gorm:"not null;default:0"` // how it is to be paid: a payment_type code, 0 for none
	Remark        string    `gorm:"size:255;not null;default:''"`
	CreatedAt     time.Time `gorm:"not null"`
}

// NewPayment is the input of AddPayment.
type NewPayment struct {
	ID            uint64    // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CreatedAt     time.Time // zero: now
	ContractID    uint64    `name:"contract_id" validate:"required"`
	Direction     string    `name:"direction" validate:"required,oneof=in out"`
	Amount        Money
	PaidOn        Date   // zero: today in the tenant's time zone
	PlanID        uint64 // a plan of the same contract, for a payment in; 0 for none
	PaymentTypeID uint64 // a payment_type dictionary code, 0 for none
	Remark        string `name:"remark" validate:"max=255"`
}

// AddPayment records money received or paid out under one of the tenant's
// contracts, in one transaction with the checks of what it names.
func (s *Service) AddPayment(ctx context.Context, c Caller, in NewPayment) (Payment, error) {
	proto, err := s.paymentRow(c, in)
	if err != nil {
		return Payment{}, err
	}
	var p Payment
	err = s.tx(ctx, func(tx *gorm.DB) error {
		p = proto // what the insert fills in starts again on each attempt
		// The contract is locked (on SQLite, the database is) until the payment
		// is written: its owner and department, which the payment and its
		// counter take, cannot change meanwhile.
		var k Contract
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("owner_id", "department_id").Where("id = ?", in.ContractID).Take(&k).Error; err != nil {
			return storeError(err, "contract")
		}
		if in.PlanID != 0 {
			var n int64
			if err := tx.Model(&PaymentPlan{}).Scopes(inTenant(c.TenantID)).Where("id = ? AND contract_id = ?", in.PlanID, in.ContractID).
				Count(&n).Error; err != nil {
				return storeError(err, "payment plan")
			}
			if n == 0 {
				return NotFoundf("payment plan", "contract %d has no payment plan %d", in.ContractID, in.PlanID)
			}
		}
		if err := paymentTypeExists(tx, c, in.PaymentTypeID); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &Payment{}, "payment", in.ID); err != nil {
			return err
		}
		p.OwnerID = k.OwnerID
		if err := tx.Create(&p).Error; err != nil {
			return storeError(err, "payment")
		}
		d := counterDeltas{}
		d.back(k, p, 1)
		return d.apply(tx, c.TenantID)
	})
	if err != nil {
		return Payment{}, err
	}
	return p, nil
}

// paymentRow checks in, as far as it can without the database, and makes the
// payment it describes (its owner is its contract's, read in the transaction).
func (s *Service) paymentRow(c Caller, in NewPayment) (Payment, error) {
	if err := s.check(in); err != nil {
		return Payment{}, err
	}
	if err := checkAmount(in.Amount, "a payment must be positive"); err != nil {
		return Payment{}, err
	}
	if in.PaidOn.IsZero() {
		in.PaidOn = DateOf(s.clock.Now().In(c.Location))
	}
	if in.PlanID != 0 && in.Direction != PaymentIn {
		return Payment{}, Invalidf(FieldDirection, "only a payment in settles a payment plan")
	}
	return Payment{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, ContractID: in.ContractID, Direction: in.Direction, Amount: in.Amount,
		PaidOn: in.PaidOn, PlanID: in.PlanID, PaymentTypeID: in.PaymentTypeID, Remark: in.Remark}, nil
}

// checkAmount refuses an amount that is not positive or not storable.
func checkAmount(m Money, notPositive string) error {
	if !m.IsPositive() {
		return Invalidf(FieldAmount, "%s", notPositive)
	}
	if err := m.check(); err != nil {
		return Invalidf(FieldAmount, "%s: %v", FieldAmount, err)
	}
	return nil
}

// paymentTypeExists checks that code, unless 0, is one of the tenant's payment types.
func paymentTypeExists(tx *gorm.DB, c Caller, code uint64) error {
	if code == 0 {
		return nil
	}
	var n int64
	if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", DictPaymentType, code).Count(&n).Error; err != nil {
		return storeError(err, DictPaymentType)
	}
	if n == 0 {
		return NotFoundf(DictPaymentType, "%s %d not found", DictPaymentType, code)
	}
	return nil
}

// NewPaymentPlan is the input of AddPaymentPlan.
type NewPaymentPlan struct {
	ID            uint64    // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CreatedAt     time.Time // zero: now
	ContractID    uint64    `name:"contract_id" validate:"required"`
	Amount        Money
	DueOn         Date   `name:"due_on"`
	PaymentTypeID uint64 // a payment_type dictionary code, 0 for none
	Remark        string `name:"remark" validate:"max=255"`
}

// AddPaymentPlan schedules an instalment expected under one of the tenant's
// contracts, numbered after the contract's other plans.
func (s *Service) AddPaymentPlan(ctx context.Context, c Caller, in NewPaymentPlan) (PaymentPlan, error) {
	if err := s.check(in); err != nil {
		return PaymentPlan{}, err
	}
	if err := checkAmount(in.Amount, "a planned payment must be positive"); err != nil {
		return PaymentPlan{}, err
	}
	if in.DueOn.IsZero() {
		return PaymentPlan{}, Invalidf(FieldDueOn, "%s is required", FieldDueOn)
	}
	proto := PaymentPlan{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, ContractID: in.ContractID, Amount: in.Amount, DueOn: in.DueOn,
		PaymentTypeID: in.PaymentTypeID, Remark: in.Remark}
	var p PaymentPlan
	err := s.tx(ctx, func(tx *gorm.DB) error {
		p = proto // what the insert fills in starts again on each attempt
		// The contract's lock orders concurrent plans of it, so no two draw one stage.
		var k Contract
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("id").Where("id = ?", in.ContractID).Take(&k).Error; err != nil {
			return storeError(err, "contract")
		}
		if err := paymentTypeExists(tx, c, in.PaymentTypeID); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &PaymentPlan{}, "payment plan", in.ID); err != nil {
			return err
		}
		if err := tx.Model(&PaymentPlan{}).Scopes(inTenant(c.TenantID)).Where("contract_id = ?", in.ContractID).
			Select("COALESCE(MAX(stage), 0) + 1").Scan(&p.Stage).Error; err != nil {
			return storeError(err, "payment plan")
		}
		return storeError(tx.Create(&p).Error, "payment plan")
	})
	if err != nil {
		return PaymentPlan{}, err
	}
	return p, nil
}

// Plan states: what a plan's due date and the payments that settle it make it.
const (
	PlanDone    = "done"    // paid up
	PlanUndone  = "undone"  // not paid up, not yet due
	PlanOverdue = "overdue" // not paid up, its due date past
)

// PaymentOn is what a payment or a plan is on: its contract, the contract's
// customer and owner.
type PaymentOn struct {
	ContractTitle   string
	ContractSN      string
	ContractStatus  string
	ContractAmount  Money
	CustomerID      uint64
	CustomerName    string
	ContractOwnerID uint64
	OwnerName       string // the contract owner's real name, else login name
}

// PlanItem is a payment plan with what has been received on it and its state.
type PlanItem struct {
	PaymentPlan
	PaymentOn
	Received Money // payments in that settle it
	Status   string
}

// Unreceived is what the plan still expects: never below zero.
func (p PlanItem) Unreceived() Money {
	if p.Received.GreaterThanOrEqual(p.Amount.Decimal) {
		return Money{}
	}
	return Money{p.Amount.Sub(p.Received.Decimal)}
}

// PlanQuery selects a page of payment plans.
type PlanQuery struct {
	ContractID uint64 // 0 for every contract of the tenant
	Page       int    // from 1
	PerPage    int
}

// PlanList is one page of plans and the count of all that match.
type PlanList struct {
	Items []PlanItem
	Total int64
}

// the SQL of what a payment or plan (alias x) is on: its contract k, customer cu, owner u.
const paymentOnColumns = `k.title AS contract_title, k.sn AS contract_sn, k.status AS contract_status,
  k.total_amount AS contract_amount, k.customer_id, cu.name AS customer_name, k.owner_id AS contract_owner_id,
  COALESCE(NULLIF(u.real_name, ''), u.name) AS owner_name`

func paymentOnJoins(db *gorm.DB, x string) *gorm.DB {
	return db.Joins("JOIN contracts k ON k.id = " + x + ".contract_id AND k.tenant_id = " + x + ".tenant_id").
		Joins("JOIN customers cu ON cu.id = k.customer_id AND cu.tenant_id = k.tenant_id").
		Joins("LEFT JOIN users u ON u.id = k.owner_id AND u.tenant_id = k.tenant_id")
}

// PaymentPlans pages through the tenant's payment plans, or one contract's,
// in due order, each with its received sum (SQL, for the page's rows only) and state.
func (s *Service) PaymentPlans(ctx context.Context, c Caller, q PlanQuery) (PlanList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return PlanList{}, err
	}
	if q.ContractID != 0 {
		if err := s.mustExist(ctx, c, &Contract{}, "contract", []uint64{q.ContractID}); err != nil {
			return PlanList{}, err
		}
	}
	base := s.db.WithContext(ctx).Table("payment_plans p").Where("p.tenant_id = ?", c.TenantID)
	if q.ContractID != 0 {
		base = base.Where("p.contract_id = ?", q.ContractID)
	}
	base = base.Session(&gorm.Session{})
	var out PlanList
	if err := base.Count(&out.Total).Error; err != nil {
		return PlanList{}, storeError(err, "payment plan")
	}
	err := s.planRows(paymentOnJoins(base, "p")).Order("p.due_on, p.id").
		Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&out.Items).Error
	if err != nil {
		return PlanList{}, storeError(err, "payment plan")
	}
	today := DateOf(s.clock.Now().In(c.Location))
	for i := range out.Items {
		out.Items[i].Status = planStatus(out.Items[i], today)
	}
	return out, nil
}

// planRows selects plans (alias p) with what they are on and their received sums.
func (s *Service) planRows(db *gorm.DB) *gorm.DB {
	return db.Select(`p.*, `+paymentOnColumns+`,
  (SELECT COALESCE(`+s.sumCents("r.amount")+`, 0) FROM payments r WHERE r.tenant_id = p.tenant_id
    AND r.plan_id = p.id AND r.direction = ?) AS received`, PaymentIn)
}

// planStatus is a plan's state on day today.
func planStatus(p PlanItem, today Date) string {
	switch {
	case p.Received.GreaterThanOrEqual(p.Amount.Decimal):
		return PlanDone
	case p.DueOn.Before(today):
		return PlanOverdue
	default:
		return PlanUndone
	}
}

// GetPaymentPlan reads one of the tenant's payment plans, with its received sum and state.
func (s *Service) GetPaymentPlan(ctx context.Context, c Caller, id uint64) (PlanItem, error) {
	var items []PlanItem
	err := s.planRows(paymentOnJoins(s.db.WithContext(ctx).Table("payment_plans p"), "p")).
		Where("p.tenant_id = ? AND p.id = ?", c.TenantID, id).Scan(&items).Error
	if err != nil {
		return PlanItem{}, storeError(err, "payment plan")
	}
	if len(items) == 0 {
		return PlanItem{}, NotFoundf("payment plan", "payment plan %d not found", id)
	}
	items[0].Status = planStatus(items[0], DateOf(s.clock.Now().In(c.Location)))
	return items[0], nil
}

// PaymentItem is a payment with what it is on.
type PaymentItem struct {
	Payment
	PaymentOn
	PlanStage int // the stage of the plan it settles, 0 for none
	// Period numbers the contract's payments of its direction from 1, oldest
	// payment date first.
	Period int
}

// PaymentQuery selects a page of payments.
type PaymentQuery struct {
	ContractID uint64 // 0 for every contract of the tenant
	Direction  string // PaymentIn or PaymentOut; "" for both
	Newest     bool   // newest payment date first; else oldest first
	Page       int    // from 1
	PerPage    int
}

// PaymentList is one page of payments and the count of all that match.
type PaymentList struct {
	Items []PaymentItem
	Total int64
}

// Payments pages through the tenant's payments, or one contract's.
func (s *Service) Payments(ctx context.Context, c Caller, q PaymentQuery) (PaymentList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return PaymentList{}, err
	}
	if q.Direction != "" && q.Direction != PaymentIn && q.Direction != PaymentOut {
		return PaymentList{}, Invalidf(FieldDirection, "unknown direction %q", Excerpt(q.Direction))
	}
	if q.ContractID != 0 {
		if err := s.mustExist(ctx, c, &Contract{}, "contract", []uint64{q.ContractID}); err != nil {
			return PaymentList{}, err
		}
	}
	base := s.db.WithContext(ctx).Table("payments p").Where("p.tenant_id = ?", c.TenantID)
	if q.ContractID != 0 {
		base = base.Where("p.contract_id = ?", q.ContractID)
	}
	if q.Direction != "" {
		base = base.Where("p.direction = ?", q.Direction)
	}
	base = base.Session(&gorm.Session{})
	var out PaymentList
	if err := base.Count(&out.Total).Error; err != nil {
		return PaymentList{}, storeError(err, "payment")
	}
	order := "p.paid_on, p.id"
	if q.Newest {
		order = "p.paid_on DESC, p.id DESC"
	}
	// The page's ids first, through the index alone, then their rows (as
	// ListContracts: joined and with their periods before the OFFSET, every
	// payment skipped cost as much as one shown).
	var ids []uint64
	if err := base.Order(order).Limit(q.PerPage).Offset((q.Page-1)*q.PerPage).Pluck("p.id", &ids).Error; err != nil {
		return PaymentList{}, storeError(err, "payment")
	}
	if len(ids) == 0 {
		return out, nil
	}
	err := paymentRows(paymentOnJoins(s.db.WithContext(ctx).Table("payments p"), "p")).
		Where("p.tenant_id = ? AND p.id IN ?", c.TenantID, ids).Order(order).Scan(&out.Items).Error
	return out, storeError(err, "payment")
}

// paymentRows selects payments (alias p) with what they are on, their plan's stage and their period.
func paymentRows(db *gorm.DB) *gorm.DB {
	return db.Select(`p.*, ` + paymentOnColumns + `,
  COALESCE((SELECT pl.stage FROM payment_plans pl WHERE pl.tenant_id = p.tenant_id AND pl.id = p.plan_id), 0) AS plan_stage,
  (SELECT COUNT(*) FROM payments q WHERE q.tenant_id = p.tenant_id AND q.contract_id = p.contract_id
    AND q.direction = p.direction AND (q.paid_on < p.paid_on OR (q.paid_on = p.paid_on AND q.id <= p.id))) AS period`)
}

// GetPayment reads one of the tenant's payments with what it is on.
func (s *Service) GetPayment(ctx context.Context, c Caller, id uint64) (PaymentItem, error) {
	var items []PaymentItem
	err := paymentRows(paymentOnJoins(s.db.WithContext(ctx).Table("payments p"), "p")).
		Where("p.tenant_id = ? AND p.id = ?", c.TenantID, id).Scan(&items).Error
	if err != nil {
		return PaymentItem{}, storeError(err, "payment")
	}
	if len(items) == 0 {
		return PaymentItem{}, NotFoundf("payment", "payment %d not found", id)
	}
	return items[0], nil
}
