package core

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ContactPlan is a contact to be made; executing it records a ContactHistory.
type ContactPlan struct {
	ID         uint64     `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID   uint64     `gorm:"primaryKey;autoIncrement:false;not null;index:ix_plans_user,priority:1"`
	UserID     uint64     `gorm:"not null;index:ix_plans_user,priority:2"`
	CustomerID uint64     `gorm:"not null"`
	ContactID  uint64     `gorm:"not null"`
	TypeID     uint64     `gorm:"not null"`
	RouteID    uint64     `gorm:"not null"`
	HistoryID  uint64     `gorm:"not null"` // the contact that scheduled this one, if any
	Title      string     `gorm:"size:255;not null"`
	PlannedAt  time.Time  `gorm:"not null"`
	DoneAt     *time.Time `gorm:"index:ix_plans_user,priority:3"` // nil while pending
	CreatedAt  time.Time  `gorm:"not null"`
}

// NewContactPlan is the input of AddContactPlan.
type NewContactPlan struct {
	ID         uint64 // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CustomerID uint64 `name:"customer_id" validate:"required"`
	ContactID  uint64
	TypeID     uint64
	RouteID    uint64
	HistoryID  uint64    // the contact that led to this plan, if any
	Title      string    `name:"title" validate:"required,max=255"`
	PlannedAt  time.Time `name:"planned_at" validate:"required"`
	DoneAt     time.Time // an imported plan done then; zero: pending
	CreatedAt  time.Time // zero: now
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
	p := ContactPlan{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, UserID: c.UserID, CustomerID: in.CustomerID, ContactID: in.ContactID,
		TypeID: in.TypeID, RouteID: in.RouteID, HistoryID: in.HistoryID, Title: in.Title,
		PlannedAt: in.PlannedAt.UTC().Truncate(time.Second)}
	if !in.DoneAt.IsZero() {
		if err := CheckTime(FieldPlannedAt, in.DoneAt); err != nil {
			return ContactPlan{}, err
		}
		done := in.DoneAt.UTC().Truncate(time.Second)
		p.DoneAt = &done
	}
	if err := keptIDFree(tx, c, &ContactPlan{}, "contact plan", in.ID); err != nil {
		return ContactPlan{}, err
	}
	return p, storeError(tx.Create(&p).Error, "contact plan")
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
		if err := countFollow(tx, c, h); err != nil {
			return err
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
