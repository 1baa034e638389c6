package core

import (
	"context"
	"encoding/json"
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
	cu := Customer{TenantID: c.TenantID, OwnerID: in.OwnerID, Name: in.Name, Tel: in.Tel, Address: in.Address,
		IndustryID: in.IndustryID, SourceID: in.SourceID, ProgressID: in.ProgressID, CategoryID: in.CategoryID,
		StatusID: in.StatusID, CreatedAt: in.CreatedAt}
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

// NewContract is the input of CreateContract.
type NewContract struct {
	Title          string `name:"title" validate:"required,max=255"`
	SN             string `name:"sn" validate:"required,max=64"` // unique in the tenant
	CustomerID     uint64 `name:"customer_id" validate:"required"`
	OwnerID        uint64 // 0: the caller
	DepartmentID   uint64 // 0: the owner's department
	OpportunityID  uint64
	TotalAmount    Money
	SignDate       Date   // zero: today in the tenant's time zone
	StartDate      Date   `name:"start_at"`
	EndDate        Date   `name:"end_at"`
	Status         string `name:"status" validate:"omitempty,oneof=executing finished terminated"`
	ApproveStatus  string `name:"approve_status" validate:"omitempty,oneof=applying approved"`
	CategoryID     uint64
	PaymentTypeID  uint64
	CustomerSigner string `name:"customer_signer" validate:"max=128"`
	OurSigner      string `name:"our_signer" validate:"max=128"`
	SpecialTerms   string
	CustomFields   map[string]any
	Lines          []NewContractLine `validate:"dive"`
}

// NewContractLine is one product line of a NewContract.
type NewContractLine struct {
	ProductID   uint64
	ProductName string `name:"product_name" validate:"max=255"`
	ProductNo   string `name:"product_no" validate:"max=64"`
	Quantity    int64  `name:"quantity" validate:"gte=0"`
	UnitPrice   Money
	SaleUnit    string `name:"sale_unit" validate:"max=32"`
	Spec        string `name:"spec" validate:"max=255"`
	Remark      string `name:"remark" validate:"max=255"`
}

// CreateContract adds a contract and its lines in one transaction.
func (s *Service) CreateContract(ctx context.Context, c Caller, in NewContract) (Contract, error) {
	if err := s.check(in); err != nil {
		return Contract{}, err
	}
	if in.StartDate.IsZero() {
		return Contract{}, Invalidf("start_at", "start_at is required")
	}
	if in.EndDate.IsZero() {
		return Contract{}, Invalidf("end_at", "end_at is required")
	}
	if in.EndDate.Before(in.StartDate) {
		return Contract{}, Invalidf("end_at", "end_at is before start_at")
	}
	if in.TotalAmount.IsNegative() {
		return Contract{}, Invalidf("total_amount", "total_amount cannot be negative")
	}
	if err := in.TotalAmount.check(); err != nil {
		return Contract{}, Invalidf("total_amount", "total_amount: %v", err)
	}
	if in.SignDate.IsZero() {
		in.SignDate = DateOf(s.clock.Now().In(c.Location))
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if in.Status == "" {
		in.Status = ContractExecuting
	}
	if in.ApproveStatus == "" {
		in.ApproveStatus = ApprovalApproved
	}
	custom := []byte("{}")
	if in.CustomFields != nil {
		var err error
		if custom, err = json.Marshal(in.CustomFields); err != nil {
			return Contract{}, Invalidf("custom_fields", "custom fields are not JSON: %v", err)
		}
	}
	k := Contract{TenantID: c.TenantID, SN: in.SN, Title: in.Title, CustomerID: in.CustomerID, OwnerID: in.OwnerID,
		DepartmentID: in.DepartmentID, CreatorID: c.UserID, OpportunityID: in.OpportunityID, TotalAmount: in.TotalAmount,
		SignDate: in.SignDate, StartDate: in.StartDate, EndDate: in.EndDate, Status: in.Status,
		ApproveStatus: in.ApproveStatus, CategoryID: in.CategoryID, PaymentTypeID: in.PaymentTypeID,
		CustomerSigner: in.CustomerSigner, OurSigner: in.OurSigner, SpecialTerms: in.SpecialTerms,
		CustomFields: string(custom)}
	for i, l := range in.Lines {
		if l.UnitPrice.IsNegative() {
			return Contract{}, Invalidf("unit_price", "line %d: unit price cannot be negative", i+1)
		}
		total := Money{l.UnitPrice.Mul(decimalOf(l.Quantity))}
		for _, m := range []Money{l.UnitPrice, total} {
			if err := m.check(); err != nil {
				return Contract{}, Invalidf("unit_price", "line %d: %v", i+1, err)
			}
		}
		k.Lines = append(k.Lines, ContractLine{TenantID: c.TenantID, ProductID: l.ProductID, ProductName: l.ProductName,
			ProductNo: l.ProductNo, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			TotalPrice: total, SaleUnit: l.SaleUnit, Spec: l.Spec, Remark: l.Remark})
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var owner User
		if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", k.OwnerID).Take(&owner).Error; err != nil {
			return storeError(err, "user")
		}
		if k.DepartmentID == 0 {
			k.DepartmentID = owner.DepartmentID
		} else if err := s.mustExistTx(tx, c, &Department{}, "department", k.DepartmentID); err != nil {
			return err
		}
		if err := s.mustExistTx(tx, c, &Customer{}, "customer", k.CustomerID); err != nil {
			return err
		}
		return storeError(tx.Create(&k).Error, "contract")
	})
	return k, err
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
	if err := s.mustExist(ctx, c, &Contract{}, "contract", []uint64{in.ContractID}); err != nil {
		return Payment{}, err
	}
	if in.PaidOn.IsZero() {
		in.PaidOn = DateOf(s.clock.Now().In(c.Location))
	}
	p := Payment{TenantID: c.TenantID, ContractID: in.ContractID, Direction: in.Direction, Amount: in.Amount, PaidOn: in.PaidOn}
	return p, storeError(s.db.WithContext(ctx).Create(&p).Error, "payment")
}
