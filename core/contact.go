package core

import (
	"context"
	"time"

	"gorm.io/gorm"
)

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

// CustomerPage is one page of customers and the count of all.
type CustomerPage struct {
	Items []Customer
	Total int64
}

// ListCustomers pages through the tenant's customers, newest first. page is 1-based.
func (s *Service) ListCustomers(ctx context.Context, c Caller, page, size int) (CustomerPage, error) {
	if err := s.checkPage(page, 1, size, FieldSize); err != nil {
		return CustomerPage{}, err
	}
	var p CustomerPage
	db := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(c.TenantID))
	if err := db.Count(&p.Total).Error; err != nil {
		return p, storeError(err, "customer")
	}
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Order("id DESC").Limit(size).Offset((page - 1) * size).Find(&p.Items).Error
	return p, storeError(err, "customer")
}

// NewContactPlan is the input of AddContactPlan.
type NewContactPlan struct {
	CustomerID uint64 `name:"customer_id" validate:"required"`
	ContactID  uint64
	TypeID     uint64
	RouteID    uint64
	HistoryID  uint64    // the contact that led to this plan, if any
	Title      string    `name:"title" validate:"required,max=255"`
	PlannedAt  time.Time `name:"planned_at" validate:"required"`
}

// AddContactPlan schedules a contact by the caller.
func (s *Service) AddContactPlan(ctx context.Context, c Caller, in NewContactPlan) (ContactPlan, error) {
	var p ContactPlan
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		p, err = s.addContactPlanTx(tx, c, in)
		return err
	})
	return p, err
}

func (s *Service) addContactPlanTx(tx *gorm.DB, c Caller, in NewContactPlan) (ContactPlan, error) {
	if err := s.check(in); err != nil {
		return ContactPlan{}, err
	}
	if err := CheckTime(FieldPlannedAt, in.PlannedAt); err != nil {
		return ContactPlan{}, err
	}
	if err := s.checkContactOf(tx, c, in.CustomerID, in.ContactID); err != nil {
		return ContactPlan{}, err
	}
	if in.HistoryID != 0 {
		if err := s.mustExistTx(tx, c, &ContactHistory{}, "contact history", in.HistoryID); err != nil {
			return ContactPlan{}, err
		}
	}
	p := ContactPlan{TenantID: c.TenantID, UserID: c.UserID, CustomerID: in.CustomerID, ContactID: in.ContactID,
		TypeID: in.TypeID, RouteID: in.RouteID, HistoryID: in.HistoryID, Title: in.Title,
		PlannedAt: in.PlannedAt.UTC().Truncate(time.Second)}
	return p, storeError(tx.Create(&p).Error, "contact plan")
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

// GetContactPlan returns one of the tenant's contact plans.
func (s *Service) GetContactPlan(ctx context.Context, c Caller, id uint64) (ContactPlan, error) {
	var p ContactPlan
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&p).Error
	return p, storeError(err, "contact plan")
}

// PendingContactPlans counts the caller's plans not yet carried out.
func (s *Service) PendingContactPlans(ctx context.Context, c Caller) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ContactPlan{}).Scopes(inTenant(c.TenantID)).
		Where("user_id = ? AND done_at IS NULL", c.UserID).Count(&n).Error
	return n, storeError(err, "contact plan")
}

// ExecuteContactPlan carries out a pending plan in one transaction: it records
// the contact made, marks the plan done, and schedules the next contact at next.
func (s *Service) ExecuteContactPlan(ctx context.Context, c Caller, planID uint64, done NewContactHistory, next time.Time) error {
	if err := s.check(done); err != nil {
		return err
	}
	if next.IsZero() {
		return Invalidf(FieldPlannedAt, "%s is required", FieldPlannedAt)
	}
	if err := CheckTime(FieldPlannedAt, next); err != nil { // refused before the plan is looked up, as the other bad input
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var p ContactPlan
		if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", planID).Take(&p).Error; err != nil {
			return storeError(err, "contact plan")
		}
		if done.CustomerID != p.CustomerID {
			return Invalidf(FieldCustomerID, "contact plan %d is for customer %d, not %d", planID, p.CustomerID, done.CustomerID)
		}
		if err := s.checkContactOf(tx, c, done.CustomerID, done.ContactID); err != nil {
			return err
		}
		now := s.now()
		h := ContactHistory{TenantID: c.TenantID, UserID: c.UserID, CustomerID: done.CustomerID, ContactID: done.ContactID,
			TypeID: done.TypeID, RouteID: done.RouteID, Title: done.Title, Content: done.Content, ContactedAt: now}
		if err := tx.Create(&h).Error; err != nil {
			return storeError(err, "contact history")
		}
		// Mark it done only if it is still pending: of two concurrent calls, one wins.
		res := tx.Model(&ContactPlan{}).Scopes(inTenant(c.TenantID)).Where("id = ? AND done_at IS NULL", planID).Update("done_at", now)
		if res.Error != nil {
			return storeError(res.Error, "contact plan")
		}
		if res.RowsAffected != 1 {
			return Errorf(ECONFLICT, "contact plan %d was already carried out", planID)
		}
		_, err := s.addContactPlanTx(tx, c, NewContactPlan{CustomerID: done.CustomerID, ContactID: done.ContactID,
			TypeID: done.TypeID, RouteID: done.RouteID, HistoryID: h.ID, Title: done.Title, PlannedAt: next})
		return err
	})
}
