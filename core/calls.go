package core

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ImsLock binds a billing (IMS) number to the user who may call from it.
type ImsLock struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;uniqueIndex:ux_ims_locks_ims,priority:1"`
	IMS       string    `gorm:"column:ims;size:64;not null;uniqueIndex:ux_ims_locks_ims,priority:2"`
	UserID    uint64    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// CallRecord is one telephone call made or taken by a user.
type CallRecord struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_call_records_call,priority:1"`
	UserID     uint64    `gorm:"not null"`
	UserName   string    `gorm:"size:128;not null"`
	Tel        string    `gorm:"size:64;not null;index:ix_call_records_call,priority:2"`
	StartedAt  time.Time `gorm:"not null;index:ix_call_records_call,priority:3"`
	EndedAt    time.Time `gorm:"not null"`
	Answered   bool      `gorm:"not null"`
	Incoming   bool      `gorm:"not null"`
	Recorded   bool      `gorm:"not null"`
	Duration   int64     `gorm:"not null"` // seconds
	IMS        string    `gorm:"column:ims;size:64;not null"`
	DisplayTel string    `gorm:"size:64;not null"`
	Remark     string    `gorm:"size:255;not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// SmsMessage is a templated text message queued to be sent. crmgw only keeps
// the outbox; sending belongs to whatever gateway the tenant connects.
type SmsMessage struct {
	ID             uint64    `gorm:"primaryKey"`
	TenantID       uint64    `gorm:"not null;index"`
	SenderID       uint64    `gorm:"not null"`
	Mobile         string    `gorm:"size:32;not null"`
	ReceiverName   string    `gorm:"size:128;not null"`
	SendAt         time.Time `gorm:"not null"`
	Content        string    `gorm:"type:text;not null"`
	Schedule       int       `gorm:"not null"` // 0 now, 1 once, 2 daily, 3 weekly, 4 monthly, 5 yearly
	TemplateID     string    `gorm:"size:64;not null"`
	TemplateValues string    `gorm:"type:text;not null"` // the template's up to six values, as a JSON array
	Remark         string    `gorm:"size:255;not null"`
	CreatedAt      time.Time `gorm:"not null"`
}

// LockIMS binds an IMS number to one of the tenant's users. Locking it again
// for the same user is a no-op; a number locked by another user is ECONFLICT.
func (s *Service) LockIMS(ctx context.Context, c Caller, userID uint64, ims string) error {
	if ims == "" {
		return Invalidf(FieldIMS, "%s is required", FieldIMS)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.mustExistTx(tx, c, &User{}, "user", userID); err != nil {
			return err
		}
		var have ImsLock
		err := tx.Scopes(inTenant(c.TenantID)).Where("ims = ?", ims).Take(&have).Error
		switch {
		case err == nil && have.UserID == userID:
			return nil
		case err == nil:
			return Errorf(ECONFLICT, "ims %s is locked by another user", Excerpt(ims))
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return storeError(err, "ims lock")
		}
		return storeError(tx.Create(&ImsLock{TenantID: c.TenantID, IMS: ims, UserID: userID}).Error, "ims lock")
	})
}

// UnlockIMS releases an IMS number.
func (s *Service) UnlockIMS(ctx context.Context, c Caller, ims string) error {
	res := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("ims = ?", ims).Delete(&ImsLock{})
	if res.Error != nil {
		return storeError(res.Error, "ims lock")
	}
	if res.RowsAffected == 0 {
		return NotFoundf("ims lock", "ims %s is not locked", Excerpt(ims))
	}
	return nil
}

// AddCallRecord keeps a call of one of the tenant's users.
func (s *Service) AddCallRecord(ctx context.Context, c Caller, r CallRecord) error {
	if r.Tel == "" {
		return Invalidf(FieldTel, "%s is required", FieldTel)
	}
	if err := r.checkTimes(); err != nil {
		return err
	}
	if r.EndedAt.Before(r.StartedAt) {
		return Invalidf(FieldEndedAt, "the call ends before it starts")
	}
	if r.Duration < 0 {
		return Invalidf(FieldDuration, "%s cannot be negative", FieldDuration)
	}
	if err := s.mustExist(ctx, c, &User{}, "user", []uint64{r.UserID}); err != nil {
		return err
	}
	r.ID, r.TenantID = 0, c.TenantID
	r.StartedAt, r.EndedAt = r.StartedAt.UTC().Truncate(time.Second), r.EndedAt.UTC().Truncate(time.Second)
	return storeError(s.db.WithContext(ctx).Create(&r).Error, "call record")
}

// UpdateCallRecord completes the tenant's call to r.Tel that started at
// r.StartedAt: its state, end, recording, duration and numbers.
func (s *Service) UpdateCallRecord(ctx context.Context, c Caller, r CallRecord) error {
	if err := r.checkTimes(); err != nil {
		return err
	}
	if r.EndedAt.Before(r.StartedAt) {
		return Invalidf(FieldEndedAt, "the call ends before it starts")
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var have CallRecord
		err := tx.Scopes(inTenant(c.TenantID)).Where("tel = ? AND started_at = ?", r.Tel, r.StartedAt.UTC().Truncate(time.Second)).
			Order("id DESC").Take(&have).Error
		if err != nil {
			return storeError(err, "call record")
		}
		return storeError(tx.Model(&have).Updates(map[string]any{
			"answered": r.Answered, "incoming": r.Incoming, "ims": r.IMS, "display_tel": r.DisplayTel,
			"ended_at": r.EndedAt.UTC().Truncate(time.Second), "recorded": r.Recorded, "duration": r.Duration,
			"user_name": r.UserName,
		}).Error, "call record")
	})
}

// checkTimes refuses a call's start or end outside MinDate to MaxDate. Both
// are required: checked as days, the zero time (year 1) is refused with the rest.
func (r CallRecord) checkTimes() error {
	if err := CheckDate(FieldStartedAt, DateOf(r.StartedAt)); err != nil {
		return err
	}
	return CheckDate(FieldEndedAt, DateOf(r.EndedAt))
}

// QueueSms puts a templated message in the tenant's outbox.
func (s *Service) QueueSms(ctx context.Context, c Caller, m SmsMessage) error {
	if m.Mobile == "" || m.TemplateID == "" {
		return Invalidf(FieldMobile, "mobile phone and template are required")
	}
	if m.Schedule < 0 || m.Schedule > 5 {
		return Invalidf(FieldSchedule, "%s must be 0 to 5", FieldSchedule)
	}
	if err := CheckDate(FieldSendAt, DateOf(m.SendAt)); err != nil { // required, as a call's times
		return err
	}
	if err := s.mustExist(ctx, c, &User{}, "user", []uint64{m.SenderID}); err != nil {
		return err
	}
	m.ID, m.TenantID = 0, c.TenantID
	m.SendAt = m.SendAt.UTC().Truncate(time.Second)
	return storeError(s.db.WithContext(ctx).Create(&m).Error, "sms")
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
