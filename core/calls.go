package core

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
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
