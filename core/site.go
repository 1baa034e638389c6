package core

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SiteKey lets a tenant's web shop call the e-commerce handlers. Only its SHA-256 is kept.
type SiteKey struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;index"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"not null"`
}

// HitCounter counts views of a record of the tenant's web shop.
type HitCounter struct {
	TenantID uint64 `gorm:"primaryKey;autoIncrement:false"`
	RecordID uint64 `gorm:"primaryKey;autoIncrement:false"`
	Hits     int64  `gorm:"not null"`
}

// MessageBoardEntry is a message a customer left on the tenant's site.
type MessageBoardEntry struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_messages_customer,priority:1"`
	CustomerID uint64    `gorm:"not null;index:ix_messages_customer,priority:2"`
	Content    string    `gorm:"type:text;not null"`
	Contact    string    `gorm:"size:128;not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// RegisterSiteKey stores a site key for a tenant; an empty value makes a fresh one.
func (s *Service) RegisterSiteKey(ctx context.Context, tenantID uint64, value string) (string, error) {
	if value == "" {
		value = NewTokenValue()
	}
	k := SiteKey{TenantID: tenantID, Hash: hashToken(value)}
	err := s.db.WithContext(ctx).Create(&k).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		var have SiteKey
		if err := s.db.WithContext(ctx).Where("hash = ?", k.Hash).Take(&have).Error; err != nil {
			return "", storeError(err, "site key")
		}
		if have.TenantID == tenantID {
			return value, nil
		}
		return "", Errorf(ECONFLICT, "that site key is already registered for another tenant")
	}
	return value, storeError(err, "site key")
}

// RevokeSiteKey deletes a site key; it stops working on the next request.
func (s *Service) RevokeSiteKey(ctx context.Context, value string) error {
	return s.revokeSecret(ctx, &SiteKey{}, "site key", value)
}

// AuthenticateSite resolves a site key to a caller that is its tenant (no user).
func (s *Service) AuthenticateSite(ctx context.Context, key string) (Caller, error) {
	if key == "" {
		return Caller{}, Errorf(EUNAUTHORIZED, "site key is missing")
	}
	hash := hashToken(key)
	e, cached := s.callers.get(siteKeyKey + hash)
	if !cached {
		generation := s.callers.generation()
		var row struct {
			TenantID uint64
			TimeZone string
			Tenant   `gorm:"embedded;embeddedPrefix:n_"`
		}
		err := s.db.WithContext(ctx).Table("site_keys AS k").Select("k.tenant_id, n.time_zone, "+dialectIDsOf("n")).
			Joins("JOIN tenants n ON n.id = k.tenant_id").Where("k.hash = ?", hash).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Caller{}, Errorf(EUNAUTHORIZED, "site key is unknown")
		}
		if err != nil {
			return Caller{}, storeError(err, "site key")
		}
		loc, err := s.location(row.TimeZone)
		if err != nil {
			return Caller{}, err
		}
		e = authEntry{caller: Caller{TenantID: row.TenantID, Location: loc, Dialects: row.Tenant.DialectIDs()}, generation: generation}
		s.callers.put(siteKeyKey+hash, e)
	}
	if wait := s.limiter.wait(hash, s.clock.Now()); wait > 0 { // as Authenticate: known keys only
		return Caller{}, limited(wait)
	}
	return e.caller, nil
}

// AddHits adds n views to a record's counter.
func (s *Service) AddHits(ctx context.Context, c Caller, recordID uint64, n int64) error {
	if n < 0 {
		return Invalidf(FieldHits, "hits cannot be taken away")
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "record_id"}},
		DoUpdates: clause.Assignments(map[string]any{"hits": gorm.Expr("hits + ?", n)}),
	}).Create(&HitCounter{TenantID: c.TenantID, RecordID: recordID, Hits: n}).Error
	return storeError(err, "hit counter")
}

// AddMessage keeps a message one of the tenant's customers left.
func (s *Service) AddMessage(ctx context.Context, c Caller, customerID uint64, content, contact string) error {
	if content == "" {
		return Invalidf(FieldContent, "%s is required", FieldContent)
	}
	if err := s.mustExist(ctx, c, &Customer{}, "customer", []uint64{customerID}); err != nil {
		return err
	}
	m := MessageBoardEntry{TenantID: c.TenantID, CustomerID: customerID, Content: content, Contact: contact}
	return storeError(s.db.WithContext(ctx).Create(&m).Error, "message")
}

// SampleOrder is an order of samples or gifts for a customer, audited before it ships.
type SampleOrder struct {
	ID         uint64            `gorm:"primaryKey"`
	TenantID   uint64            `gorm:"not null;uniqueIndex:ux_sample_orders_no,priority:1"`
	OrderNo    string            `gorm:"size:64;not null;uniqueIndex:ux_sample_orders_no,priority:2"`
	CustomerID uint64            `gorm:"not null"`
	AuditedBy  uint64            `gorm:"not null"`
	AuditedAt  *time.Time        // nil while not audited
	CreatedAt  time.Time         `gorm:"not null"`
	Lines      []SampleOrderLine `gorm:"foreignKey:OrderID"`
}

// SampleOrderLine is one item of a sample order.
type SampleOrderLine struct {
	ID          uint64 `gorm:"primaryKey"`
	TenantID    uint64 `gorm:"not null"`
	OrderID     uint64 `gorm:"not null;index"`
	ProductName string `gorm:"size:255;not null"`
	Quantity    int64  `gorm:"not null"`
}

// CreateSampleOrder adds a sample or gift order with its lines.
func (s *Service) CreateSampleOrder(ctx context.Context, c Caller, orderNo string, customerID uint64, lines []SampleOrderLine) (SampleOrder, error) {
	if orderNo == "" {
		return SampleOrder{}, Invalidf(FieldOrderNo, "order number is required")
	}
	var o SampleOrder
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o = SampleOrder{TenantID: c.TenantID, OrderNo: orderNo, CustomerID: customerID}
		for _, l := range lines {
			o.Lines = append(o.Lines, SampleOrderLine{TenantID: c.TenantID, ProductName: l.ProductName, Quantity: l.Quantity})
		}
		if err := s.mustExistTx(tx, c, &Customer{}, "customer", customerID); err != nil {
			return err
		}
		return storeError(tx.Create(&o).Error, "sample order")
	})
	return o, err
}

// AuditSampleOrder audits (or, with audited false, un-audits) the order of
// that number, and returns the rows changed: 0 when it already was so.
func (s *Service) AuditSampleOrder(ctx context.Context, c Caller, orderNo string, audited bool) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var o SampleOrder
		if err := tx.Scopes(inTenant(c.TenantID)).Where("order_no = ?", orderNo).Take(&o).Error; err != nil {
			return storeError(err, "sample order")
		}
		// Change it only if it is not so already: of two concurrent calls, one counts.
		q := tx.Model(&SampleOrder{}).Scopes(inTenant(c.TenantID)).Where("id = ?", o.ID)
		fields := map[string]any{"audited_at": nil, "audited_by": uint64(0)}
		if audited {
			q, fields = q.Where("audited_at IS NULL"), map[string]any{"audited_at": s.now(), "audited_by": c.UserID}
		} else {
			q = q.Where("audited_at IS NOT NULL")
		}
		res := q.Updates(fields)
		n = res.RowsAffected
		return storeError(res.Error, "sample order")
	})
	return n, err
}
