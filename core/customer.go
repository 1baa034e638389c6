package core

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Customer is a company or person a tenant sells to.
type Customer struct {
	ID         uint64     `gorm:"primaryKey"`
	TenantID   uint64     `gorm:"not null;index:ix_customers_owner,priority:1;index:ix_customers_name,priority:1;index:ix_customers_created,priority:1;index:ix_customers_creator,priority:1;index:ix_customers_lost,priority:1"`
	OwnerID    uint64     `gorm:"not null;index:ix_customers_owner,priority:2"` // 0 while in the public pool
	CreatorID  uint64     `gorm:"not null;default:0;index:ix_customers_creator,priority:2"`
	Name       string     `gorm:"size:255;not null;index:ix_customers_name,priority:2"`
	Tel        string     `gorm:"size:64;not null"`
	Address    string     `gorm:"size:255;not null"`
	IndustryID uint64     `gorm:"not null"`
	SourceID   uint64     `gorm:"not null"`
	ProgressID uint64     `gorm:"not null"`
	CategoryID uint64     `gorm:"not null"`
	StatusID   uint64     `gorm:"not null"`
	IsPublic   bool       `gorm:"not null"`
	LostByID   uint64     `gorm:"not null;default:0;index:ix_customers_lost,priority:2"` // the owner it was lost by
	LostAt     *time.Time `gorm:"index:ix_customers_lost,priority:3"`                    // when it went to the public pool
	CreatedAt  time.Time  `gorm:"not null;index:ix_customers_created,priority:2;index:ix_customers_owner,priority:3;index:ix_customers_creator,priority:3"`
	UpdatedAt  time.Time  `gorm:"not null"`
}

// CustomerTag attaches a tag (a dictionary entry) to a customer.
type CustomerTag struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	CustomerID uint64 `gorm:"primaryKey;autoIncrement:false"`
	TagID      uint64 `gorm:"primaryKey;autoIncrement:false"`
}

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
		return Customer{}, Invalidf(FieldLostAt, "%s %s is before %s %s", FieldLostAt, in.LostAt, FieldCreatedAt, in.CreatedAt)
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

// GetCustomer returns one of the tenant's customers.
func (s *Service) GetCustomer(ctx context.Context, c Caller, id uint64) (Customer, error) {
	var cu Customer
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&cu).Error
	return cu, storeError(err, "customer")
}

// UpdateCustomer replaces the editable fields of one of the tenant's customers.
func (s *Service) UpdateCustomer(ctx context.Context, c Caller, id uint64, in NewCustomer) (Customer, error) {
	if err := s.check(in); err != nil {
		return Customer{}, err
	}
	var cu Customer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		if in.OwnerID != 0 && in.OwnerID != cu.OwnerID {
			if err := s.mustExistTx(tx, c, &User{}, "user", in.OwnerID); err != nil {
				return err
			}
			cu.OwnerID = in.OwnerID
		}
		cu.Name, cu.Tel, cu.Address = in.Name, in.Tel, in.Address
		cu.IndustryID, cu.SourceID, cu.ProgressID = in.IndustryID, in.SourceID, in.ProgressID
		cu.CategoryID, cu.StatusID = in.CategoryID, in.StatusID
		return storeError(tx.Save(&cu).Error, "customer")
	})
	return cu, err
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

// CountCustomers counts a tenant's customers, its public pool's included.
func (s *Service) CountCustomers(ctx context.Context, tenantID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(tenantID)).Count(&n).Error
	return n, storeError(err, "customer")
}

// CustomerNameTaken reports whether another customer of the tenant (not exceptID) has that name.
func (s *Service) CustomerNameTaken(ctx context.Context, c Caller, name string, exceptID uint64) (bool, error) {
	return s.customerExists(ctx, c, "name = ?", name, exceptID)
}

// CustomerTelTaken reports whether another customer of the tenant (not exceptID) has that phone number.
func (s *Service) CustomerTelTaken(ctx context.Context, c Caller, tel string, exceptID uint64) (bool, error) {
	return s.customerExists(ctx, c, "tel = ?", tel, exceptID)
}

