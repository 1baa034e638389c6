package core

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// NewCustomer is the input of CreateCustomer.
type NewCustomer struct {
	Name       string `name:"name" validate:"required,max=255"`
	Tel        string `name:"tel" validate:"max=64"`
	Address    string `name:"address" validate:"max=255"`
	OwnerID    uint64 // 0: the caller
	IndustryID uint64
	SourceID   uint64
	ProgressID uint64
	CategoryID uint64
	StatusID   uint64
	CreatedAt  time.Time // zero: now
	// LostAt, when not zero, is when the owner lost the customer to the public
	// pool: it is created there, lost by its owner.
	LostAt time.Time
}

// CreateCustomer adds a customer owned by the caller or by in.OwnerID.
func (s *Service) CreateCustomer(ctx context.Context, c Caller, in NewCustomer) (Customer, error) {
	if err := s.check(in); err != nil {
		return Customer{}, err
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if err := s.mustExist(ctx, c, &User{}, "user", []uint64{in.OwnerID}); err != nil {
		return Customer{}, err
	}
	if !in.LostAt.IsZero() && in.LostAt.Before(in.CreatedAt) {
		return Customer{}, Invalidf("lost_at", "lost_at %s is before created_at %s", in.LostAt, in.CreatedAt)
	}
	cu := Customer{TenantID: c.TenantID, OwnerID: in.OwnerID, CreatorID: c.UserID, Name: in.Name, Tel: in.Tel, Address: in.Address,
		IndustryID: in.IndustryID, SourceID: in.SourceID, ProgressID: in.ProgressID, CategoryID: in.CategoryID,
		StatusID: in.StatusID, CreatedAt: in.CreatedAt}
	if !in.LostAt.IsZero() {
		lost := in.LostAt.UTC().Truncate(time.Second)
		cu.OwnerID, cu.IsPublic, cu.LostByID, cu.LostAt = 0, true, in.OwnerID, &lost
	}
	err := s.db.WithContext(ctx).Create(&cu).Error
	return cu, storeError(err, "customer")
}

// NewContact is the input of CreateContact.
type NewContact struct {
	CustomerID uint64 `name:"customer_id" validate:"required"`
	Name       string `name:"name" validate:"required,max=128"`
	Title      string `name:"title" validate:"max=128"`
	Phone      string `name:"phone" validate:"max=64"`
	Email      string `name:"email" validate:"max=255"`
	IsMain     bool
}

// CreateContact adds a contact person to one of the tenant's customers. A new
// main contact takes the mark from the customer's previous one.
func (s *Service) CreateContact(ctx context.Context, c Caller, in NewContact) (Contact, error) {
	if err := s.check(in); err != nil {
		return Contact{}, err
	}
	ct := Contact{TenantID: c.TenantID, CustomerID: in.CustomerID, Name: in.Name, Title: in.Title,
		Phone: in.Phone, Email: in.Email, IsMain: in.IsMain}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.mustExistTx(tx, c, &Customer{}, "customer", in.CustomerID); err != nil {
			return err
		}
		if in.IsMain {
			if err := clearMain(tx, c, in.CustomerID); err != nil {
				return err
			}
		}
		return storeError(tx.Create(&ct).Error, "contact")
	})
	return ct, err
}

// NewContactHistory is the input of AddContactHistory.
type NewContactHistory struct {
	CustomerID  uint64 `name:"customer_id" validate:"required"`
	ContactID   uint64
	TypeID      uint64
	RouteID     uint64
	Title       string    `name:"title" validate:"max=255"`
	Content     string    `name:"content"`
	ContactedAt time.Time // zero: now
}

// AddContactHistory records a follow-up the caller made with a customer.
func (s *Service) AddContactHistory(ctx context.Context, c Caller, in NewContactHistory) (ContactHistory, error) {
	if err := s.check(in); err != nil {
		return ContactHistory{}, err
	}
	if err := CheckTime("contacted_at", in.ContactedAt); err != nil {
		return ContactHistory{}, err
	}
	if err := s.checkContactOf(s.db.WithContext(ctx), c, in.CustomerID, in.ContactID); err != nil {
		return ContactHistory{}, err
	}
	if in.ContactedAt.IsZero() {
		in.ContactedAt = s.clock.Now()
	}
	h := ContactHistory{TenantID: c.TenantID, UserID: c.UserID, CustomerID: in.CustomerID, ContactID: in.ContactID,
		TypeID: in.TypeID, RouteID: in.RouteID, Title: in.Title, Content: in.Content,
		ContactedAt: in.ContactedAt.UTC().Truncate(time.Second)}
	return h, storeError(s.db.WithContext(ctx).Create(&h).Error, "contact history")
}

// mustExistTx checks inside a transaction that id names a row of model in the caller's tenant.
func (s *Service) mustExistTx(tx *gorm.DB, c Caller, model any, entity string, id uint64) error {
	var n int64
	if err := tx.Model(model).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Count(&n).Error; err != nil {
		return storeError(err, entity)
	}
	if n == 0 {
		return NotFoundf(entity, "%s %d not found", entity, id)
	}
	return nil
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
		return Payment{}, Invalidf("amount", "a payment must be positive")
	}
	if err := in.Amount.check(); err != nil {
		return Payment{}, Invalidf("amount", "amount: %v", err)
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
		return PaymentPlan{}, Invalidf("amount", "a planned payment must be positive")
	}
	if err := in.Amount.check(); err != nil {
		return PaymentPlan{}, Invalidf("amount", "amount: %v", err)
	}
	if in.DueOn.IsZero() {
		return PaymentPlan{}, Invalidf("due_on", "due_on is required")
	}
	if err := s.mustExist(ctx, c, &Contract{}, "contract", []uint64{in.ContractID}); err != nil {
		return PaymentPlan{}, err
	}
	p := PaymentPlan{TenantID: c.TenantID, ContractID: in.ContractID, Amount: in.Amount, DueOn: in.DueOn}
	return p, storeError(s.db.WithContext(ctx).Create(&p).Error, "payment plan")
}
