package core

import "time"

// The canonical CRM model, shared by every dialect. Every row but a tenant's
// carries TenantID, and every query goes through tenantScope.

// Tenant is one company using the gateway.
type Tenant struct {
	ID       uint64 `gorm:"primaryKey"`
	Name     string `gorm:"size:128;not null;uniqueIndex"`
	TimeZone string `gorm:"size:64;not null"`
	// CustomerSign is the kind of customer a new one is by default: 1 a company, 2 a person.
	CustomerSign int `gorm:"not null;default:1"`
	// ContractApproval: new contracts wait for approval (applying) rather than start approved.
	ContractApproval bool `gorm:"not null;default:false"`
	// Contracts created without an sn are numbered ContractPrefix + the next ContractSeq, six digits.
	ContractPrefix string `gorm:"size:16;not null;default:HT"`
	ContractSeq    uint64 `gorm:"not null;default:0"`
	// Opportunities: the tenant uses opportunities (the yunzmall statistics show opportunity_count).
	Opportunities bool      `gorm:"not null;default:false"`
	CreatedAt     time.Time `gorm:"not null"`
}

// Department groups users; contracts are credited to one.
type Department struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;uniqueIndex:ux_departments_name,priority:1"`
	Name      string    `gorm:"size:128;not null;uniqueIndex:ux_departments_name,priority:2"`
	CreatedAt time.Time `gorm:"not null"`
}

// User is an employee of a tenant: the owner of customers and contracts.
type User struct {
	ID           uint64    `gorm:"primaryKey"`
	TenantID     uint64    `gorm:"not null;uniqueIndex:ux_users_name,priority:1;index:ix_users_department,priority:1"`
	DepartmentID uint64    `gorm:"not null;index:ix_users_department,priority:2"`
	Name         string    `gorm:"size:128;not null;uniqueIndex:ux_users_name,priority:2"` // login name
	RealName     string    `gorm:"size:128;not null"`
	Email        string    `gorm:"size:255;not null"`
	Phone        string    `gorm:"size:64;not null"`
	PasswordHash string    `gorm:"size:255;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// APIToken is a credential of a user. Only its SHA-256 is kept.
type APIToken struct {
	ID        uint64     `gorm:"primaryKey"`
	TenantID  uint64     `gorm:"not null;index"`
	UserID    uint64     `gorm:"not null;index"`
	Hash      string     `gorm:"size:64;not null;uniqueIndex"`
	Source    string     `gorm:"size:16;not null"` // TokenRegistered or TokenLogin
	ExpiresAt *time.Time `gorm:"index"`            // nil: never; indexed for SweepTokens
	CreatedAt time.Time  `gorm:"not null"`
}

// Where a token came from.
const (
	TokenRegistered = "registered" // crmgw token add; never expires
	TokenLogin      = "login"      // a dialect's login; expires
)

// Customer is a company or person a tenant sells to.
type Customer struct {
	ID         uint64     `gorm:"primaryKey"`
	TenantID   uint64     `gorm:"not null;index:ix_customers_owner,priority:1;index:ix_customers_name,priority:1;index:ix_customers_created,priority:1;index:ix_customers_creator,priority:1;index:ix_customers_lost,priority:1"`
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
}

// CustomerTag attaches a tag (a dictionary entry) to a customer.
type CustomerTag struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	CustomerID uint64 `gorm:"primaryKey;autoIncrement:false"`
	TagID      uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// Contact is a person at a customer (a "link man").
type Contact struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_contacts_customer,priority:1"`
	CustomerID uint64    `gorm:"not null;index:ix_contacts_customer,priority:2"`
	Name       string    `gorm:"size:128;not null"`
	Title      string    `gorm:"size:128;not null"`
	Phone      string    `gorm:"size:64;not null"`
	Email      string    `gorm:"size:255;not null"`
	IsMain     bool      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// ContactHistory is a follow-up: one contact made with a customer.
type ContactHistory struct {
	ID          uint64    `gorm:"primaryKey"`
	TenantID    uint64    `gorm:"not null;index:ix_histories_user,priority:1;index:ix_histories_customer,priority:1"`
	UserID      uint64    `gorm:"not null;index:ix_histories_user,priority:2"`
	CustomerID  uint64    `gorm:"not null;index:ix_histories_customer,priority:2"`
	ContactID   uint64    `gorm:"not null"`
	TypeID      uint64    `gorm:"not null"`
	RouteID     uint64    `gorm:"not null"`
	Title       string    `gorm:"size:255;not null"`
	Content     string    `gorm:"type:text;not null"`
	ContactedAt time.Time `gorm:"not null;index:ix_histories_user,priority:3"`
	CreatedAt   time.Time `gorm:"not null"`
}

// ContactPlan is a contact to be made; executing it records a ContactHistory.
type ContactPlan struct {
	ID         uint64     `gorm:"primaryKey"`
	TenantID   uint64     `gorm:"not null;index:ix_plans_user,priority:1"`
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

// Opportunity is a possible sale, kept minimal.
type Opportunity struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_opportunities_owner,priority:1"`
	OwnerID    uint64    `gorm:"not null;index:ix_opportunities_owner,priority:2"`
	CustomerID uint64    `gorm:"not null"`
	Title      string    `gorm:"size:255;not null"`
	Amount     Money     `gorm:"not null"`
	Stage      string    `gorm:"size:32;not null"`
	CreatedAt  time.Time `gorm:"not null;index:ix_opportunities_owner,priority:3"`
}

// OpportunityWon is the stage of an opportunity turned into a contract.
const OpportunityWon = "won"

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
	ID            uint64 `gorm:"primaryKey"`
	TenantID      uint64 `gorm:"not null;uniqueIndex:ux_contracts_sn,priority:1;index:ix_contracts_owner_month,priority:1;index:ix_contracts_department_signed,priority:1;index:ix_contracts_signed,priority:1;index:ix_contracts_customer,priority:1"`
	SN            string `gorm:"column:sn;size:64;not null;uniqueIndex:ux_contracts_sn,priority:2"`
	Title         string `gorm:"size:255;not null"`
	CustomerID    uint64 `gorm:"not null;index:ix_contracts_customer,priority:2"`
	OwnerID       uint64 `gorm:"not null;index:ix_contracts_owner_month,priority:2"`
	DepartmentID  uint64 `gorm:"not null;index:ix_contracts_department_signed,priority:2"`
	CreatorID     uint64 `gorm:"not null"`
	OpportunityID uint64 `gorm:"not null"`
	// CustomFieldTemplateID is the client's business type id, kept as given (no catalogue yet).
	CustomFieldTemplateID uint64 `gorm:"not null;default:0"`
	// In the owner-and-month index too, so a month's deal is summed from the index alone.
	TotalAmount    Money          `gorm:"not null;index:ix_contracts_owner_month,priority:4"`
	SignDate       Date           `gorm:"not null;index:ix_contracts_owner_month,priority:3;index:ix_contracts_department_signed,priority:3;index:ix_contracts_signed,priority:2"`
	StartDate      Date           `gorm:"not null"`
	EndDate        Date           `gorm:"not null"`
	Status         string         `gorm:"size:16;not null"`
	ApproveStatus  string         `gorm:"size:16;not null"`
	CategoryID     uint64         `gorm:"not null"`
	PaymentTypeID  uint64         `gorm:"not null"`
	CustomerSigner string         `gorm:"size:128;not null"`
	OurSigner      string         `gorm:"size:128;not null"`
	SpecialTerms   string         `gorm:"type:text;not null"`
	CustomFields   string         `gorm:"type:text;not null"` // a JSON object of fields no dialect models
	CreatedAt      time.Time      `gorm:"not null"`
	UpdatedAt      time.Time      `gorm:"not null"`
	Lines          []ContractLine `gorm:"foreignKey:ContractID"`
}

