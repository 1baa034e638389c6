package core

import (
	"context"
	"time"
)

// ContactHistory is a follow-up: one contact made with a customer.
type ContactHistory struct {
	ID          uint64    `gorm:"primaryKey"`
	TenantID    uint64    `gorm:"not null;index:ix_histories_user,priority:1;index:ix_histories_customer,priority:1"`
	UserID      uint64    `gorm:"not null;index:ix_histories_user,priority:2"`
	CustomerID  uint64    `gorm:"not null;index:ix_histories_customer,priority:2"`
	ContactID   uint64    `gorm:"not null"`
	TypeID      uint64    `gorm:"not null"`
	RouteID     uint64    `gorm:"not null"`
	Title       string    `gorm:"size:255;not null"`
	Content     string    `gorm:"type:text;not null"`
	ContactedAt time.Time `gorm:"not null;index:ix_histories_user,priority:3"`
	CreatedAt   time.Time `gorm:"not null"`
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
	if err := CheckTime(FieldContactedAt, in.ContactedAt); err != nil {
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

// GetContactHistory returns one of the tenant's follow-up records.
func (s *Service) GetContactHistory(ctx context.Context, c Caller, id uint64) (ContactHistory, error) {
	var h ContactHistory
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&h).Error
	return h, storeError(err, "contact history")
}
