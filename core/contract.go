package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Contract states.
const (
	ContractExecuting  = "executing"
	ContractFinished   = "finished"
	ContractTerminated = "terminated"

	ApprovalApplying = "applying"
	ApprovalApproved = "approved"
)

// Contract is a signed deal with a customer.
type Contract struct {
	ID            uint64 `gorm:"primaryKey;autoIncrement:false;not null;index:ix_contracts_created_id,priority:3;index:ix_contracts_signed_id,priority:3;index:ix_contracts_department_signed_id,priority:4"` // the tenant's own (ids.go)
	TenantID      uint64 `gorm:"primaryKey;autoIncrement:false;not null;uniqueIndex:ux_contracts_sn,priority:1;index:ix_contracts_owner_month,priority:1;index:ix_contracts_department_signed_id,priority:1;index:ix_contracts_signed_id,priority:1;index:ix_contracts_customer,priority:1;index:ix_contracts_created_id,priority:1"`
	SN            string `gorm:"column:sn;size:64;not null;uniqueIndex:ux_contracts_sn,priority:2"`
	Title         string `gorm:"size:255;not null"`
	CustomerID    uint64 `gorm:"not null;index:ix_contracts_customer,priority:2"`
	OwnerID       uint64 `gorm:"not null;index:ix_contracts_owner_month,priority:2"`
	DepartmentID  uint64 `gorm:"not null;index:ix_contracts_department_signed_id,priority:2"`
	CreatorID     uint64 `gorm:"not null"`
	OpportunityID uint64 `gorm:"not null"`
	// CustomFieldTemplateID is the client's business type id, kept as given (no catalogue yet).
	CustomFieldTemplateID uint64 `gorm:"not null;default:0"`
	// In the owner-and-month index too, so a month's deal is summed from the index alone.
	TotalAmount    Money          `gorm:"not null;index:ix_contracts_owner_month,priority:4"`
	SignDate       Date           `gorm:"not null;index:ix_contracts_owner_month,priority:3;index:ix_contracts_department_signed_id,priority:3;index:ix_contracts_signed_id,priority:2"`
	StartDate      Date           `gorm:"not null"`
	EndDate        Date           `gorm:"not null"`
	Status         string         `gorm:"size:16;not null"`
	ApproveStatus  string         `gorm:"size:16;not null"`
	CategoryID     uint64         `gorm:"not null"`
	PaymentTypeID  uint64         `gorm:"not null"`
	CustomerSigner string         `gorm:"size:128;not null"`
	OurSigner      string         `gorm:"size:128;not null"`
	SpecialTerms   string         `gorm:"type:text;not null"`
	CustomFields   string         `gorm:"type:text;not null"`                                // a JSON object of fields no dialect models
	CreatedAt      time.Time      `gorm:"not null;index:ix_contracts_created_id,priority:2"` // indexed, with the id: the lists page newest first
	UpdatedAt      time.Time      `gorm:"not null"`
	Lines          []ContractLine `gorm:"foreignKey:ContractID,TenantID;references:ID,TenantID"`
}

// ContractNotifyUser is a user told when the contract's approval completes.
type ContractNotifyUser struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	ContractID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// ContractLine is a product line of a contract: quantity × unit price.
type ContractLine struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID      uint64    `gorm:"primaryKey;autoIncrement:false;not null;index:ix_contract_lines_contract,priority:1"`
	ContractID    uint64    `gorm:"not null;index:ix_contract_lines_contract,priority:2"`
	ProductID     uint64    `gorm:"not null"` // kept as given: there is no product catalogue
	ProductAttrID uint64    `gorm:"not null;default:0"`
	ProductName   string    `gorm:"size:255;not null"`
	ProductNo     string    `gorm:"size:64;not null"`
	Quantity      int64     `gorm:"not null"`
	UnitPrice     Money     `gorm:"not null"`
	TotalPrice    Money     `gorm:"not null"`
	SaleUnit      string    `gorm:"size:32;not null"`
	Spec          string    `gorm:"size:255;not null"`
	Remark        string    `gorm:"size:255;not null"`
	CreatedAt     time.Time `gorm:"not null"`
}

// ContractListQuery selects and orders a page of contracts.
type ContractListQuery struct {
	Query         string // part of the title or sn
	Status        string // ContractExecuting …; "" for any
	ApproveStatus string // ApprovalApplying …; "" for any
	CustomerID    uint64 // 0 for any
	OpportunityID uint64 // 0 for any
	Mine          bool   // only the caller's
	Subordinates  bool   // only those of the others in the caller's department
	Sort          string // created_at, updated_at, sign_date or total_amount
	Desc          bool
	Page          int // from 1
	PerPage       int
}

// ContractListItem is a contract with its owner's and customer's names and the money received so far.
type ContractListItem struct {
	ID            uint64
	OwnerID       uint64
	OwnerName     string
	CustomerID    uint64
	CustomerName  string
	Title         string
	TotalAmount   Money
	Received      Money // payments in so far
	Unreceived    Money // total amount less what was received
	ApproveStatus string
	Status        string
	UpdatedAt     time.Time
}

