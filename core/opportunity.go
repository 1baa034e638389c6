package core

import (
	"context"
	"time"
)

// Opportunity is a possible sale, kept minimal.
type Opportunity struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_opportunities_owner,priority:1"`
	OwnerID    uint64    `gorm:"not null;index:ix_opportunities_owner,priority:2"`
	CustomerID uint64    `gorm:"not null"`
	Title      string    `gorm:"size:255;not null"`
	Amount     Money     `gorm:"not null"`
	Stage      string    `gorm:"size:32;not null"`
	CreatedAt  time.Time `gorm:"not null;index:ix_opportunities_owner,priority:3"`
}

// OpportunityWon is the stage of an opportunity turned into a contract.
const OpportunityWon = "won"

// NewOpportunity is the input of CreateOpportunity.
type NewOpportunity struct {
	CustomerID uint64 `name:"customer_id" validate:"required"`
	OwnerID    uint64 // 0: the caller
	Title      string `name:"title" validate:"required,max=255"`
	Amount     Money
	Stage      string    `name:"stage" validate:"required,max=32"`
	CreatedAt  time.Time // zero: now
}

// CreateOpportunity adds a possible sale with one of the tenant's customers,
// owned by the caller or by in.OwnerID.
func (s *Service) CreateOpportunity(ctx context.Context, c Caller, in NewOpportunity) (Opportunity, error) {
	if err := s.check(in); err != nil {
		return Opportunity{}, err
	}
	if in.Amount.IsNegative() {
		return Opportunity{}, Invalidf(FieldAmount, "%s cannot be negative", FieldAmount)
	}
	if err := in.Amount.check(); err != nil {
		return Opportunity{}, Invalidf(FieldAmount, "%s: %v", FieldAmount, err)
	}
	if err := CheckTime(FieldCreatedAt, in.CreatedAt); err != nil {
		return Opportunity{}, err
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if err := s.mustExist(ctx, c, &User{}, "user", []uint64{in.OwnerID}); err != nil {
		return Opportunity{}, err
	}
	if err := s.mustExist(ctx, c, &Customer{}, "customer", []uint64{in.CustomerID}); err != nil {
		return Opportunity{}, err
	}
	o := Opportunity{TenantID: c.TenantID, OwnerID: in.OwnerID, CustomerID: in.CustomerID, Title: in.Title,
		Amount: in.Amount, Stage: in.Stage, CreatedAt: in.CreatedAt.UTC().Truncate(time.Second)}
	return o, storeError(s.db.WithContext(ctx).Create(&o).Error, "opportunity")
}
