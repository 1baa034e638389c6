package core

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

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
	if err := checkPage(q.Page, 1, q.PerPage, "per_page"); err != nil {
		return ContractList{}, err
	}
	sort, known := contractSorts[q.Sort]
	if !known {
		return ContractList{}, Invalidf("sort", "cannot sort by %q", q.Sort)
	}
	db := s.db.WithContext(ctx).Table("contracts").Scopes(inTenant(c.TenantID))
	if q.Query != "" {
		// '!' escapes: a backslash means different things in MySQL and SQLite string literals.
		like := "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(q.Query) + "%"
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
	err := db.Select(`contracts.id, contracts.owner_id, users.real_name AS owner_name, contracts.customer_id,
  customers.name AS customer_name, contracts.title, contracts.total_amount, contracts.approve_status,
  contracts.status, contracts.updated_at,
  (SELECT COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.tenant_id = contracts.tenant_id
    AND p.contract_id = contracts.id AND p.direction = ?) AS received`, PaymentIn).
		Joins("JOIN users ON users.id = contracts.owner_id AND users.tenant_id = contracts.tenant_id").
		Joins("JOIN customers ON customers.id = contracts.customer_id AND customers.tenant_id = contracts.tenant_id").
		Order(order).Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&out.Items).Error
	for i := range out.Items {
		k := &out.Items[i]
		k.Unreceived = Money{k.TotalAmount.Sub(k.Received.Decimal)}
	}
	return out, storeError(err, "contract")
}