// ContractList is one page of contracts and the count of all that match.
type ContractList struct {
	Items []ContractListItem
	Total int64
}

var contractSorts = map[string]string{
	"created_at": "contracts.created_at", "updated_at": "contracts.updated_at",
	"sign_date": "contracts.sign_date", "total_amount": "contracts.total_amount",
}

// ListContracts pages through the tenant's contracts.
func (s *Service) ListContracts(ctx context.Context, c Caller, q ContractListQuery) (ContractList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return ContractList{}, err
	}
	sort, known := contractSorts[q.Sort]
	if !known {
		return ContractList{}, Invalidf(FieldSort, "cannot sort by %q", Excerpt(q.Sort))
	}
	db := s.db.WithContext(ctx).Table("contracts").Scopes(inTenant(c.TenantID))
	if q.Query != "" {
		like, err := containsPattern(FieldQuery, q.Query)
		if err != nil {
			return ContractList{}, err
		}
		db = db.Where("(contracts.title LIKE ? ESCAPE '!' OR contracts.sn LIKE ? ESCAPE '!')", like, like)
	}
	if q.Status != "" {
		db = db.Where("contracts.status = ?", q.Status)
	}
	if q.ApproveStatus != "" {
		db = db.Where("contracts.approve_status = ?", q.ApproveStatus)
	}
	if q.CustomerID != 0 {
		db = db.Where("contracts.customer_id = ?", q.CustomerID)
	}
	if q.OpportunityID != 0 {
		db = db.Where("contracts.opportunity_id = ?", q.OpportunityID)
	}
	switch {
	case q.Mine:
		db = db.Where("contracts.owner_id = ?", c.UserID)
	case q.Subordinates:
		db = db.Where("contracts.owner_id <> ? AND contracts.owner_id IN (SELECT id FROM users WHERE tenant_id = ? AND department_id = ?)",
			c.UserID, c.TenantID, c.DepartmentID)
	}
	db = db.Session(&gorm.Session{}) // the conditions, safe to reuse for the count and the page
	var out ContractList
	if err := db.Count(&out.Total).Error; err != nil {
		return ContractList{}, storeError(err, "contract")
	}
	order := sort + " ASC, contracts.id ASC"
	if q.Desc {
		order = sort + " DESC, contracts.id DESC"
	}
	// The page's ids first, through the index alone, then their rows: joined
	// before the OFFSET, every row skipped cost its owner's and customer's
	// lookups too (a crawl of 100k contracts, page by page, is quadratic).
	var ids []uint64
	if err := db.Order(order).Limit(q.PerPage).Offset((q.Page-1)*q.PerPage).Pluck("contracts.id", &ids).Error; err != nil {
		return ContractList{}, storeError(err, "contract")
	}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Table("contracts").Scopes(inTenant(c.TenantID)).Where("contracts.id IN ?", ids).
		Select(`contracts.id, contracts.owner_id, users.real_name AS owner_name, contracts.customer_id,
  customers.name AS customer_name, contracts.title, contracts.total_amount, contracts.approve_status,
  contracts.status, contracts.updated_at`).
		Joins("JOIN users ON users.id = contracts.owner_id AND users.tenant_id = contracts.tenant_id").
		Joins("JOIN customers ON customers.id = contracts.customer_id AND customers.tenant_id = contracts.tenant_id").
		Order(order).Scan(&out.Items).Error
	if err != nil {
		return ContractList{}, storeError(err, "contract")
	}
	// What each contract of the page received, in one query of the page's
	// ids apart from the page's: as a subquery of each row, MariaDB, its
	// statistics stale after a bulk load, summed the tenant's every payment
	// for each of the tenant's contracts before the LIMIT (100M rows read,
	// a minute, at 10k contracts).
	var sums []struct {
		ContractID uint64
		Received   Money
	}
	err = s.db.WithContext(ctx).Table("payments").Scopes(inTenant(c.TenantID)).
		Select("contract_id, "+s.sumCents("amount")+" AS received").
		Where("contract_id IN ? AND direction = ?", ids, PaymentIn).Group("contract_id").Scan(&sums).Error
	if err != nil {
		return ContractList{}, storeError(err, "contract")
	}
	received := make(map[uint64]Money, len(sums))
	for _, r := range sums {
		received[r.ContractID] = r.Received
	}
	for i := range out.Items {
		k := &out.Items[i]
		k.Received = received[k.ID]
		k.Unreceived = Money{k.TotalAmount.Sub(k.Received.Decimal)}
	}
	return out, nil
}

