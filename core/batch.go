package core

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"
)

// The batch use cases write many new records of one kind at once, for a
// generator or a loader of thousands (crmgw seed bench): each input gets the
// checks its single use case makes of it, the references of all are checked
// with a query for each kind of reference, the rows are written many to a
// statement, and the counters they change are changed once. All are written,
// or none; the first bad input is reported with its position (Error.Index,
// from 1). They take only what a new record of their own needs: no kept ids,
// lines, contacts, tags or custom fields, which the single use cases take.

// rowsPerInsert bounds one INSERT's rows: below SQLite's 32766 parameters
// for the widest row (a contract's 30-odd columns), and its text well below
// MySQL's max_allowed_packet.
const rowsPerInsert = 500

// itemError is err, when it is core's, told of the batch's input i (from 0).
func itemError(err error, what string, i int) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	at := *e
	at.Index, at.Message, at.format = i+1, fmt.Sprintf("%s %d: %s", what, i+1, e.Message), ""
	return &at
}

// refused is the error of a field a batch use case does not take.
func refused(what string, i int, field Field) error {
	return itemError(Invalidf(field, "%s is not taken by a batch; write this %s alone", field, what), what, i)
}

// keys are the keys of a set, in order.
func keys(set map[uint64]bool) []uint64 { return slices.Sorted(maps.Keys(set)) }

// CreateCustomers adds customers as CreateCustomer adds each one.
func (s *Service) CreateCustomers(ctx context.Context, c Caller, ins []NewCustomer) ([]Customer, error) {
	protos := make([]Customer, len(ins))
	owners := map[uint64]bool{}
	for i, in := range ins {
		switch {
		case in.ID != 0:
			return nil, refused("customer", i, "id")
		case len(in.Contacts) > 0:
			return nil, refused("customer", i, "contacts")
		case len(in.TagIDs) > 0:
			return nil, refused("customer", i, FieldTags)
		case len(in.CustomFields) > 0:
			return nil, refused("customer", i, FieldCustomFields)
		case in.UniqueName || in.CheckCodes:
			return nil, refused("customer", i, FieldName)
		}
		cu, level, err := s.customerRow(c, &in)
		if err == nil {
			err = s.checkCustomer(nil, c, cu, nil, level, false) // its level; nothing else asks the database
		}
		if err != nil {
			return nil, itemError(err, "customer", i)
		}
		if in.OwnerID != 0 || !in.Public {
			owners[in.OwnerID] = true
		}
		protos[i] = cu
	}
	var out []Customer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := mustExistAll(tx, c, &User{}, "user", keys(owners)); err != nil {
			return err
		}
		out = slices.Clone(protos)
		if err := tx.CreateInBatches(&out, rowsPerInsert).Error; err != nil {
			return storeError(err, "customer")
		}
		d := newUserDeltas(c.Location)
		for i := range out {
			d.customer(nil, &out[i])
		}
		return d.apply(tx, c.TenantID)
	})
	return out, err
}

// CreateContracts adds contracts as CreateContract adds each one; each names
// its sn (none is numbered).
func (s *Service) CreateContracts(ctx context.Context, c Caller, ins []NewContract) ([]Contract, error) {
	protos := make([]Contract, len(ins))
	owners, customers, sns := map[uint64]bool{}, map[uint64]bool{}, map[string]bool{}
	for i, in := range ins {
		switch {
		case in.ID != 0:
			return nil, refused("contract", i, "id")
		case in.SN == "":
			return nil, refused("contract", i, FieldSN) // numbering takes the tenant's row, one contract at a time
		case len(in.Lines) > 0:
			return nil, refused("contract", i, FieldLines)
		case len(in.NotifyUserIDs) > 0:
			return nil, refused("contract", i, FieldNotifyUserIDs)
		case len(in.CustomFields) > 0:
			return nil, refused("contract", i, FieldCustomFields)
		case in.OpportunityID != 0 || in.TurnOpportunity:
			return nil, refused("contract", i, FieldOpportunityID)
		case in.DepartmentID != 0, in.CategoryID != 0, in.PaymentTypeID != 0, in.CustomFieldTemplateID != 0:
			return nil, refused("contract", i, "department, category and payment type") // the owner's department
		}
		k := &protos[i]
		if err := s.contract(c, in, k); err != nil {
			return nil, itemError(err, "contract", i)
		}
		if sns[k.SN] {
			return nil, itemError(snTaken(k.SN), "contract", i)
		}
		sns[k.SN] = true
		k.CreatorID, k.ApproveStatus = c.UserID, in.ApproveStatus
		k.CreatedAt, k.UpdatedAt = in.CreatedAt, in.CreatedAt
		if !in.UpdatedAt.IsZero() {
			k.UpdatedAt = in.UpdatedAt
		}
		owners[k.OwnerID], customers[k.CustomerID] = true, true
	}
	var out []Contract
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var staff []User
		if err := tx.Scopes(inTenant(c.TenantID)).Select("id", "department_id").Where("id IN ?", keys(owners)).Find(&staff).Error; err != nil {
			return storeError(err, "user")
		}
		department := map[uint64]uint64{}
		for _, u := range staff {
			department[u.ID] = u.DepartmentID
		}
		if err := lockCustomers(tx, c, keys(customers)); err != nil {
			return err
		}
		var taken []string
		if err := tx.Model(&Contract{}).Scopes(inTenant(c.TenantID)).Where("sn IN ?", slices.Sorted(maps.Keys(sns))).
			Limit(1).Pluck("sn", &taken).Error; err != nil {
			return storeError(err, "contract")
		}
		if len(taken) > 0 {
			return snTaken(taken[0])
		}
		var t Tenant
		if err := tx.Select("contract_approval").Where("id = ?", c.TenantID).Take(&t).Error; err != nil {
			return storeError(err, "tenant")
		}
		out = slices.Clone(protos)
		d := counterDeltas{}
		for i := range out {
			k := &out[i]
			dept, ok := department[k.OwnerID]
			if !ok {
				return itemError(NotFoundf("user", "user %d not found", k.OwnerID), "contract", i)
			}
			k.DepartmentID = dept
			if k.ApproveStatus == "" {
				k.ApproveStatus = map[bool]string{true: ApprovalApplying, false: ApprovalApproved}[t.ContractApproval]
			}
			d.deal(*k, 1)
		}
		if err := tx.Omit("Lines").CreateInBatches(&out, rowsPerInsert).Error; err != nil {
			return storeError(err, "contract")
		}
		return d.apply(tx, c.TenantID)
	})
	return out, err
}

