package core

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

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

// GetContactHistory returns one of the tenant's follow-up records.
func (s *Service) GetContactHistory(ctx context.Context, c Caller, id uint64) (ContactHistory, error) {
	var h ContactHistory
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&h).Error
	return h, storeError(err, "contact history")
}

// SetContractApproval sets a contract's approval status (approved or applying).
func (s *Service) SetContractApproval(ctx context.Context, c Caller, id uint64, status string) error {
	if status != ApprovalApproved && status != ApprovalApplying {
		return Invalidf(FieldApproveStatus, "unknown approval status %q", Excerpt(status))
	}
	return s.updateContract(ctx, c, id, map[string]any{"approve_status": status})
}

// StopContract terminates a contract.
func (s *Service) StopContract(ctx context.Context, c Caller, id uint64) error {
	return s.updateContract(ctx, c, id, map[string]any{"status": ContractTerminated})
}

// updateContract changes fields of one of the tenant's contracts. Existence is
// checked first: MySQL counts only changed rows, so RowsAffected cannot tell.
func (s *Service) updateContract(ctx context.Context, c Caller, id uint64, fields map[string]any) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.mustExistTx(tx, c, &Contract{}, "contract", id); err != nil {
			return err
		}
		fields["updated_at"] = s.now()
		return storeError(tx.Model(&Contract{}).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Updates(fields).Error, "contract")
	})
}

// CountCustomers counts a tenant's customers, its public pool's included.
func (s *Service) CountCustomers(ctx context.Context, tenantID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(tenantID)).Count(&n).Error
	return n, storeError(err, "customer")
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
