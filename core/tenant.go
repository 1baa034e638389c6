package core

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// DialectIDs are a tenant's ids in the dialects whose clients name it: the
// yunzmall shop (the {id} of every path, a member login's i), the WebApi's
// org_id (Token/Get), the ikcrm organisation (organization_id in its answers)
// and corp id (corp_id of its login). A tenant crmgw makes has its own id as
// each number and no corp id; a migrated one takes its old vendor's (crmgw
// tenant set), so that the clients' URLs and logins keep working. Each is
// unique across tenants.
type DialectIDs struct {
	YunzmallShop, QcyOrg, IkcrmOrg uint64
	IkcrmCorp                      string
}

// DialectIDs are the tenant's ids in the dialects.
func (t Tenant) DialectIDs() DialectIDs {
	return DialectIDs{YunzmallShop: deref(t.YunzmallShopID), QcyOrg: deref(t.QcyOrgID), IkcrmOrg: deref(t.IkcrmOrgID),
		IkcrmCorp: deref(t.IkcrmCorpID)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// dialectIDColumns are the tenants' numeric dialect ids, which every tenant has.
var dialectIDColumns = []string{"yunzmall_shop_id", "qcy_org_id", "ikcrm_org_id"}

// fillDialectIDs gives every tenant without a numeric dialect id its own id
// or, where another tenant holds that one, the one past the largest held: at
// a tenant's creation, and for tenants made before dialect ids.
func fillDialectIDs(db *gorm.DB) error {
	for _, col := range dialectIDColumns {
		// The derived table is MySQL's way to read the table an UPDATE writes.
		if err := db.Exec("UPDATE tenants SET " + col + " = id WHERE " + col + " IS NULL AND id NOT IN (SELECT x.v FROM (SELECT " +
			col + " AS v FROM tenants WHERE " + col + " IS NOT NULL) x)").Error; err != nil {
			return err
		}
		var left []uint64
		if err := db.Model(&Tenant{}).Where(col+" IS NULL").Order("id").Pluck("id", &left).Error; err != nil {
			return err
		}
		for _, id := range left {
			var top uint64
			if err := db.Model(&Tenant{}).Select("COALESCE(MAX(" + col + "), 0)").Scan(&top).Error; err != nil {
				return err
			}
			if err := db.Model(&Tenant{}).Where("id = ?", id).Update(col, top+1).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// TenantIDChange sets some of a tenant's dialect ids; nil leaves one as it
// is, an empty corp id clears it.
type TenantIDChange struct {
	YunzmallShop, QcyOrg, IkcrmOrg *uint64
	IkcrmCorp                      *string
}

// dialectIDUpdates checks a change of dialect ids and returns it as columns.
func dialectIDUpdates(in TenantIDChange) (map[string]any, error) {
	updates := map[string]any{}
	for col, v := range map[string]*uint64{"yunzmall_shop_id": in.YunzmallShop, "qcy_org_id": in.QcyOrg, "ikcrm_org_id": in.IkcrmOrg} {
		if v == nil {
			continue
		}
		if *v == 0 || *v > maxRecordID {
			return nil, Errorf(EINVALID, "%s %d: a dialect id is from 1 to %d", col, *v, uint64(maxRecordID))
		}
		updates[col] = *v
	}
	if in.IkcrmCorp != nil {
		corp := *in.IkcrmCorp
		if len(corp) > 64 || strings.IndexFunc(corp, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
			return nil, Errorf(EINVALID, "ikcrm corp id %q: at most 64 printable ASCII characters", Excerpt(corp))
		}
		if corp == "" {
			updates["ikcrm_corp_id"] = nil
		} else {
			updates["ikcrm_corp_id"] = corp
		}
	}
	return updates, nil
}

// setDialectIDs writes checked dialect ids, refusing one another tenant holds.
func setDialectIDs(tx *gorm.DB, tenantID uint64, updates map[string]any) error {
	if err := forUpdate(tx).Select("id").Where("id = ?", tenantID).Take(&Tenant{}).Error; err != nil {
		return storeError(err, "tenant")
	}
	for col, v := range updates {
		if v == nil {
			continue
		}
		var holder Tenant
		err := tx.Select("id, name").Where(col+" = ? AND id <> ?", v, tenantID).Take(&holder).Error
		if err == nil {
			return Errorf(ECONFLICT, "%s %v is tenant %s's", col, v, holder.Name)
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return storeError(err, "tenant")
		}
	}
	return storeError(tx.Model(&Tenant{}).Where("id = ?", tenantID).Updates(updates).Error, "tenant")
}

// AddTenant makes a tenant of that name, in the time zone given (the
// default when ""), with the dialect ids given (its own id for the others),
// all or nothing. One that exists already is ECONFLICT.
func (s *Service) AddTenant(ctx context.Context, name, timeZone string, ids TenantIDChange) (Tenant, error) {
	if name == "" {
		return Tenant{}, Invalidf(FieldTenantName, "tenant name is required")
	}
	if timeZone == "" {
		timeZone = s.defaultTZ
	}
	if _, err := s.location(timeZone); err != nil {
		return Tenant{}, Errorf(EINVALID, "time zone %q is unknown", Excerpt(timeZone))
	}
	updates, err := dialectIDUpdates(ids)
	if err != nil {
		return Tenant{}, err
	}
	proto := Tenant{Name: name, TimeZone: timeZone, CustomerSign: 1}
	var t Tenant
	err = s.tx(ctx, func(tx *gorm.DB) error {
		t = proto // what the insert fills in starts again on each attempt
		if err := tx.Create(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return Errorf(ECONFLICT, "tenant %q exists already", Excerpt(name))
			}
			return storeError(err, "tenant")
		}
		if err := fillDialectIDs(tx); err != nil {
			return err
		}
		if len(updates) > 0 {
			if err := setDialectIDs(tx, t.ID, updates); err != nil {
				return err
			}
		}
		if err := seedDictionaries(tx, t.ID); err != nil {
			return err
		}
		return tx.Where("id = ?", t.ID).Take(&t).Error
	})
	return t, storeError(err, "tenant")
}

// Tenants are every tenant, in the order they were made.
func (s *Service) Tenants(ctx context.Context) ([]Tenant, error) {
	var ts []Tenant
	return ts, storeError(s.db.WithContext(ctx).Order("id").Find(&ts).Error, "tenant")
}

// TenantRef says which of a tenant's names a LoginRequest's Tenant is.
type TenantRef int

// The names a login may give its tenant by.
const (
	ByNameOrID         TenantRef = iota // crmgw's own: its name, or its id
	ByYunzmallShop                      // the yunzmall shop id
	ByQcyOrg                            // the WebApi's org_id
	ByIkcrmCorpOrgName                  // ikcrm's corp_id: the corp id, the organisation id, or the name
)

// tenantMatch is the condition on the table tenants of a login's tenant.
func tenantMatch(ref TenantRef, value string) (string, []any) {
	id, err := strconv.ParseUint(value, 10, 63)
	if err != nil {
		id = 0 // not an id (or past 2^63, which no tenant has): only a name may match
	}
	switch ref {
	case ByYunzmallShop:
		return "tenants.yunzmall_shop_id = ?", []any{id}
	case ByQcyOrg:
		return "tenants.qcy_org_id = ?", []any{id}
	case ByIkcrmCorpOrgName:
		return "(tenants.ikcrm_corp_id = ? OR tenants.ikcrm_org_id = ? OR tenants.name = ?)", []any{value, id, value}
	default:
		return "(tenants.name = ? OR tenants.id = ?)", []any{value, id}
	}
}

// String names the dialect ids for messages and listings.
func (d DialectIDs) String() string {
	return fmt.Sprintf("yunzmall shop %d, qcy org %d, ikcrm organisation %d, ikcrm corp %q", d.YunzmallShop, d.QcyOrg, d.IkcrmOrg, d.IkcrmCorp)
}

// dialectIDsOf selects the dialect ids of the tenants table aliased as x into
// a Tenant embedded with the prefix x_.
func dialectIDsOf(x string) string {
	return x + ".yunzmall_shop_id AS " + x + "_yunzmall_shop_id, " + x + ".qcy_org_id AS " + x + "_qcy_org_id, " +
		x + ".ikcrm_org_id AS " + x + "_ikcrm_org_id, " + x + ".ikcrm_corp_id AS " + x + "_ikcrm_corp_id"
}