// AddPayments records payments as AddPayment records each one; none settles a plan.
func (s *Service) AddPayments(ctx context.Context, c Caller, ins []NewPayment) ([]Payment, error) {
	protos := make([]Payment, len(ins))
	contracts, types := map[uint64]bool{}, map[uint64]bool{}
	for i, in := range ins {
		switch {
		case in.ID != 0:
			return nil, refused("payment", i, "id")
		case in.PlanID != 0:
			return nil, refused("payment", i, "plan")
		}
		p, err := s.paymentRow(c, in)
		if err != nil {
			return nil, itemError(err, "payment", i)
		}
		protos[i] = p
		contracts[in.ContractID] = true
		if in.PaymentTypeID != 0 {
			types[in.PaymentTypeID] = true
		}
	}
	var out []Payment
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// The contracts are locked until the payments are written, as AddPayment locks its one.
		var ks []Contract
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Select("id", "owner_id", "department_id").
			Where("id IN ?", keys(contracts)).Order("id").Find(&ks).Error; err != nil {
			return storeError(err, "contract")
		}
		byID := map[uint64]Contract{}
		for _, k := range ks {
			byID[k.ID] = k
		}
		var codes []uint64
		if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code IN ?", DictPaymentType, keys(types)).
			Pluck("code", &codes).Error; err != nil {
			return storeError(err, DictPaymentType)
		}
		known := map[uint64]bool{}
		for _, code := range codes {
			known[code] = true
		}
		out = slices.Clone(protos)
		d := counterDeltas{}
		for i := range out {
			p := &out[i]
			k, ok := byID[p.ContractID]
			if !ok {
				return itemError(NotFoundf("contract", "contract %d not found", p.ContractID), "payment", i)
			}
			if p.PaymentTypeID != 0 && !known[p.PaymentTypeID] {
				return itemError(NotFoundf(DictPaymentType, "%s %d not found", DictPaymentType, p.PaymentTypeID), "payment", i)
			}
			p.OwnerID = k.OwnerID
			d.back(k, *p, 1)
		}
		if err := tx.CreateInBatches(&out, rowsPerInsert).Error; err != nil {
			return storeError(err, "payment")
		}
		return d.apply(tx, c.TenantID)
	})
	return out, err
}

// AddContactHistories records follow-ups as AddContactHistory records each
// one; none names a contact.
func (s *Service) AddContactHistories(ctx context.Context, c Caller, ins []NewContactHistory) ([]ContactHistory, error) {
	protos := make([]ContactHistory, len(ins))
	customers := map[uint64]bool{}
	for i, in := range ins {
		switch {
		case in.ID != 0:
			return nil, refused("contact history", i, "id")
		case in.ContactID != 0:
			return nil, refused("contact history", i, "contact")
		}
		h, err := s.historyRow(c, in)
		if err != nil {
			return nil, itemError(err, "contact history", i)
		}
		protos[i] = h
		customers[in.CustomerID] = true
	}
	var out []ContactHistory
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := lockCustomers(tx, c, keys(customers)); err != nil {
			return err
		}
		out = slices.Clone(protos)
		if err := tx.CreateInBatches(&out, rowsPerInsert).Error; err != nil {
			return storeError(err, "contact history")
		}
		d := newUserDeltas(c.Location)
		for _, h := range out {
			d.follow(h.UserID, h.ContactedAt, 1)
		}
		return d.apply(tx, c.TenantID)
	})
	return out, err
}

// lockCustomers locks the customers of ids, as checkContactOf locks one, and
// checks that every one is the caller's tenant's.
func lockCustomers(tx *gorm.DB, c Caller, ids []uint64) error {
	var found []uint64
	if err := forUpdate(tx).Model(&Customer{}).Scopes(inTenant(c.TenantID)).Where("id IN ?", ids).
		Order("id").Pluck("id", &found).Error; err != nil {
		return storeError(err, "customer")
	}
	for _, id := range ids {
		if _, ok := slices.BinarySearch(found, id); !ok {
			return NotFoundf("customer", "customer %d not found", id)
		}
	}
	return nil
}
