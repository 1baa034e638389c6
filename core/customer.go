package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Customer is a company or person a tenant sells to.
type Customer struct {
	ID         uint64     `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID   uint64     `gorm:"primaryKey;autoIncrement:false;not null;index:ix_customers_owner,priority:1;index:ix_customers_name,priority:1;index:ix_customers_created,priority:1;index:ix_customers_creator,priority:1;index:ix_customers_lost,priority:1"`
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
	// The rest of the address and what else the dialects keep of a customer.
	Phone   string `gorm:"size:64;not null;default:''"` // a mobile, beside Tel
	Email   string `gorm:"size:255;not null;default:''"`
	QQ      string `gorm:"column:qq;size:64;not null;default:''"`
	Wechat  string `gorm:"size:64;not null;default:''"`
	URL     string `gorm:"column:url;size:255;not null;default:''"` // the web site
	Zip     string `gorm:"size:16;not null;default:''"`
	Fax     string `gorm:"size:64;not null;default:''"`
	Level   int    `gorm:"not null;default:2"` // 0–3, the OA's 客户级别
	Note    string `gorm:"size:2000;not null;default:''"`
	Profile string `gorm:"size:2000;not null;default:''"` // the company's profile
	// CustomFields is a JSON object of the tenant's own fields (customfield.go), "" for none.
	CustomFields string `gorm:"size:4000;not null;default:''"`
}

// Customer levels: the OA's 0–3, 2 when a client gives none.
const (
	MaxCustomerLevel     = 3
	DefaultCustomerLevel = 2
)

// CustomerTag attaches a tag (a dictionary entry) to a customer.
type CustomerTag struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	CustomerID uint64 `gorm:"primaryKey;autoIncrement:false"`
	TagID      uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// NewCustomer is the input of CreateCustomer.
type NewCustomer struct {
	ID         uint64 // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
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
	UpdatedAt  time.Time // zero: now
	// LostAt, when not zero, is when the owner lost the customer to the public
	// pool: it is created there, lost by its owner.
	LostAt time.Time
	// Public creates it in the public pool, never owned.
	Public bool
	CustomerDetails
	Level        *int // nil: DefaultCustomerLevel
	CustomFields map[string]any
	TagIDs       []uint64     // tag dictionary codes
	Contacts     []NewContact // its contacts, added with it; CustomerID is the new customer's
	// UniqueName refuses a name another customer of the tenant has.
	UniqueName bool
	// CheckCodes refuses a status, category, source, industry or progress
	// code its dictionary lacks (the WebApi has always kept them as given).
	CheckCodes bool
}

// CustomerDetails are the customer's fields beyond what every dialect reads.
type CustomerDetails struct {
	Phone   string `name:"phone" validate:"max=64"`
	Email   string `name:"email" validate:"max=255"`
	QQ      string `name:"qq" validate:"max=64"`
	Wechat  string `name:"wechat" validate:"max=64"`
	URL     string `name:"url" validate:"max=255"`
	Zip     string `name:"zip" validate:"max=16"`
	Fax     string `name:"fax" validate:"max=64"`
	Note    string `name:"note" validate:"max=2000"`
	Profile string `name:"profile" validate:"max=2000"`
}

// CreateCustomer adds a customer owned by the caller or by in.OwnerID.
func (s *Service) CreateCustomer(ctx context.Context, c Caller, in NewCustomer) (Customer, error) {
	proto, level, err := s.customerRow(c, &in)
	if err != nil {
		return Customer{}, err
	}
	// A customer made in the public pool by the tenant alone (an import of a
	// vendor that shows such customers without an owner or a creator) names
	// no user; any other names one that must exist.
	if in.OwnerID != 0 || !in.Public {
		if err := s.mustExist(ctx, c, &User{}, "user", []uint64{in.OwnerID}); err != nil {
			return Customer{}, err
		}
	}
	var cu Customer
	err = s.tx(ctx, func(tx *gorm.DB) error {
		cu = proto // what the insert fills in starts again on each attempt
		codes := customerCodes(cu, func(string) bool { return in.CheckCodes })
		if err := s.checkCustomer(tx, c, cu, codes, level, in.UniqueName); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &Customer{}, "customer", in.ID); err != nil {
			return err
		}
		if err := storeError(tx.Create(&cu).Error, "customer"); err != nil {
			return err
		}
		d := newUserDeltas(c.Location)
		d.customer(nil, &cu)
		if err := d.apply(tx, c.TenantID); err != nil {
			return err
		}
		if err := setTags(tx, c, cu.ID, in.TagIDs); err != nil {
			return err
		}
		if err := learnCustomFields(tx, c, EntityCustomer, in.CustomFields); err != nil {
			return err
		}
		main := !slices.ContainsFunc(in.Contacts, func(ct NewContact) bool { return ct.IsMain })
		for i, nc := range in.Contacts {
			nc.CustomerID, nc.IsMain = cu.ID, nc.IsMain || main && i == 0
			if _, err := s.createContact(tx, c, nc); err != nil {
				return err
			}
		}
		return nil
	})
	return cu, err
}

// customerRow checks in, as far as it can without the database, and makes
// the customer it describes; in.OwnerID becomes the caller when 0.
func (s *Service) customerRow(c Caller, in *NewCustomer) (Customer, int, error) {
	if err := s.check(in); err != nil {
		return Customer{}, 0, err
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if !in.LostAt.IsZero() && in.LostAt.Before(in.CreatedAt) {
		return Customer{}, 0, Invalidf(FieldLostAt, "%s %s is before %s %s", FieldLostAt, in.LostAt, FieldCreatedAt, in.CreatedAt)
	}
	level := DefaultCustomerLevel
	if in.Level != nil {
		level = *in.Level
	}
	custom, err := mergeCustom("", in.CustomFields)
	if err != nil {
		return Customer{}, 0, err
	}
	// Times to the second, as the store keeps them: a creation at 23:59:59.9
	// must count on the day it is read back on, on either engine.
	proto := Customer{TenantID: c.TenantID, ID: in.ID, UpdatedAt: in.UpdatedAt.UTC().Truncate(time.Second), OwnerID: in.OwnerID, CreatorID: c.UserID, Name: in.Name, Tel: in.Tel, Address: in.Address,
		IndustryID: in.IndustryID, SourceID: in.SourceID, ProgressID: in.ProgressID, CategoryID: in.CategoryID,
		StatusID: in.StatusID, CreatedAt: in.CreatedAt.UTC().Truncate(time.Second), Level: level, CustomFields: custom}
	proto.setDetails(in.CustomerDetails)
	switch {
	case !in.LostAt.IsZero():
		lost := in.LostAt.UTC().Truncate(time.Second)
		proto.OwnerID, proto.IsPublic, proto.LostByID, proto.LostAt = 0, true, in.OwnerID, &lost
	case in.Public:
		proto.OwnerID, proto.IsPublic = 0, true
	}
	return proto, level, nil
}

func (cu *Customer) setDetails(d CustomerDetails) {
	cu.Phone, cu.Email, cu.QQ, cu.Wechat, cu.URL, cu.Zip, cu.Fax, cu.Note, cu.Profile =
		d.Phone, d.Email, d.QQ, d.Wechat, d.URL, d.Zip, d.Fax, d.Note, d.Profile
}

// dictCode is a code a customer names in one of the tenant's dictionaries.
type dictCode struct {
	kind string
	code uint64
}

// customerCodes are the codes of cu that set says to check.
func customerCodes(cu Customer, set func(kind string) bool) []dictCode {
	var out []dictCode
	for _, d := range []dictCode{{DictCustomerStatus, cu.StatusID}, {DictCustomerCategory, cu.CategoryID}, {DictSource, cu.SourceID},
		{DictIndustry, cu.IndustryID}, {DictProgress, cu.ProgressID}} {
		if set(d.kind) {
			out = append(out, d)
		}
	}
	return out
}

// checkCustomer checks, inside tx, the rules of a customer written with its
// level: the codes given are the tenant's dictionaries', its level 0–3, and,
// when unique, its name no other customer's of the tenant.
func (s *Service) checkCustomer(tx *gorm.DB, c Caller, cu Customer, codes []dictCode, level int, unique bool) error {
	if level < 0 || level > MaxCustomerLevel {
		return Invalidf(FieldLevel, "%s must be between 0 and %d", FieldLevel, MaxCustomerLevel)
	}
	for _, d := range codes {
		if d.code == 0 {
			continue
		}
		if err := dictMustHave(tx, c, d.kind, d.code); err != nil {
			return err
		}
	}
	if !unique {
		return nil
	}
	// The tenant's row, written, serialises the writes that check a name: two
	// at once would each find the other's name free (see Tenant.NameChecks).
	res := tx.Model(&Tenant{}).Where("id = ?", c.TenantID).UpdateColumn("name_checks", gorm.Expr("name_checks + 1"))
	if err := storeError(res.Error, "tenant"); err != nil {
		return err
	}
	if res.RowsAffected != 1 {
		return NotFoundf("tenant", "tenant not found")
	}
	var n int64
	if err := tx.Model(&Customer{}).Scopes(inTenant(c.TenantID)).Where("name = ? AND id <> ?", cu.Name, cu.ID).Count(&n).Error; err != nil {
		return storeError(err, "customer")
	}
	if n > 0 {
		return &Error{Code: ECONFLICT, Field: FieldName, Entity: "customer", Message: fmt.Sprintf("customer name %q is taken", Excerpt(cu.Name))}
	}
	return nil
}

// dictMustHave answers ENOTFOUND of the kind unless the tenant's dictionary has code.
func dictMustHave(tx *gorm.DB, c Caller, kind string, code uint64) error {
	var n int64
	if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", kind, code).Count(&n).Error; err != nil {
		return storeError(err, kind)
	}
	if n == 0 {
		return NotFoundf(kind, "%s %d not found", kind, code)
	}
	return nil
}

// setTags makes tags the customer's tags (nil leaves them): codes of the tenant's tag dictionary.
func setTags(tx *gorm.DB, c Caller, customerID uint64, tags []uint64) error {
	if tags == nil {
		return nil
	}
	if len(tags) > MaxIDs {
		return Invalidf(FieldTags, "more than %d %s", MaxIDs, FieldTags)
	}
	for i, code := range tags {
		if err := dictMustHave(tx, c, DictTag, code); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return err // the database's: a deadlock is run again, an outage answered as such
			}
			at := *e // never the shared error it may be
			at.Field, at.Index = FieldTags, i+1
			return &at
		}
	}
	if err := tx.Scopes(inTenant(c.TenantID)).Where("customer_id = ?", customerID).Delete(&CustomerTag{}).Error; err != nil {
		return storeError(err, "customer tag")
	}
	for code := range uniq(tags) {
		t := CustomerTag{TenantID: c.TenantID, CustomerID: customerID, TagID: code}
		if err := tx.Create(&t).Error; err != nil {
			return storeError(err, "customer tag")
		}
	}
	return nil
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
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		was := cu
		if in.OwnerID != 0 && in.OwnerID != cu.OwnerID {
			if err := s.mustExistTx(tx, c, &User{}, "user", in.OwnerID); err != nil {
				return err
			}
			cu.OwnerID = in.OwnerID
		}
		cu.Name, cu.Tel, cu.Address = in.Name, in.Tel, in.Address
		cu.IndustryID, cu.SourceID, cu.ProgressID = in.IndustryID, in.SourceID, in.ProgressID
		cu.CategoryID, cu.StatusID = in.CategoryID, in.StatusID
		if err := tx.Save(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		d := newUserDeltas(c.Location)
		d.customer(&was, &cu)
		return d.apply(tx, c.TenantID)
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
		var was []Customer
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select(customerFigureColumns).Where("id IN ?", ids).
			Order("id").Find(&was).Error; err != nil {
			return storeError(err, "customer")
		}
		for id := range uniq(ids) {
			if !slices.ContainsFunc(was, func(cu Customer) bool { return cu.ID == id }) {
				return NotFoundf("customer", "customer %d not found", id)
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
		if err != nil {
			return storeError(err, "customer")
		}
		d := newUserDeltas(c.Location)
		for _, cu := range was {
			moved := cu
			if cu.OwnerID != 0 {
				moved.LostByID, moved.LostAt = cu.OwnerID, &now
			}
			moved.OwnerID = 0
			d.customer(&cu, &moved)
		}
		return d.apply(tx, c.TenantID)
	})
}

// TagCustomer attaches the tag (a code of the tenant's tag dictionary) to one
// of its customers; a tag already attached stays as it is.
func (s *Service) TagCustomer(ctx context.Context, c Caller, customerID, tag uint64) error {
	_, err := s.AddCustomerTag(ctx, c, customerID, tag)
	return err
}

// AddCustomerTag is TagCustomer telling whether the tag was attached now
// (false: it was already), which an import counts.
func (s *Service) AddCustomerTag(ctx context.Context, c Caller, customerID, tag uint64) (added bool, _ error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
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
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&t)
		added = res.RowsAffected > 0
		return storeError(res.Error, "customer tag")
	})
	return added && err == nil, err
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

// CustomerChange is a partial update: nil leaves a field as it is.
type CustomerChange struct {
	Name, Tel, Address, Phone, Email, QQ, Wechat, URL, Zip, Fax, Note, Profile *string
	OwnerID, IndustryID, SourceID, ProgressID, CategoryID, StatusID            *uint64
	Level                                                                      *int
	CustomFields                                                               map[string]any // each one set; a nil value removes it
	TagIDs                                                                     *[]uint64
	// MainContactName renames the customer's main contact, or adds one of that name when it has none.
	MainContactName *string
	Contacts        []NewContact // added to it
	UniqueName      bool         // refuse a name another customer of the tenant has
}

// ChangeCustomer applies a change to one of the tenant's customers, in one
// transaction, the customer locked from the read to the write.
func (s *Service) ChangeCustomer(ctx context.Context, c Caller, id uint64, ch CustomerChange) (Customer, error) {
	var cu Customer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		was := cu
		in := NewCustomer{Name: cu.Name, Tel: cu.Tel, Address: cu.Address, OwnerID: cu.OwnerID, IndustryID: cu.IndustryID,
			SourceID: cu.SourceID, ProgressID: cu.ProgressID, CategoryID: cu.CategoryID, StatusID: cu.StatusID,
			CustomerDetails: CustomerDetails{Phone: cu.Phone, Email: cu.Email, QQ: cu.QQ, Wechat: cu.Wechat, URL: cu.URL,
				Zip: cu.Zip, Fax: cu.Fax, Note: cu.Note, Profile: cu.Profile}}
		level := cu.Level
		set(&in.Name, ch.Name)
		set(&in.Tel, ch.Tel)
		set(&in.Address, ch.Address)
		set(&in.Phone, ch.Phone)
		set(&in.Email, ch.Email)
		set(&in.QQ, ch.QQ)
		set(&in.Wechat, ch.Wechat)
		set(&in.URL, ch.URL)
		set(&in.Zip, ch.Zip)
		set(&in.Fax, ch.Fax)
		set(&in.Note, ch.Note)
		set(&in.Profile, ch.Profile)
		set(&in.IndustryID, ch.IndustryID)
		set(&in.SourceID, ch.SourceID)
		set(&in.ProgressID, ch.ProgressID)
		set(&in.CategoryID, ch.CategoryID)
		set(&in.StatusID, ch.StatusID)
		set(&level, ch.Level)
		if err := s.check(in); err != nil {
			return err
		}
		if ch.OwnerID != nil && *ch.OwnerID != cu.OwnerID {
			if err := s.mustExistTx(tx, c, &User{}, "user", *ch.OwnerID); err != nil {
				return err
			}
			cu.OwnerID, cu.IsPublic = *ch.OwnerID, false
		}
		custom, err := mergeCustom(cu.CustomFields, ch.CustomFields)
		if err != nil {
			return err
		}
		cu.Name, cu.Tel, cu.Address = in.Name, in.Tel, in.Address
		cu.IndustryID, cu.SourceID, cu.ProgressID = in.IndustryID, in.SourceID, in.ProgressID
		cu.CategoryID, cu.StatusID, cu.Level, cu.CustomFields = in.CategoryID, in.StatusID, level, custom
		cu.setDetails(in.CustomerDetails)
		// The codes the change sets: those kept from before are as good as they were.
		changed := map[string]bool{DictCustomerStatus: ch.StatusID != nil, DictCustomerCategory: ch.CategoryID != nil,
			DictSource: ch.SourceID != nil, DictIndustry: ch.IndustryID != nil, DictProgress: ch.ProgressID != nil}
		codes := customerCodes(cu, func(kind string) bool { return changed[kind] })
		if err := s.checkCustomer(tx, c, cu, codes, level, ch.UniqueName); err != nil {
			return err
		}
		cu.UpdatedAt = s.now()
		// Save would insert when MySQL reports no changed rows; Updates of every column does not.
		if err := tx.Model(&cu).Select("*").Omit("ID", "CreatedAt").Updates(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		d := newUserDeltas(c.Location)
		d.customer(&was, &cu)
		if err := d.apply(tx, c.TenantID); err != nil {
			return err
		}
		if ch.TagIDs != nil {
			if err := setTags(tx, c, cu.ID, append([]uint64{}, *ch.TagIDs...)); err != nil {
				return err
			}
		}
		if err := learnCustomFields(tx, c, EntityCustomer, ch.CustomFields); err != nil {
			return err
		}
		if ch.MainContactName != nil {
			if err := s.renameMainContact(tx, c, cu.ID, *ch.MainContactName); err != nil {
				return err
			}
		}
		for _, nc := range ch.Contacts {
			nc.CustomerID = cu.ID
			if _, err := s.createContact(tx, c, nc); err != nil {
				return err
			}
		}
		return nil
	})
	return cu, err
}

// renameMainContact gives the customer's main contact (its first when none
// is marked) the name, or adds a main contact of that name when it has none;
// an empty name leaves it as it is.
func (s *Service) renameMainContact(tx *gorm.DB, c Caller, customerID uint64, name string) error {
	if name == "" {
		return nil
	}
	var ct Contact
	err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("customer_id = ?", customerID).Order("is_main DESC, id").Take(&ct).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		_, err := s.createContact(tx, c, NewContact{CustomerID: customerID, Name: name, IsMain: true})
		return err
	case err != nil:
		return storeError(err, "contact")
	}
	if err := s.check(NewContact{CustomerID: customerID, Name: name}); err != nil {
		return err
	}
	return storeError(tx.Model(&ct).Update("name", name).Error, "contact")
}

// Which customers a list shows.
const (
	TabAll          = ""
	TabMine         = "mine"         // owned by the caller
	TabSubordinates = "subordinates" // owned by the others of the caller's department
	TabPublic       = "public"       // in the public pool
	TabAssisting    = "assisting"    // shared with the caller
)

// CustomerQuery selects and orders a page of customers; zero values select all.
type CustomerQuery struct {
	Query        string // part of the name, telephone or mobile
	Tab          string
	OwnerID      uint64
	DepartmentID uint64 // owned by users of the department
	StatusID     uint64
	CategoryID   uint64
	SourceID     uint64
	ProgressIDs  []uint64
	Levels       []int
	// Created and contacted (a follow-up in it) within [From, To); zero ends are open.
	CreatedFrom, CreatedTo     time.Time
	ContactedFrom, ContactedTo time.Time
	Sort                       string // created_at (when ""), updated_at or name
	Desc                       bool
	Page, PerPage              int // Page from 1
}

// CustomerDetail is a customer with what its views show of others.
type CustomerDetail struct {
	Customer
	Owner, Creator  User // zero when none
	OwnerDepartment Department
	Contacts        []Contact // main first
	TagIDs          []uint64
	LastContactAt   *time.Time // the latest follow-up's
	LastContent     string
}

// CustomerList is one page of customers and the count of all that match.
type CustomerList struct {
	Items []CustomerDetail
	Total int64
}

var customerSorts = map[string]string{"": "created_at", "created_at": "created_at", "updated_at": "updated_at", "name": "name"}

// FindCustomers pages through the tenant's customers.
func (s *Service) FindCustomers(ctx context.Context, c Caller, q CustomerQuery) (CustomerList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return CustomerList{}, err
	}
	sort, known := customerSorts[q.Sort]
	if !known {
		return CustomerList{}, Invalidf(FieldSort, "cannot sort by %q", Excerpt(q.Sort))
	}
	db := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(c.TenantID))
	if q.Query != "" {
		like, err := containsPattern(FieldQuery, q.Query)
		if err != nil {
			return CustomerList{}, err
		}
		db = db.Where("(name LIKE ? ESCAPE '!' OR tel LIKE ? ESCAPE '!' OR phone LIKE ? ESCAPE '!')", like, like, like)
	}
	switch q.Tab {
	case TabAll:
	case TabMine:
		db = db.Where("owner_id = ?", c.UserID)
	case TabSubordinates:
		db = db.Where("owner_id <> ? AND owner_id IN (SELECT id FROM users WHERE tenant_id = ? AND department_id = ?)", c.UserID, c.TenantID, c.DepartmentID)
	case TabPublic:
		db = db.Where("is_public = ?", true)
	case TabAssisting:
		db = db.Where("id IN (SELECT customer_id FROM customer_shares WHERE tenant_id = ? AND user_id = ?)", c.TenantID, c.UserID)
	default:
		return CustomerList{}, Invalidf(FieldScope, "unknown list %q", Excerpt(q.Tab))
	}
	for _, f := range []struct {
		column string
		value  uint64
	}{{"owner_id", q.OwnerID}, {"status_id", q.StatusID}, {"category_id", q.CategoryID}, {"source_id", q.SourceID}} {
		if f.value != 0 {
			db = db.Where(f.column+" = ?", f.value)
		}
	}
	if q.DepartmentID != 0 {
		db = db.Where("owner_id IN (SELECT id FROM users WHERE tenant_id = ? AND department_id = ?)", c.TenantID, q.DepartmentID)
	}
	if len(q.ProgressIDs) > 0 {
		db = db.Where("progress_id IN ?", q.ProgressIDs)
	}
	if len(q.Levels) > 0 {
		db = db.Where("level IN ?", q.Levels)
	}
	if !q.CreatedFrom.IsZero() {
		db = db.Where("created_at >= ?", q.CreatedFrom.UTC())
	}
	if !q.CreatedTo.IsZero() {
		db = db.Where("created_at < ?", q.CreatedTo.UTC())
	}
	if !q.ContactedFrom.IsZero() || !q.ContactedTo.IsZero() {
		from, to := q.ContactedFrom, q.ContactedTo
		if from.IsZero() {
			from = minInstant
		}
		if to.IsZero() {
			to = maxInstant
		}
		db = db.Where(`EXISTS (SELECT 1 FROM contact_histories h WHERE h.tenant_id = customers.tenant_id
  AND h.customer_id = customers.id AND h.contacted_at >= ? AND h.contacted_at < ?)`, from.UTC(), to.UTC())
	}
	db = db.Session(&gorm.Session{})
	var out CustomerList
	if err := db.Count(&out.Total).Error; err != nil {
		return CustomerList{}, storeError(err, "customer")
	}
	order := sort + " ASC, id ASC"
	if q.Desc {
		order = sort + " DESC, id DESC"
	}
	var rows []Customer
	if err := db.Order(order).Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Find(&rows).Error; err != nil {
		return CustomerList{}, storeError(err, "customer")
	}
	var err error
	out.Items, err = s.customerDetails(ctx, c, rows)
	return out, err
}

// GetCustomerDetail reads one of the tenant's customers with its people, contacts, tags and last follow-up.
func (s *Service) GetCustomerDetail(ctx context.Context, c Caller, id uint64) (CustomerDetail, error) {
	cu, err := s.GetCustomer(ctx, c, id)
	if err != nil {
		return CustomerDetail{}, err
	}
	ds, err := s.customerDetails(ctx, c, []Customer{cu})
	if err != nil {
		return CustomerDetail{}, err
	}
	return ds[0], nil
}

// customerDetails fills in what the customers' views show, a query per kind.
func (s *Service) customerDetails(ctx context.Context, c Caller, rows []Customer) ([]CustomerDetail, error) {
	out := make([]CustomerDetail, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	in := func() *gorm.DB { return s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)) }
	ids, userIDs := make([]uint64, len(rows)), []uint64{}
	at := map[uint64]int{}
	for i, cu := range rows {
		out[i].Customer = cu
		ids[i], at[cu.ID] = cu.ID, i
		userIDs = append(userIDs, cu.OwnerID, cu.CreatorID)
	}
	var users []User
	if err := in().Where("id IN ?", userIDs).Find(&users).Error; err != nil {
		return nil, storeError(err, "user")
	}
	byID, deptIDs := map[uint64]User{}, []uint64{}
	for _, u := range users {
		byID[u.ID] = u
		deptIDs = append(deptIDs, u.DepartmentID)
	}
	var depts []Department
	if err := in().Where("id IN ?", deptIDs).Find(&depts).Error; err != nil {
		return nil, storeError(err, "department")
	}
	deptByID := map[uint64]Department{}
	for _, d := range depts {
		deptByID[d.ID] = d
	}
	for i := range out {
		out[i].Owner, out[i].Creator = byID[out[i].OwnerID], byID[out[i].CreatorID]
		out[i].OwnerDepartment = deptByID[out[i].Owner.DepartmentID]
	}
	var contacts []Contact
	if err := in().Where("customer_id IN ?", ids).Order("is_main DESC, id").Find(&contacts).Error; err != nil {
		return nil, storeError(err, "contact")
	}
	for _, ct := range contacts {
		d := &out[at[ct.CustomerID]]
		d.Contacts = append(d.Contacts, ct)
	}
	var tags []CustomerTag
	if err := in().Where("customer_id IN ?", ids).Order("tag_id").Find(&tags).Error; err != nil {
		return nil, storeError(err, "customer tag")
	}
	for _, t := range tags {
		d := &out[at[t.CustomerID]]
		d.TagIDs = append(d.TagIDs, t.TagID)
	}
	// Each customer's latest follow-up: none later, nor as late with a larger id.
	var last []ContactHistory
	if err := in().Table("contact_histories h").Select("h.customer_id, h.content, h.contacted_at").
		Where("h.customer_id IN ?", ids).
		Where(`NOT EXISTS (SELECT 1 FROM contact_histories l WHERE l.tenant_id = h.tenant_id AND l.customer_id = h.customer_id
  AND (l.contacted_at > h.contacted_at OR (l.contacted_at = h.contacted_at AND l.id > h.id)))`).
		Find(&last).Error; err != nil {
		return nil, storeError(err, "contact history")
	}
	for _, h := range last {
		d := &out[at[h.CustomerID]]
		t := h.ContactedAt
		d.LastContactAt, d.LastContent = &t, h.Content
	}
	return out, nil
}

// DeleteCustomer removes one of the tenant's customers with its contacts,
// follow-ups, plans, tags, shares and collections. A customer with contracts,
// opportunities, messages or sample orders stays: those records would name nothing.
func (s *Service) DeleteCustomer(ctx context.Context, c Caller, id uint64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var cu Customer
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select(customerFigureColumns).Where("id = ?", id).Take(&cu).Error; err != nil {
			return storeError(err, "customer")
		}
		for _, dep := range []struct {
			model any
			what  string
		}{{&Contract{}, "contracts"}, {&Opportunity{}, "opportunities"}, {&MessageBoardEntry{}, "messages"}, {&SampleOrder{}, "sample orders"}} {
			var n int64
			if err := tx.Model(dep.model).Scopes(inTenant(c.TenantID)).Where("customer_id = ?", id).Count(&n).Error; err != nil {
				return storeError(err, "customer")
			}
			if n > 0 {
				return &Error{Code: ECONFLICT, Entity: "customer", Message: fmt.Sprintf("customer %d has %d %s", id, n, dep.what)}
			}
		}
		var follows []ContactHistory
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("user_id", "contacted_at").Where("customer_id = ?", id).
			Find(&follows).Error; err != nil {
			return storeError(err, "customer")
		}
		for _, m := range []any{&Contact{}, &ContactHistory{}, &ContactPlan{}, &CustomerTag{}, &CustomerShare{}, &CustomerCollection{}} {
			if err := tx.Scopes(inTenant(c.TenantID)).Where("customer_id = ?", id).Delete(m).Error; err != nil {
				return storeError(err, "customer")
			}
		}
		if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", id).Delete(&Customer{}).Error; err != nil {
			return storeError(err, "customer")
		}
		d := newUserDeltas(c.Location)
		d.customer(&cu, nil)
		for _, h := range follows {
			d.follow(h.UserID, h.ContactedAt, -1)
		}
		return d.apply(tx, c.TenantID)
	})
}
