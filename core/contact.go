package core

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Contact is a person at a customer (a "link man").
type Contact struct {
	ID         uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID   uint64    `gorm:"primaryKey;autoIncrement:false;not null;index:ix_contacts_customer,priority:1"`
	CustomerID uint64    `gorm:"not null;index:ix_contacts_customer,priority:2"`
	Name       string    `gorm:"size:128;not null"`
	Title      string    `gorm:"size:128;not null"`
	Phone      string    `gorm:"size:64;not null"`
	Email      string    `gorm:"size:255;not null"`
	IsMain     bool      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
	Tel        string    `gorm:"size:64;not null;default:''"` // a landline, beside Phone
	Address    string    `gorm:"size:255;not null;default:''"`
	// CustomFields is a JSON object of the tenant's own fields (customfield.go), "" for none.
	CustomFields string    `gorm:"size:4000;not null;default:''"`
	UpdatedAt    time.Time `gorm:"not null;default:'2000-01-01 00:00:00'"`
}

// NewContact is the input of CreateContact.
type NewContact struct {
	ID           uint64    // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CreatedAt    time.Time // zero: now
	UpdatedAt    time.Time // zero: now
	CustomerID   uint64    `name:"customer_id" validate:"required"`
	Name         string    `name:"name" validate:"required,max=128"`
	Title        string    `name:"title" validate:"max=128"`
	Phone        string    `name:"phone" validate:"max=64"`
	Email        string    `name:"email" validate:"max=255"`
	IsMain       bool
	Tel          string `name:"tel" validate:"max=64"`
	Address      string `name:"address" validate:"max=255"`
	CustomFields map[string]any
}

// CreateContact adds a contact person to one of the tenant's customers. A new
// main contact takes the mark from the customer's previous one.
func (s *Service) CreateContact(ctx context.Context, c Caller, in NewContact) (Contact, error) {
	var ct Contact
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		ct, err = s.createContact(tx, c, in)
		return err
	})
	return ct, err
}

// createContact is CreateContact inside tx.
func (s *Service) createContact(tx *gorm.DB, c Caller, in NewContact) (Contact, error) {
	if err := s.check(in); err != nil {
		return Contact{}, err
	}
	custom, err := mergeCustom("", in.CustomFields)
	if err != nil {
		return Contact{}, err
	}
	ct := Contact{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, CustomerID: in.CustomerID, Name: in.Name, Title: in.Title,
		Phone: in.Phone, Email: in.Email, IsMain: in.IsMain, Tel: in.Tel, Address: in.Address, CustomFields: custom}
	if err := s.mustExistTx(tx, c, &Customer{}, "customer", in.CustomerID); err != nil {
		return Contact{}, err
	}
	if err := keptIDFree(tx, c, &Contact{}, "contact", in.ID); err != nil {
		return Contact{}, err
	}
	if in.IsMain {
		if err := clearMain(tx, c, in.CustomerID); err != nil {
			return Contact{}, err
		}
	}
	if err := storeError(tx.Create(&ct).Error, "contact"); err != nil {
		return Contact{}, err
	}
	return ct, learnCustomFields(tx, c, EntityContact, in.CustomFields)
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
		ct.UpdatedAt = s.now()
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
	// The customer is locked until the write commits, as DeleteCustomer locks
	// it: no record of it is written beside its deletion, and left naming
	// nothing (and counted in its employee's figures).
	err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("id").Where("id = ?", customerID).Take(&Customer{}).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return NotFoundf("customer", "customer %d not found", customerID)
	}
	if err != nil {
		return storeError(err, "customer")
	}
	if contactID == 0 {
		return nil
	}
	var n int64
	err = tx.Model(&Contact{}).Scopes(inTenant(c.TenantID)).Where("id = ? AND customer_id = ?", contactID, customerID).Count(&n).Error
	if err != nil {
		return storeError(err, "contact")
	}
	if n == 0 {
		return NotFoundf("contact", "contact %d of customer %d not found", contactID, customerID)
	}
	return nil
}

// ContactChange is a partial update of a contact: nil leaves a field as it is.
type ContactChange struct {
	Name, Title, Phone, Email, Tel, Address *string
	CustomFields                            map[string]any // each one set; a nil value removes it
}

