package core

import (
	"context"
	"errors"
	"maps"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DictEntry is one value of a tenant's dictionary (the WebApi's BaseType, the
// ikcrm field maps): a contact type, an industry, a payment type … Code is the
// id clients see, unique per tenant and kind; ParentCode builds trees (customer types).
type DictEntry struct {
	ID         uint64 `gorm:"primaryKey"`
	TenantID   uint64 `gorm:"not null;uniqueIndex:ux_dict_code,priority:1"`
	Kind       string `gorm:"size:32;not null;uniqueIndex:ux_dict_code,priority:2"`
	Code       uint64 `gorm:"not null;uniqueIndex:ux_dict_code,priority:3"`
	ParentCode uint64 `gorm:"not null"`
	Name       string `gorm:"size:128;not null"`
	Sort       int    `gorm:"not null"`
	Enabled    bool   `gorm:"not null"`
}

// Dictionary kinds.
const (
	DictContactType      = "contact_type"
	DictContactRoute     = "contact_route"
	DictIndustry         = "industry"
	DictSource           = "source"
	DictProgress         = "progress"
	DictContractCategory = "contract_category"
	DictPaymentType      = "payment_type"
	DictContractStatus   = "contract_status"
	DictCustomerStatus   = "customer_status"
	DictCustomerCategory = "customer_category" // the customer kinds (CustKind)
	DictCustomerType     = "customer_type"     // a tree
	DictTag              = "tag"
	DictOpportunityStage = "opportunity_stage" // codes 5 and 6 are won and lost (OpportunityStageWon, OpportunityStageLost)
	DictOpportunityKind  = "opportunity_kind"
)

// defaultDicts are every new tenant's dictionaries. Contact types and routes
// are the WebApi doc's own (ContactPlan: 1 销售联系 … 7 实施培训; 1 电话 … 4 上门).
var defaultDicts = map[string][]string{
	DictContactType:      {"销售联系", "客户关怀", "售后回访", "投诉回访", "服务支持", "维修维护", "实施培训"},
	DictContactRoute:     {"电话", "信函", "邮件", "上门"},
	DictIndustry:         {"IT/互联网", "制造业", "批发零售", "教育培训", "金融", "其他"},
	DictSource:           {"电话营销", "网络推广", "客户介绍", "展会", "其他"},
	DictProgress:         {"初步接触", "需求确认", "方案报价", "商务谈判", "成交", "流失"},
	DictContractCategory: {"销售合同", "采购合同", "服务合同"},
	DictPaymentType:      {"现金", "支票", "银行转账"},
	DictContractStatus:   {"执行中", "结束", "意外终止"}, // codes 1–3: executing, finished, terminated
	DictCustomerStatus:   {"潜在客户", "意向客户", "成交客户", "流失客户"},
	DictCustomerCategory: {"企业客户", "个人客户"},
	DictCustomerType:     {"重点客户", "普通客户", "VIP客户"},
	DictTag:              {"重要", "待跟进"},
	DictOpportunityStage: {"初步洽谈", "需求确定", "方案报价", "谈判审核", "赢单", "输单"},
	DictOpportunityKind:  {"新客户", "老客户"},
}

// customerTypeParents places VIP客户 (code 3) under 重点客户 (code 1).
var customerTypeParents = map[uint64]uint64{3: 1}

// seedDictionaries gives the tenants (all of them when none is named) the
// default dictionary entries they lack. Entries are only ever added, never
// changed, so a tenant's own edits survive.
func seedDictionaries(db *gorm.DB, tenants ...uint64) error {
	if len(tenants) == 0 {
		if err := db.Model(&Tenant{}).Pluck("id", &tenants).Error; err != nil {
			return err
		}
	}
	for _, t := range tenants {
		var entries []DictEntry
		for kind, names := range defaultDicts {
			for i, name := range names {
				code := uint64(i + 1)
				parent := uint64(0)
				if kind == DictCustomerType {
					parent = customerTypeParents[code]
				}
				entries = append(entries, DictEntry{TenantID: t, Kind: kind, Code: code, ParentCode: parent, Name: name, Sort: i + 1, Enabled: true})
			}
		}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(entries, 100).Error; err != nil {
			return err
		}
	}
	return nil
}

// Dictionary lists a kind's enabled entries in their order.
func (s *Service) Dictionary(ctx context.Context, c Caller, kind string) ([]DictEntry, error) {
	var out []DictEntry
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("kind = ? AND enabled = ?", kind, true).
		Order("sort, code").Find(&out).Error
	return out, storeError(err, "dictionary")
}

// CustomerTypes lists the customer types under parent (0: the top level).
func (s *Service) CustomerTypes(ctx context.Context, c Caller, parent uint64) ([]DictEntry, error) {
	var out []DictEntry
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).
		Where("kind = ? AND enabled = ? AND parent_code = ?", DictCustomerType, true, parent).
		Order("sort, code").Find(&out).Error
	return out, storeError(err, "customer type")
}