// NewContract is the input of CreateContract; UpdateContract applies a ContractChange to the contract as one.
// CustomFields holds JSON values, numbers as json.Number: each keeps the text
// it was sent as.
type NewContract struct {
	ID                    uint64 // the id to keep (an import's), its lines' too: ECONFLICT when the tenant holds one; 0: a new one
	Title                 string `name:"title" validate:"required,max=255"`
	SN                    string `name:"sn" validate:"max=64"` // unique in the tenant; "": numbered by the tenant's rule
	CustomerID            uint64 `name:"customer_id" validate:"required"`
	OwnerID               uint64 // 0: the caller
	DepartmentID          uint64 // 0: the owner's department
	OpportunityID         uint64
	TurnOpportunity       bool // the opportunity is won: this contract is what it turned into
	TotalAmount           Money
	SignDate              Date   // zero: today in the tenant's time zone
	StartDate             Date   `name:"start_date"`
	EndDate               Date   `name:"end_date"`
	Status                string `name:"status" validate:"omitempty,oneof=executing finished terminated"`
	ApproveStatus         string `name:"approve_status" validate:"omitempty,oneof=applying approved"` // "": the tenant's setting
	CategoryID            uint64 // a contract_category dictionary code, 0 for none
	PaymentTypeID         uint64 // a payment_type dictionary code, 0 for none
	CustomFieldTemplateID uint64
	CustomerSigner        string `name:"customer_signer" validate:"max=128"`
	OurSigner             string `name:"our_signer" validate:"max=128"`
	SpecialTerms          string `name:"special_terms" validate:"max=65535"`
	CustomFields          map[string]any
	NotifyUserIDs         []uint64          `name:"notify_user_ids" validate:"max=1000"`
	Lines                 []NewContractLine `name:"lines" validate:"max=1000,dive"`
	CreatedAt             time.Time         // CreateContract's only; zero: now
	UpdatedAt             time.Time         // CreateContract's only; zero: its CreatedAt
}

// NewContractLine is one product line of a NewContract. In UpdateContract a
// line with an ID replaces that line of the contract.
type NewContractLine struct {
	ID            uint64
	ProductID     uint64
	ProductAttrID uint64
	ProductName   string `name:"product_name" validate:"max=255"`
	ProductNo     string `name:"product_no" validate:"max=64"`
	Quantity      int64  `name:"quantity" validate:"gte=0"`
	UnitPrice     Money
	TotalPrice    *Money // when given, it must be UnitPrice × Quantity
	SaleUnit      string `name:"sale_unit" validate:"max=32"`
	Spec          string `name:"spec" validate:"max=255"`
	Remark        string `name:"remark" validate:"max=255"`
}

// line checks l and makes it the i-th line of a contract.
func (l NewContractLine) line(tenantID uint64, i int) (ContractLine, error) {
	if l.UnitPrice.IsNegative() {
		return ContractLine{}, Invalidf(FieldUnitPrice, "line %d: unit price cannot be negative", i+1)
	}
	total := Money{l.UnitPrice.Mul(decimalOf(l.Quantity))}
	for _, m := range []Money{l.UnitPrice, total} {
		if err := m.check(); err != nil {
			return ContractLine{}, Invalidf(FieldUnitPrice, "line %d: %v", i+1, err)
		}
	}
	if l.TotalPrice != nil && !l.TotalPrice.Equal(total.Decimal) {
		return ContractLine{}, Invalidf(FieldTotalPrice, "line %d: %s %s is not %s × %s = %s",
			i+1, FieldTotalPrice, l.TotalPrice.StringFixed(2), FieldUnitPrice, FieldQuantity, total.StringFixed(2))
	}
	return ContractLine{ID: l.ID, TenantID: tenantID, ProductID: l.ProductID, ProductAttrID: l.ProductAttrID,
		ProductName: l.ProductName, ProductNo: l.ProductNo, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
		TotalPrice: total, SaleUnit: l.SaleUnit, Spec: l.Spec, Remark: l.Remark}, nil
}