// ContractNotifyUser is a user told when the contract's approval completes.
type ContractNotifyUser struct {
	TenantID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	ContractID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// ContractLine is a product line of a contract: quantity × unit price.
type ContractLine struct {
	ID            uint64    `gorm:"primaryKey"`
	TenantID      uint64    `gorm:"not null;index:ix_contract_lines_contract,priority:1"`
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

// Payment directions.
const (
	PaymentIn  = "in"  // 回款: received from the customer
	PaymentOut = "out" // 支出: paid out under the contract
)

// Payment is money that moved under a contract.
type Payment struct {
	ID         uint64 `gorm:"primaryKey"`
	TenantID   uint64 `gorm:"not null;index:ix_payments_contract,priority:1;index:ix_payments_paid,priority:1;index:ix_payments_owner,priority:1"`
	ContractID uint64 `gorm:"not null;index:ix_payments_contract,priority:2"`
	// OwnerID copies the contract's owner (UpdateContract keeps it in step), so
	// a user's payments in a month are one index range, whatever the data size.
	OwnerID   uint64    `gorm:"not null;default:0;index:ix_payments_owner,priority:2"`
	Direction string    `gorm:"size:8;not null;index:ix_payments_contract,priority:3;index:ix_payments_paid,priority:2;index:ix_payments_owner,priority:3"`
	Amount    Money     `gorm:"not null;index:ix_payments_owner,priority:5"` // summed from the index alone
	PaidOn    Date      `gorm:"not null;index:ix_payments_paid,priority:3;index:ix_payments_owner,priority:4"`
	CreatedAt time.Time `gorm:"not null"`
}

// PaymentPlan is an instalment expected from the customer.
type PaymentPlan struct {
	ID         uint64    `gorm:"primaryKey"`
	TenantID   uint64    `gorm:"not null;index:ix_payment_plans_contract,priority:1"`
	ContractID uint64    `gorm:"not null;index:ix_payment_plans_contract,priority:2"`
	Amount     Money     `gorm:"not null"`
	DueOn      Date      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// MonthlyTarget is a user's sales target for one month.
type MonthlyTarget struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;uniqueIndex:ux_targets_month,priority:1"`
	UserID    uint64    `gorm:"not null;uniqueIndex:ux_targets_month,priority:2"`
	Month     string    `gorm:"size:7;not null;uniqueIndex:ux_targets_month,priority:3"` // "2006-01"
	Amount    Money     `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// allModels lists every table, in creation order.
var allModels = []any{
	&Tenant{}, &Department{}, &User{}, &APIToken{},
	&Customer{}, &CustomerTag{}, &Contact{}, &ContactHistory{}, &ContactPlan{},
	&Opportunity{}, &Contract{}, &ContractLine{}, &ContractNotifyUser{}, &Payment{}, &PaymentPlan{},
	&MonthlyTarget{}, &ImsLock{}, &CallRecord{}, &SmsMessage{}, &CustomerCollection{}, &CustomerShare{},
	&DictEntry{}, &SiteKey{}, &HitCounter{}, &MessageBoardEntry{}, &SampleOrder{}, &SampleOrderLine{},
	&spaceProbe{}, // readiness's own row (store.go), the one table without tenants
}