// CustomerSign is the tenant's default kind of customer: 1 a company, 2 a person.
func (s *Service) CustomerSign(ctx context.Context, c Caller) (int, error) {
	var t Tenant
	err := s.db.WithContext(ctx).Where("id = ?", c.TenantID).Take(&t).Error
	return t.CustomerSign, storeError(err, "tenant")
}

// SetCustomerSign sets the tenant's default kind of customer, 1 or 2;
// changed tells whether it was another.
func (s *Service) SetCustomerSign(ctx context.Context, c Caller, sign int) (changed bool, _ error) {
	if sign != 1 && sign != 2 {
		return false, Errorf(EINVALID, "a customer sign is 1 (a company) or 2 (a person), not %d", sign)
	}
	res := s.db.WithContext(ctx).Model(&Tenant{}).Where("id = ? AND customer_sign <> ?", c.TenantID, sign).Update("customer_sign", sign)
	return res.RowsAffected > 0, storeError(res.Error, "tenant")
}

// contractStatusCodes ties the contract states to their codes in the
// contract_status dictionary (the order of its defaults).
var contractStatusCodes = map[string]uint64{ContractExecuting: 1, ContractFinished: 2, ContractTerminated: 3}

// ContractStatusCode is a contract state's code in the contract_status dictionary.
func ContractStatusCode(status string) uint64 { return contractStatusCodes[status] }

// ContractStatusOfCode is the contract state of a contract_status code.
func ContractStatusOfCode(code uint64) (string, bool) {
	for s, c := range contractStatusCodes {
		if c == code {
			return s, true
		}
	}
	return "", false
}

// DictionaryNames maps the codes of the given kinds to their names (disabled
// entries included: old records still name them), in one query.
func (s *Service) DictionaryNames(ctx context.Context, c Caller, kinds ...string) (map[string]map[uint64]string, error) {
	var entries []DictEntry
	if err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Select("kind", "code", "name").
		Where("kind IN ?", kinds).Find(&entries).Error; err != nil {
		return nil, storeError(err, "dictionary")
	}
	out := make(map[string]map[uint64]string, len(kinds))
	for _, k := range kinds {
		out[k] = map[uint64]string{}
	}
	for _, e := range entries {
		out[e.Kind][e.Code] = e.Name
	}
	return out, nil
}

// PutDictEntry writes an entry of one of the tenant's dictionaries by its kind
// and code (the id clients send): made when missing, else given e's name,
// parent, order and whether it is offered. An import's entries so replace the
// defaults of the same codes, and a second run changes nothing: changed says
// whether the tenant's entry was missing or different.
func (s *Service) PutDictEntry(ctx context.Context, c Caller, e DictEntry) (_ DictEntry, changed bool, _ error) {
	if _, ok := defaultDicts[e.Kind]; !ok {
		return DictEntry{}, false, Errorf(EINVALID, "dictionary %q is none of crmgw's", Excerpt(e.Kind))
	}
	if e.Code == 0 || e.Code > maxRecordID {
		return DictEntry{}, false, Errorf(EINVALID, "a dictionary code is from 1 to %d, not %d", uint64(maxRecordID), e.Code)
	}
	if err := s.check(struct {
		Name string `name:"name" validate:"required,max=128"`
	}{e.Name}); err != nil {
		return DictEntry{}, false, err
	}
	e.TenantID = c.TenantID
	err := s.tx(ctx, func(tx *gorm.DB) error {
		e.ID, changed = 0, false // as on the first attempt
		var have DictEntry
		err := tx.Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", e.Kind, e.Code).Take(&have).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			changed = true
			return storeError(tx.Create(&e).Error, "dictionary entry")
		}
		if err != nil {
			return storeError(err, "dictionary entry")
		}
		e.ID = have.ID
		if have == e {
			return nil
		}
		changed = true
		return storeError(tx.Model(&have).Select("parent_code", "name", "sort", "enabled").Updates(&e).Error, "dictionary entry")
	})
	return e, changed && err == nil, err
}

// DictKinds are the kinds of dictionary every tenant has, sorted.
func DictKinds() []string {
	kinds := slices.Collect(maps.Keys(defaultDicts))
	slices.Sort(kinds)
	return kinds
}
