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
	ID         uint64 `gorm:"primaryKey"`
	TenantID   uint64 `gorm:"not null;index:ix_payments_contract,priority:1;index:ix_payments_paid,priority:1;index:ix_payments_owner,priority:1"`
	ContractID uint64 `gorm:"not null;index:ix_payments_contract,priority:2"`
	// OwnerID copies the contract's owner (UpdateContract keeps it in step), so
	// a user's payments in a month are one index range, whatever the data size.
	OwnerID   uint64    `gorm:"not null;default:0;index:ix_payments_owner,priority:2"`
	Direction string    `gorm:"size:8;not null;index:ix_payments_contract,priority:3;index:ix_payments_paid,priority:2;index:ix_payments_owner,priority:3"`
	Amount    Money     `gorm:"not null;index:ix_payments_owner,priority:5"` // summed from the index alone
	PaidOn    Date      `gorm:"not null;index:ix_payments_paid,priority:3;index:ix_payments_owner,priority:4"`
	CreatedAt time.Time `gorm:"not null"`
}

// PaymentPlan is an instalment expected from the customer.
type PaymentPlan struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_payment_plans_contract,priority:1"`
	ContractID uint64    `gorm:"not null;index:ix_payment_plans_contract,priority:2"`
	Amount     Money     `gorm:"not null"`
	DueOn      Date      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// NewPayment is the input of AddPayment.
type NewPayment struct {
	ContractID uint64 `name:"contract_id" validate:"required"`
	Direction  string `name:"direction" validate:"required,oneof=in out"`
	Amount     Money
	PaidOn     Date // zero: today in the tenant's time zone
}

// AddPayment records money received or paid out under one of the tenant's contracts.
func (s *Service) AddPayment(ctx context.Context, c Caller, in NewPayment) (Payment, error) {
	if err := s.check(in); err != nil {
		return Payment{}, err
	}
	if !in.Amount.IsPositive() {
		return Payment{}, Invalidf(FieldAmount, "a payment must be positive")
	}
	if err := in.Amount.check(); err != nil {
		return Payment{}, Invalidf(FieldAmount, "%s: %v", FieldAmount, err)
	}
	if in.PaidOn.IsZero() {
		in.PaidOn = DateOf(s.clock.Now().In(c.Location))
	}
	p := Payment{TenantID: c.TenantID, ContractID: in.ContractID, Direction: in.Direction, Amount: in.Amount, PaidOn: in.PaidOn}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var k Contract
		if err := tx.Scopes(inTenant(c.TenantID)).Select("owner_id").Where("id = ?", in.ContractID).Take(&k).Error; err != nil {
			return storeError(err, "contract")
		}
		p.OwnerID = k.OwnerID
		if err := tx.Create(&p).Error; err != nil {
			return storeError(err, "payment")
		}
		// Read the owner again in the write itself: on MySQL that read locks the
		// contract row, so an owner change committed meanwhile is not missed.
		return storeError(tx.Exec(`UPDATE payments SET owner_id = COALESCE((SELECT k.owner_id FROM contracts k
  WHERE k.id = ? AND k.tenant_id = ?), owner_id) WHERE id = ?`, in.ContractID, c.TenantID, p.ID).Error, "payment")
	})
	if err != nil {
		return Payment{}, err
	}
	return p, nil
}

// NewPaymentPlan is the input of AddPaymentPlan.
type NewPaymentPlan struct {
	ContractID uint64 `name:"contract_id" validate:"required"`
	Amount     Money
	DueOn      Date `name:"due_on"`
}

// AddPaymentPlan schedules an instalment expected under one of the tenant's contracts.
func (s *Service) AddPaymentPlan(ctx context.Context, c Caller, in NewPaymentPlan) (PaymentPlan, error) {
	if err := s.check(in); err != nil {
		return PaymentPlan{}, err
	}
	if !in.Amount.IsPositive() {
		return PaymentPlan{}, Invalidf(FieldAmount, "a planned payment must be positive")
	}
	if err := in.Amount.check(); err != nil {
		return PaymentPlan{}, Invalidf(FieldAmount, "%s: %v", FieldAmount, err)
	}
	if in.DueOn.IsZero() {
		return PaymentPlan{}, Invalidf(FieldDueOn, "%s is required", FieldDueOn)
	}
	if err := s.mustExist(ctx, c, &Contract{}, "contract", []uint64{in.ContractID}); err != nil {
		return PaymentPlan{}, err
	}
	p := PaymentPlan{TenantID: c.TenantID, ContractID: in.ContractID, Amount: in.Amount, DueOn: in.DueOn}
	return p, storeError(s.db.WithContext(ctx).Create(&p).Error, "payment plan")
}