// contract checks in and fills the fields of k it decides.
func (s *Service) contract(c Caller, in NewContract, k *Contract) error {
	if err := s.check(in); err != nil {
		return err
	}
	switch {
	case in.StartDate.IsZero():
		return Invalidf(FieldStartDate, "%s is required", FieldStartDate)
	case in.EndDate.IsZero():
		return Invalidf(FieldEndDate, "%s is required", FieldEndDate)
	case in.EndDate.Before(in.StartDate):
		return Invalidf(FieldEndDate, "%s %s is before %s %s", FieldEndDate, in.EndDate, FieldStartDate, in.StartDate)
	case in.TotalAmount.IsNegative():
		return Invalidf(FieldTotalAmount, "%s cannot be negative", FieldTotalAmount)
	}
	if err := in.TotalAmount.check(); err != nil {
		return Invalidf(FieldTotalAmount, "%s: %v", FieldTotalAmount, err)
	}
	if in.SignDate.IsZero() {
		in.SignDate = DateOf(s.clock.Now().In(c.Location))
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if in.Status == "" {
		in.Status = ContractExecuting
	}
	custom := []byte("{}")
	if len(in.CustomFields) > 0 {
		var err error
		if custom, err = json.Marshal(in.CustomFields); err != nil {
			return Invalidf(FieldCustomFields, "custom fields are not JSON: %v", err)
		}
	}
	k.TenantID, k.SN, k.Title, k.CustomerID, k.OwnerID = c.TenantID, in.SN, in.Title, in.CustomerID, in.OwnerID
	k.DepartmentID, k.OpportunityID, k.TotalAmount = in.DepartmentID, in.OpportunityID, in.TotalAmount
	k.SignDate, k.StartDate, k.EndDate, k.Status = in.SignDate, in.StartDate, in.EndDate, in.Status
	k.CategoryID, k.PaymentTypeID, k.CustomFieldTemplateID = in.CategoryID, in.PaymentTypeID, in.CustomFieldTemplateID
	k.CustomerSigner, k.OurSigner, k.SpecialTerms, k.CustomFields = in.CustomerSigner, in.OurSigner, in.SpecialTerms, string(custom)
	k.Lines = k.Lines[:0]
	for i, l := range in.Lines {
		line, err := l.line(c.TenantID, i)
		if err != nil {
			return err
		}
		k.Lines = append(k.Lines, line)
	}
	return nil
}

// references checks, inside tx, that everything k and notify name is in the
// caller's tenant, and gives k its owner's department when it has none.
func (s *Service) references(tx *gorm.DB, c Caller, k *Contract, notify []uint64) error {
	var owner User
	if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", k.OwnerID).Take(&owner).Error; err != nil {
		return storeError(err, "user")
	}
	if k.DepartmentID == 0 {
		k.DepartmentID = owner.DepartmentID
	} else if err := s.mustExistTx(tx, c, &Department{}, "department", k.DepartmentID); err != nil {
		return err
	}
	if err := s.checkContactOf(tx, c, k.CustomerID, 0); err != nil { // locks the customer
		return err
	}
	if k.OpportunityID != 0 {
		if err := s.mustExistTx(tx, c, &Opportunity{}, "opportunity", k.OpportunityID); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		kind string
		code uint64
	}{{DictContractCategory, k.CategoryID}, {DictPaymentType, k.PaymentTypeID}} {
		if d.code == 0 {
			continue
		}
		var n int64
		if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", d.kind, d.code).Count(&n).Error; err != nil {
			return storeError(err, d.kind)
		}
		if n == 0 {
			return NotFoundf(d.kind, "%s %d not found", d.kind, d.code)
		}
	}
	if len(notify) > 0 {
		var n int64
		if err := tx.Model(&User{}).Scopes(inTenant(c.TenantID)).Where("id IN ?", notify).Count(&n).Error; err != nil {
			return storeError(err, "user")
		}
		if int(n) != len(uniq(notify)) {
			e := NotFoundf("user", "%s %v: not all are users of the tenant", FieldNotifyUserIDs, notify)
			e.Field = FieldNotifyUserIDs
			return e
		}
	}
	return nil
}

// numberContract gives k the tenant's next contract number not yet taken.
// The sequence is a column of the tenant's row: incrementing it locks the row,
// so concurrent creations never draw the same number.
func numberContract(tx *gorm.DB, k *Contract) error {
	for range 1000 { // numbers taken by hand are skipped; a thousand in a row means something is wrong
		if err := tx.Model(&Tenant{}).Where("id = ?", k.TenantID).
			UpdateColumn("contract_seq", gorm.Expr("contract_seq + 1")).Error; err != nil {
			return storeError(err, "tenant")
		}
		var t Tenant
		if err := tx.Select("contract_prefix", "contract_seq").Where("id = ?", k.TenantID).Take(&t).Error; err != nil {
			return storeError(err, "tenant")
		}
		k.SN = fmt.Sprintf("%s%06d", t.ContractPrefix, t.ContractSeq)
		var n int64
		if err := tx.Model(&Contract{}).Scopes(inTenant(k.TenantID)).Where("sn = ?", k.SN).Count(&n).Error; err != nil {
			return storeError(err, "contract")
		}
		if n == 0 {
			return nil
		}
	}
	return Errorf(EINTERNAL, "no free contract number after %s", k.SN)
}

// snFree checks that no other contract of the tenant has k's sn.
func snFree(tx *gorm.DB, k *Contract) error {
	var n int64
	if err := tx.Model(&Contract{}).Scopes(inTenant(k.TenantID)).Where("sn = ? AND id <> ?", k.SN, k.ID).Count(&n).Error; err != nil {
		return storeError(err, "contract")
	}
	if n > 0 {
		return snTaken(k.SN)
	}
	return nil
}

// snTaken is the conflict of a contract sn in use, whether snFree saw it or,
// when two writers raced past snFree at once, the unique index stopped the later.
func snTaken(sn string) *Error {
	e := Errorf(ECONFLICT, "contract sn %q is taken", sn)
	e.Field, e.Entity = FieldSN, "contract"
	return e
}

// contractWriteError is storeError for the write of contract k.
func contractWriteError(err error, k *Contract) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return snTaken(k.SN)
	}
	return storeError(err, "contract")
}

