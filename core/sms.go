package core

import (
	"context"
	"time"
)

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