func (s *Service) customerExists(ctx context.Context, c Caller, cond, value string, exceptID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(c.TenantID)).
		Where(cond, value).Where("id <> ?", exceptID).Limit(1).Count(&n).Error
	return n > 0, storeError(err, "customer")
}

// MoveToPublicPool puts the given customers in the public pool, all or none:
// an id that is not the tenant's fails the whole call.
func (s *Service) MoveToPublicPool(ctx context.Context, c Caller, ids []uint64) error {
	if err := checkIDs(FieldIDs, ids); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		for id := range uniq(ids) {
			if err := s.mustExistTx(tx, c, &Customer{}, "customer", id); err != nil {
				return err
			}
		}
		// The owners lose them: recorded first, as one UPDATE's SET order differs between engines.
		now := s.now()
		err := tx.Model(&Customer{}).Scopes(inTenant(c.TenantID)).Where("id IN ? AND owner_id <> 0", ids).
			Updates(map[string]any{"lost_by_id": gorm.Expr("owner_id"), "lost_at": now}).Error
		if err != nil {
			return storeError(err, "customer")
		}
		err = tx.Model(&Customer{}).Scopes(inTenant(c.TenantID)).Where("id IN ?", ids).
			Updates(map[string]any{"is_public": true, "owner_id": 0, "updated_at": now}).Error
		return storeError(err, "customer")
	})
}

// TagCustomer attaches the tag (a code of the tenant's tag dictionary) to one
// of its customers; a tag already attached stays as it is.
func (s *Service) TagCustomer(ctx context.Context, c Caller, customerID, tag uint64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.mustExistTx(tx, c, &Customer{}, "customer", customerID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", DictTag, tag).Count(&n).Error; err != nil {
			return storeError(err, DictTag)
		}
		if n == 0 {
			return NotFoundf(DictTag, "%s %d not found", DictTag, tag)
		}
		t := CustomerTag{TenantID: c.TenantID, CustomerID: customerID, TagID: tag}
		return storeError(tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&t).Error, "customer tag")
	})
}

// CustomerCollection marks a customer as collected by a user, with an identity mark.
type CustomerCollection struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	CustomerID uint64 `gorm:"primaryKey;autoIncrement:false"`
	IdentityID uint64 `gorm:"not null"`
}

// CustomerShare grants a user other than the owner access to a customer.
type CustomerShare struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	CustomerID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// SetCollectionIdentity collects a customer for the caller with an identity mark, or changes the mark.
func (s *Service) SetCollectionIdentity(ctx context.Context, c Caller, customerID, identityID uint64) error {
	if err := s.mustExist(ctx, c, &Customer{}, "customer", []uint64{customerID}); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "user_id"}, {Name: "customer_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"identity_id"}),
	}).Create(&CustomerCollection{TenantID: c.TenantID, UserID: c.UserID, CustomerID: customerID, IdentityID: identityID}).Error
	return storeError(err, "collection")
}

// RemoveCollections takes the given customers out of a user's collection.
func (s *Service) RemoveCollections(ctx context.Context, c Caller, userID uint64, customerIDs []uint64) error {
	if err := checkIDs(FieldCustomerIDs, customerIDs); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.mustExistTx(tx, c, &User{}, "user", userID); err != nil {
			return err
		}
		for id := range uniq(customerIDs) {
			if err := s.mustExistTx(tx, c, &Customer{}, "customer", id); err != nil {
				return err
			}
		}
		err := tx.Scopes(inTenant(c.TenantID)).Where("user_id = ? AND customer_id IN ?", userID, customerIDs).Delete(&CustomerCollection{}).Error
		return storeError(err, "collection")
	})
}

// CancelShares stops sharing the given customers with anyone.
func (s *Service) CancelShares(ctx context.Context, c Caller, customerIDs []uint64) error {
	if err := checkIDs(FieldCustomerIDs, customerIDs); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		for id := range uniq(customerIDs) {
			if err := s.mustExistTx(tx, c, &Customer{}, "customer", id); err != nil {
				return err
			}
		}
		return storeError(tx.Scopes(inTenant(c.TenantID)).Where("customer_id IN ?", customerIDs).Delete(&CustomerShare{}).Error, "share")
	})
}