// CreateContract adds a contract, its lines and the users to notify in one transaction.
func (s *Service) CreateContract(ctx context.Context, c Caller, in NewContract) (Contract, error) {
	lineIDs := make([]uint64, 0, len(in.Lines))
	for _, l := range in.Lines {
		if l.ID != 0 && in.ID == 0 { // a line id names an existing line, of this contract or another; an import's keeps it
			return Contract{}, Invalidf(FieldLines, "a new contract's lines have no id (got %d)", l.ID)
		}
		lineIDs = append(lineIDs, l.ID)
	}
	var proto Contract
	if err := s.contract(c, in, &proto); err != nil {
		return Contract{}, err
	}
	proto.ID, proto.CreatorID = in.ID, c.UserID
	proto.CreatedAt, proto.UpdatedAt = in.CreatedAt, in.CreatedAt
	if !in.UpdatedAt.IsZero() {
		proto.UpdatedAt = in.UpdatedAt
	}
	for i := range proto.Lines {
		proto.Lines[i].CreatedAt = in.CreatedAt // made with the contract
	}
	var k Contract
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// What the insert fills in (ids, times, the number, the department)
		// starts from the checked input again on each attempt.
		k = proto
		k.Lines = slices.Clone(proto.Lines)
		if err := s.references(tx, c, &k, in.NotifyUserIDs); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &Contract{}, "contract", in.ID); err != nil {
			return err
		}
		if err := keptIDsFree(tx, c, &ContractLine{}, "contract line", lineIDs); err != nil {
			return err
		}
		var t Tenant
		if err := tx.Select("contract_approval").Where("id = ?", c.TenantID).Take(&t).Error; err != nil {
			return storeError(err, "tenant")
		}
		k.ApproveStatus = in.ApproveStatus
		if k.ApproveStatus == "" {
			k.ApproveStatus = map[bool]string{true: ApprovalApplying, false: ApprovalApproved}[t.ContractApproval]
		}
		if k.SN == "" {
			if err := numberContract(tx, &k); err != nil {
				return err
			}
		} else if err := snFree(tx, &k); err != nil {
			return err
		}
		if err := tx.Create(&k).Error; err != nil {
			return contractWriteError(err, &k)
		}
		d := counterDeltas{}
		d.deal(k, 1)
		if err := d.apply(tx, c.TenantID); err != nil {
			return err
		}
		if in.TurnOpportunity && k.OpportunityID != 0 {
			if err := tx.Model(&Opportunity{}).Scopes(inTenant(c.TenantID)).Where("id = ?", k.OpportunityID).
				Updates(map[string]any{"stage": OpportunityWon, "stage_id": OpportunityStageWon}).Error; err != nil {
				return storeError(err, "opportunity")
			}
		}
		if err := learnCustomFields(tx, c, EntityContract, in.CustomFields); err != nil {
			return err
		}
		return setNotifyUsers(tx, k, in.NotifyUserIDs)
	})
	return k, err
}

// setNotifyUsers replaces the users told about k.
func setNotifyUsers(tx *gorm.DB, k Contract, ids []uint64) error {
	if err := tx.Scopes(inTenant(k.TenantID)).Where("contract_id = ?", k.ID).Delete(&ContractNotifyUser{}).Error; err != nil {
		return storeError(err, "contract")
	}
	rows := make([]ContractNotifyUser, 0, len(ids))
	for id := range uniq(ids) {
		rows = append(rows, ContractNotifyUser{TenantID: k.TenantID, ContractID: k.ID, UserID: id})
	}
	if len(rows) == 0 {
		return nil
	}
	return storeError(tx.Create(&rows).Error, "contract")
}

// ContractChange is an update of a contract, read from the wire and checked
// before any transaction: each field set changes, each nil one stays as it is.
type ContractChange struct {
	Title, SN                                        *string
	CustomerID, OwnerID, DepartmentID, OpportunityID *uint64
	CustomFieldTemplateID, CategoryID, PaymentTypeID *uint64
	TotalAmount                                      *Money
	StartDate, EndDate, SignDate                     *Date
	CustomerSigner, OurSigner, SpecialTerms          *string
	Status                                           *string
	NotifyUserIDs                                    *[]uint64
	Lines                                            []LineChange   // applied in order
	CustomFields                                     map[string]any // each one set; a nil value removes it
	TurnOpportunity                                  bool           // the contract's opportunity is won: it turned into this contract
}

// LineChange is one change of a contract's lines: without an ID it adds a
// line (unless Remove); with one it changes that line, or removes it.
type LineChange struct {
	ID                                             uint64
	Remove                                         bool
	ProductName, ProductNo, SaleUnit, Spec, Remark *string
	ProductID, ProductAttrID                       *uint64
	Quantity                                       *int64
	UnitPrice                                      *Money
	TotalPrice                                     *Money // checked against UnitPrice × Quantity when set; never kept
}

// set assigns *v to *to when v is set.
func set[T any](to *T, v *T) {
	if v != nil {
		*to = *v
	}
}

