package core

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Contact is a person at a customer (a "link man").
type Contact struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_contacts_customer,priority:1"`
	CustomerID uint64    `gorm:"not null;index:ix_contacts_customer,priority:2"`
	Name       string    `gorm:"size:128;not null"`
	Title      string    `gorm:"size:128;not null"`
	Phone      string    `gorm:"size:64;not null"`
	Email      string    `gorm:"size:255;not null"`
	IsMain     bool      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
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

// ListContacts lists the contacts of one of the tenant's customers, main contact first.
func (s *Service) ListContacts(ctx context.Context, c Caller, customerID uint64) ([]Contact, error) {
	if err := s.mustExist(ctx, c, &Customer{}, "customer", []uint64{customerID}); err != nil {
		return nil, err
	}
	var out []Contact
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("customer_id = ?", customerID).
		Order("is_main DESC, id").Find(&out).Error
	return out, storeError(err, "contact")
}

// GetContact returns one of the tenant's contacts.
func (s *Service) GetContact(ctx context.Context, c Caller, id uint64) (Contact, error) {
	var ct Contact
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&ct).Error
	return ct, storeError(err, "contact")
}

// UpdateContact replaces a contact's fields. A contact cannot move to another customer.
func (s *Service) UpdateContact(ctx context.Context, c Caller, id uint64, in NewContact) (Contact, error) {
	var ct Contact
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&ct).Error; err != nil {
			return storeError(err, "contact")
		}
		in.CustomerID = ct.CustomerID
		if err := s.check(in); err != nil {
			return err
		}
		ct.Name, ct.Title, ct.Phone, ct.Email, ct.IsMain = in.Name, in.Title, in.Phone, in.Email, in.IsMain
		if ct.IsMain {
			if err := clearMain(tx, c, ct.CustomerID); err != nil {
				return err
			}
		}
		return storeError(tx.Save(&ct).Error, "contact")
	})
	return ct, err
}

// clearMain unmarks every main contact of a customer: a customer has one main contact.
func clearMain(tx *gorm.DB, c Caller, customerID uint64) error {
	err := tx.Model(&Contact{}).Scopes(inTenant(c.TenantID)).Where("customer_id = ?", customerID).Update("is_main", false).Error
	return storeError(err, "contact")
}

// DeleteContact removes one of the tenant's contacts and returns how many rows went.
func (s *Service) DeleteContact(ctx context.Context, c Caller, id uint64) (int64, error) {
	if err := s.mustExist(ctx, c, &Contact{}, "contact", []uint64{id}); err != nil {
		return 0, err
	}
	res := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Delete(&Contact{})
	return res.RowsAffected, storeError(res.Error, "contact")
}

// CancelMainContact unmarks a contact as its customer's main one and returns how many rows changed.
func (s *Service) CancelMainContact(ctx context.Context, c Caller, id uint64) (int64, error) {
	if err := s.mustExist(ctx, c, &Contact{}, "contact", []uint64{id}); err != nil {
		return 0, err
	}
	res := s.db.WithContext(ctx).Model(&Contact{}).Scopes(inTenant(c.TenantID)).Where("id = ? AND is_main = ?", id, true).Update("is_main", false)
	return res.RowsAffected, storeError(res.Error, "contact")
}

// checkContactOf checks that the customer is the tenant's and, when contactID
// is set, that the contact is one of that customer's.
func (s *Service) checkContactOf(tx *gorm.DB, c Caller, customerID, contactID uint64) error {
	if err := s.mustExistTx(tx, c, &Customer{}, "customer", customerID); err != nil {
		return err
	}
	if contactID == 0 {
		return nil
	}
	var n int64
	err := tx.Model(&Contact{}).Scopes(inTenant(c.TenantID)).Where("id = ? AND customer_id = ?", contactID, customerID).Count(&n).Error
	if err != nil {
		return storeError(err, "contact")
	}
	if n == 0 {
		return NotFoundf("contact", "contact %d of customer %d not found", contactID, customerID)
	}
	return nil
}