// ChangeContact applies a change to one of the tenant's contacts in one transaction.
func (s *Service) ChangeContact(ctx context.Context, c Caller, id uint64, ch ContactChange) (Contact, error) {
	var ct Contact
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&ct).Error; err != nil {
			return storeError(err, "contact")
		}
		in := NewContact{CustomerID: ct.CustomerID, Name: ct.Name, Title: ct.Title, Phone: ct.Phone, Email: ct.Email,
			Tel: ct.Tel, Address: ct.Address}
		set(&in.Name, ch.Name)
		set(&in.Title, ch.Title)
		set(&in.Phone, ch.Phone)
		set(&in.Email, ch.Email)
		set(&in.Tel, ch.Tel)
		set(&in.Address, ch.Address)
		if err := s.check(in); err != nil {
			return err
		}
		custom, err := mergeCustom(ct.CustomFields, ch.CustomFields)
		if err != nil {
			return err
		}
		ct.Name, ct.Title, ct.Phone, ct.Email, ct.Tel, ct.Address, ct.CustomFields = in.Name, in.Title, in.Phone, in.Email, in.Tel, in.Address, custom
		ct.UpdatedAt = s.now()
		if err := tx.Model(&ct).Select("*").Omit("ID", "CreatedAt").Updates(&ct).Error; err != nil {
			return storeError(err, "contact")
		}
		return learnCustomFields(tx, c, EntityContact, ch.CustomFields)
	})
	return ct, err
}

// Which customers' contacts a list shows, beside TabAll and TabMine.
const (
	TabMyAssist  = "my_assist"  // of customers shared with the caller
	TabSubAssist = "sub_assist" // of customers shared with the others of the caller's department
)

// ContactQuery selects a page of contacts, newest first; zero values select all.
type ContactQuery struct {
	Query      string // part of the name, mobile or telephone
	CustomerID uint64
	Tab        string // TabAll, TabMine, TabSubordinates, TabMyAssist or TabSubAssist
	HasPhone   bool   // only those with a mobile or a telephone
	Page       int    // from 1
	PerPage    int
}

// ContactListItem is a contact with its customer's name.
type ContactListItem struct {
	Contact
	CustomerName    string
	CustomerOwnerID uint64
}

// ContactList is one page of contacts and the count of all that match.
type ContactList struct {
	Items []ContactListItem
	Total int64
}

// FindContacts pages through the tenant's contacts.
func (s *Service) FindContacts(ctx context.Context, c Caller, q ContactQuery) (ContactList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return ContactList{}, err
	}
	db := s.db.WithContext(ctx).Table("contacts").Scopes(inTenant(c.TenantID)).
		Joins("JOIN customers cu ON cu.id = contacts.customer_id AND cu.tenant_id = contacts.tenant_id")
	if q.Query != "" {
		like, err := containsPattern(FieldQuery, q.Query)
		if err != nil {
			return ContactList{}, err
		}
		db = db.Where("(contacts.name LIKE ? ESCAPE '!' OR contacts.phone LIKE ? ESCAPE '!' OR contacts.tel LIKE ? ESCAPE '!')", like, like, like)
	}
	if q.CustomerID != 0 {
		db = db.Where("contacts.customer_id = ?", q.CustomerID)
	}
	if q.HasPhone {
		db = db.Where("(contacts.phone <> '' OR contacts.tel <> '')")
	}
	department := "SELECT id FROM users WHERE tenant_id = ? AND department_id = ? AND id <> ?"
	switch q.Tab {
	case TabAll:
	case TabMine:
		db = db.Where("cu.owner_id = ?", c.UserID)
	case TabSubordinates:
		db = db.Where("cu.owner_id IN ("+department+")", c.TenantID, c.DepartmentID, c.UserID)
	case TabMyAssist:
		db = db.Where("contacts.customer_id IN (SELECT customer_id FROM customer_shares WHERE tenant_id = ? AND user_id = ?)", c.TenantID, c.UserID)
	case TabSubAssist:
		db = db.Where("contacts.customer_id IN (SELECT customer_id FROM customer_shares WHERE tenant_id = ? AND user_id IN ("+department+"))",
			c.TenantID, c.TenantID, c.DepartmentID, c.UserID)
	default:
		return ContactList{}, Invalidf(FieldScope, "unknown list %q", Excerpt(q.Tab))
	}
	db = db.Session(&gorm.Session{})
	var out ContactList
	if err := db.Count(&out.Total).Error; err != nil {
		return ContactList{}, storeError(err, "contact")
	}
	err := db.Select("contacts.*, cu.name AS customer_name, cu.owner_id AS customer_owner_id").
		Order("contacts.id DESC").Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&out.Items).Error
	return out, storeError(err, "contact")
}