// ApplyTo makes in, a contract as it is (empty for a new one), what ch asks
// for. It only assigns, and refuses only what depends on the contract: a
// line it does not hold, turning an opportunity when it names none.
func (ch ContractChange) ApplyTo(in *NewContract) error {
	set(&in.Title, ch.Title)
	set(&in.SN, ch.SN)
	set(&in.CustomerID, ch.CustomerID)
	set(&in.OwnerID, ch.OwnerID)
	set(&in.DepartmentID, ch.DepartmentID)
	set(&in.OpportunityID, ch.OpportunityID)
	set(&in.CustomFieldTemplateID, ch.CustomFieldTemplateID)
	set(&in.CategoryID, ch.CategoryID)
	set(&in.PaymentTypeID, ch.PaymentTypeID)
	set(&in.TotalAmount, ch.TotalAmount)
	set(&in.StartDate, ch.StartDate)
	set(&in.EndDate, ch.EndDate)
	set(&in.SignDate, ch.SignDate)
	set(&in.CustomerSigner, ch.CustomerSigner)
	set(&in.OurSigner, ch.OurSigner)
	set(&in.SpecialTerms, ch.SpecialTerms)
	set(&in.Status, ch.Status)
	set(&in.NotifyUserIDs, ch.NotifyUserIDs)
	for i, lc := range ch.Lines {
		if lc.ID == 0 {
			if !lc.Remove {
				in.Lines = append(in.Lines, lc.applyTo(NewContractLine{}))
			}
			continue
		}
		at := slices.IndexFunc(in.Lines, func(l NewContractLine) bool { return l.ID == lc.ID })
		switch {
		case at < 0: // also every id on a new contract, which has no lines yet
			e := NotFoundf("contract line", "line change %d: the contract has no line %d", i+1, lc.ID)
			e.Field, e.Index = FieldLines, i+1
			return e
		case lc.Remove:
			in.Lines = slices.Delete(in.Lines, at, at+1)
		default:
			in.Lines[at] = lc.applyTo(in.Lines[at])
		}
	}
	for key, value := range ch.CustomFields {
		if in.CustomFields == nil {
			in.CustomFields = map[string]any{}
		}
		if value == nil {
			delete(in.CustomFields, key)
		} else {
			in.CustomFields[key] = value
		}
	}
	if ch.TurnOpportunity {
		in.TurnOpportunity = true
		if in.OpportunityID == 0 {
			return Invalidf(FieldOpportunityID, "%s is required to turn an opportunity into a contract", FieldOpportunityID)
		}
	}
	return nil
}

// applyTo is line l with lc's changes.
func (lc LineChange) applyTo(l NewContractLine) NewContractLine {
	set(&l.ProductName, lc.ProductName)
	set(&l.ProductID, lc.ProductID)
	set(&l.ProductAttrID, lc.ProductAttrID)
	set(&l.ProductNo, lc.ProductNo)
	set(&l.Quantity, lc.Quantity)
	set(&l.UnitPrice, lc.UnitPrice)
	set(&l.SaleUnit, lc.SaleUnit)
	set(&l.Spec, lc.Spec)
	set(&l.Remark, lc.Remark)
	l.TotalPrice = lc.TotalPrice // always computed; checked only when sent
	return l
}

// UpdateContract changes one of the tenant's contracts in one transaction.
// change was read and checked before; under the contract's lock (on SQLite,
// the database's write lock) it is only applied to the contract as it is now.
// The result replaces the contract's fields, lines and users to notify: lines
// with an ID replace those lines, lines without one are added, and the lines
// it no longer holds are removed. The contract is locked from the read to the
// write, so concurrent updates apply one after the other and none writes back
// what another changed meanwhile. Its approval state and creator stay as they are.
func (s *Service) UpdateContract(ctx context.Context, c Caller, id uint64, change ContractChange) (Contract, error) {
	var k Contract
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// Every read locks what it reads: engines whose plain reads see the
		// transaction's first snapshot (TiDB) would otherwise read lines and
		// people from before the update this one waited for.
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).
			Preload("Lines", func(db *gorm.DB) *gorm.DB { return forUpdate(db).Order("id") }).
			Take(&k).Error; err != nil {
			return storeError(err, "contract")
		}
		var notify []uint64
		if err := forUpdate(tx).Model(&ContractNotifyUser{}).Scopes(inTenant(c.TenantID)).Where("contract_id = ?", id).Order("user_id").
			Pluck("user_id", &notify).Error; err != nil {
			return storeError(err, "contract")
		}
		was := k
		in, err := editable(k, notify)
		if err != nil {
			return err
		}
		if err := change.ApplyTo(&in); err != nil {
			return err
		}
		if err := s.contract(c, in, &k); err != nil {
			return err
		}
		if k.SN == "" {
			return Invalidf(FieldSN, "%s cannot be emptied", FieldSN)
		}
		if err := s.references(tx, c, &k, in.NotifyUserIDs); err != nil {
			return err
		}
		if err := snFree(tx, &k); err != nil {
			return err
		}
		k.UpdatedAt = s.now()
		// Save would insert when MySQL reports no changed rows; Updates of every column does not.
		if err := tx.Model(&k).Select("*").Omit("ID", "Lines", "CreatedAt", "CreatorID", "ApproveStatus").Updates(&k).Error; err != nil {
			return contractWriteError(err, &k)
		}
		if err := tx.Model(&Payment{}).Scopes(inTenant(c.TenantID)).Where("contract_id = ? AND owner_id <> ?", k.ID, k.OwnerID).
			Update("owner_id", k.OwnerID).Error; err != nil {
			return storeError(err, "payment")
		}
		if err := recountContract(tx, was, k); err != nil {
			return err
		}
		if err := replaceLines(tx, &k); err != nil {
			return err
		}
		if err := learnCustomFields(tx, c, EntityContract, change.CustomFields); err != nil {
			return err
		}
		return setNotifyUsers(tx, k, in.NotifyUserIDs)
	})
	return k, err
}

// recountContract moves contract was's share of the month counters to what
// it is now, k: its deal, and its payments when another owner or department
// holds it.
func recountContract(tx *gorm.DB, was, k Contract) error {
	d := counterDeltas{}
	if was.SignDate != k.SignDate || !was.TotalAmount.Equal(k.TotalAmount.Decimal) ||
		was.OwnerID != k.OwnerID || was.DepartmentID != k.DepartmentID {
		d.deal(was, -1)
		d.deal(k, 1)
	}
	if was.OwnerID != k.OwnerID || was.DepartmentID != k.DepartmentID {
		if err := d.payments(tx, was, -1); err != nil {
			return err
		}
		if err := d.payments(tx, k, 1); err != nil {
			return err
		}
	}
	return d.apply(tx, k.TenantID)
}

// forUpdate makes a query lock the rows it reads until the transaction ends
// (FOR UPDATE on MySQL; gormlite drops the clause on SQLite, whose immediate
// transactions hold the database's write lock anyway).
func forUpdate(db *gorm.DB) *gorm.DB {
	return db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
}

// replaceLines makes k.Lines the contract's lines.
func replaceLines(tx *gorm.DB, k *Contract) error {
	var existing []uint64
	if err := forUpdate(tx).Model(&ContractLine{}).Scopes(inTenant(k.TenantID)).
		Where("contract_id = ?", k.ID).Pluck("id", &existing).Error; err != nil {
		return storeError(err, "contract line")
	}
	kept := uniq(nil)
	for i := range k.Lines {
		l := &k.Lines[i]
		l.ContractID = k.ID
		if l.ID == 0 {
			continue
		}
		if !slices.Contains(existing, l.ID) {
			return NotFoundf("contract line", "contract %d has no line %d", k.ID, l.ID)
		}
		kept[l.ID] = struct{}{}
	}
	var gone []uint64
	for _, id := range existing {
		if _, ok := kept[id]; !ok {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := tx.Scopes(inTenant(k.TenantID)).Where("id IN ?", gone).Delete(&ContractLine{}).Error; err != nil {
			return storeError(err, "contract line")
		}
	}
	for i := range k.Lines {
		l := &k.Lines[i]
		var err error
		if l.ID == 0 {
			err = tx.Create(l).Error
		} else {
			err = tx.Model(l).Select("*").Omit("ID", "CreatedAt").Updates(l).Error
		}
		if err != nil {
			return storeError(err, "contract line")
		}
	}
	return nil
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

// DeleteContract removes a contract with its lines, payments, payment plans and users to notify.
func (s *Service) DeleteContract(ctx context.Context, c Caller, id uint64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var k Contract
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("tenant_id", "id", "owner_id", "department_id", "sign_date", "total_amount").
			Where("id = ?", id).Take(&k).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return NotFoundf("contract", "contract %d not found", id)
		} else if err != nil {
			return storeError(err, "contract")
		}
		d := counterDeltas{}
		d.deal(k, -1)
		if err := d.payments(tx, k, -1); err != nil {
			return err
		}
		if err := d.apply(tx, c.TenantID); err != nil {
			return err
		}
		for _, m := range []any{&ContractLine{}, &Payment{}, &PaymentPlan{}, &ContractNotifyUser{}} {
			if err := tx.Scopes(inTenant(c.TenantID)).Where("contract_id = ?", id).Delete(m).Error; err != nil {
				return storeError(err, "contract")
			}
		}
		return storeError(tx.Scopes(inTenant(c.TenantID)).Where("id = ?", id).Delete(&Contract{}).Error, "contract")
	})
}

// ContractDetail is a contract with everything its full view shows.
type ContractDetail struct {
	Contract
	Owner, Creator  User
	Department      Department
	Customer        Customer
	CustomerOwner   User // zero while the customer is in the public pool
	CustomerCreator User // zero when not known
	LastContactAt   *time.Time
	Opportunity     *Opportunity
	NotifyUsers     []User
	Received        Money // payments in so far
	Unreceived      Money // total amount less what was received
	Plans           []PaymentPlan
	Planned         Money             // the plans' amounts added up
	DepartmentNames map[uint64]string // of every department a user above is in
}

// editable is contract d, with its users to notify, as the input that would leave it unchanged.
func editable(d Contract, notify []uint64) (NewContract, error) {
	in := NewContract{Title: d.Title, SN: d.SN, CustomerID: d.CustomerID, OwnerID: d.OwnerID,
		DepartmentID: d.DepartmentID, OpportunityID: d.OpportunityID, TotalAmount: d.TotalAmount,
		SignDate: d.SignDate, StartDate: d.StartDate, EndDate: d.EndDate, Status: d.Status,
		CategoryID: d.CategoryID, PaymentTypeID: d.PaymentTypeID, CustomFieldTemplateID: d.CustomFieldTemplateID,
		CustomerSigner: d.CustomerSigner, OurSigner: d.OurSigner, SpecialTerms: d.SpecialTerms}
	var err error
	if in.CustomFields, err = d.CustomFieldValues(); err != nil {
		return NewContract{}, err
	}
	in.NotifyUserIDs = notify
	for _, l := range d.Lines {
		in.Lines = append(in.Lines, NewContractLine{ID: l.ID, ProductID: l.ProductID, ProductAttrID: l.ProductAttrID,
			ProductName: l.ProductName, ProductNo: l.ProductNo, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			SaleUnit: l.SaleUnit, Spec: l.Spec, Remark: l.Remark})
	}
	return in, nil
}

// CustomFieldValues decodes the contract's custom fields, numbers as
// json.Number: a float64 would turn 1e400 into an error and
// 12345678901234567890 into 12345678901234567000.
func (k Contract) CustomFieldValues() (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(k.CustomFields))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, Errorf(EINTERNAL, "contract %d: custom fields: %v", k.ID, err)
	}
	return m, nil
}

// CheckContract answers ENOTFOUND unless the tenant has contract id: one
// cheap read, for a dialect that answers a missing record before a bad request.
func (s *Service) CheckContract(ctx context.Context, c Caller, id uint64) error {
	return s.mustExist(ctx, c, &Contract{}, "contract", []uint64{id})
}

// GetContract reads one of the tenant's contracts with its lines, people,
// customer, payment figures and plans.
func (s *Service) GetContract(ctx context.Context, c Caller, id uint64) (ContractDetail, error) {
	db := s.db.WithContext(ctx)
	in := func() *gorm.DB { return db.Scopes(inTenant(c.TenantID)) }
	var d ContractDetail
	if err := in().Where("id = ?", id).Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Take(&d.Contract).Error; err != nil {
		return ContractDetail{}, storeError(err, "contract")
	}
	if err := in().Where("id = ?", d.CustomerID).Take(&d.Customer).Error; err != nil {
		return ContractDetail{}, storeError(err, "customer")
	}
	var notify []uint64
	if err := in().Model(&ContractNotifyUser{}).Where("contract_id = ?", id).Order("user_id").Pluck("user_id", &notify).Error; err != nil {
		return ContractDetail{}, storeError(err, "contract")
	}
	var users []User
	if err := in().Where("id IN ?", append([]uint64{d.OwnerID, d.CreatorID, d.Customer.OwnerID, d.Customer.CreatorID}, notify...)).
		Find(&users).Error; err != nil {
		return ContractDetail{}, storeError(err, "user")
	}
	byID := map[uint64]User{}
	var departments []uint64
	for _, u := range users {
		byID[u.ID] = u
		departments = append(departments, u.DepartmentID)
	}
	d.Owner, d.Creator = byID[d.OwnerID], byID[d.CreatorID]
	d.CustomerOwner, d.CustomerCreator = byID[d.Customer.OwnerID], byID[d.Customer.CreatorID]
	for _, uid := range notify {
		d.NotifyUsers = append(d.NotifyUsers, byID[uid])
	}
	var depts []Department
	if err := in().Where("id IN ?", append(departments, d.DepartmentID)).Find(&depts).Error; err != nil {
		return ContractDetail{}, storeError(err, "department")
	}
	d.DepartmentNames = map[uint64]string{}
	for _, dep := range depts {
		d.DepartmentNames[dep.ID] = dep.Name
		if dep.ID == d.DepartmentID {
			d.Department = dep
		}
	}
	if d.OpportunityID != 0 {
		var o Opportunity
		if err := in().Where("id = ?", d.OpportunityID).Take(&o).Error; err == nil {
			d.Opportunity = &o
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return ContractDetail{}, storeError(err, "opportunity")
		}
	}
	var last ContactHistory
	switch err := in().Select("contacted_at").Where("customer_id = ?", d.CustomerID).Order("contacted_at DESC").
		Take(&last).Error; {
	case err == nil:
		d.LastContactAt = &last.ContactedAt
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return ContractDetail{}, storeError(err, "contact history")
	}
	if err := in().Model(&Payment{}).Select("COALESCE("+s.sumCents("amount")+", 0)").Where("contract_id = ? AND direction = ?", id, PaymentIn).
		Scan(&d.Received).Error; err != nil {
		return ContractDetail{}, storeError(err, "payment")
	}
	d.Unreceived = Money{d.TotalAmount.Sub(d.Received.Decimal)}
	if err := in().Where("contract_id = ?", id).Order("due_on, id").Find(&d.Plans).Error; err != nil {
		return ContractDetail{}, storeError(err, "payment plan")
	}
	for _, p := range d.Plans {
		d.Planned = Money{d.Planned.Add(p.Amount.Decimal)}
	}
	return d, nil
}
