package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Opportunity is a possible sale with a customer. Stage is its state (open,
// won, lost), StageID its step in the tenant's opportunity_stage dictionary;
// the columns after CreatedAt came later, so rows from before them hold
// their zero values (or NULL).
type Opportunity struct {
	ID         uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID   uint64    `gorm:"primaryKey;autoIncrement:false;not null;index:ix_opportunities_owner,priority:1;index:ix_opportunities_customer,priority:1"`
	OwnerID    uint64    `gorm:"not null;index:ix_opportunities_owner,priority:2"`
	CustomerID uint64    `gorm:"not null;index:ix_opportunities_customer,priority:2"`
	Title      string    `gorm:"size:255;not null"`
	Amount     Money     `gorm:"not null"`
	Stage      string    `gorm:"size:32;not null"`
	CreatedAt  time.Time `gorm:"not null;index:ix_opportunities_owner,priority:3"`

	StageID             uint64 `gorm:"not null;default:0"` // 0: as Stage says (StageCode)
	DepartmentID        uint64 `gorm:"not null;default:0"`
	CreatorID           uint64 `gorm:"not null;default:0"`
	SourceID            uint64 `gorm:"not null;default:0"` // a source dictionary code, 0 for none
	KindID              uint64 `gorm:"not null;default:0"` // an opportunity_kind dictionary code, 0 for none
	Probability         int    `gorm:"not null;default:0"` // of signing, in percent
	ExpectSignDate      *Date
	Note                string `gorm:"type:text"`
	CustomerRequirement string `gorm:"type:text"`
	CustomFields        string `gorm:"type:text"` // a JSON object of fields no dialect models; "" for none
	UpdatedAt           time.Time
	Lines               []OpportunityLine `gorm:"foreignKey:OpportunityID,TenantID;references:ID,TenantID"`
}

// OpportunityLine is a product the opportunity would sell: quantity × unit price.
type OpportunityLine struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID      uint64    `gorm:"primaryKey;autoIncrement:false;not null;index:ix_opportunity_lines_opportunity,priority:1"`
	OpportunityID uint64    `gorm:"not null;index:ix_opportunity_lines_opportunity,priority:2"`
	ProductID     uint64    `gorm:"not null"` // kept as given: there is no product catalogue
	ProductName   string    `gorm:"size:255;not null"`
	Quantity      int64     `gorm:"not null"`
	UnitPrice     Money     `gorm:"not null"`
	TotalPrice    Money     `gorm:"not null"`
	Remark        string    `gorm:"size:255;not null"`
	CreatedAt     time.Time `gorm:"not null"`
}

// OpportunityContact is a contact of the customer the opportunity involves.
type OpportunityContact struct {
	TenantID      uint64 `gorm:"primaryKey;autoIncrement:false"`
	OpportunityID uint64 `gorm:"primaryKey;autoIncrement:false"`
	ContactID     uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// Opportunity states, and the opportunity_stage codes fixed to the last two
// (the order of the dictionary's defaults): any other stage is open.
const (
	OpportunityOpen = "open"
	OpportunityWon  = "won" // also the stage of an opportunity turned into a contract
	OpportunityLost = "lost"

	OpportunityStageFirst = 1
	OpportunityStageWon   = 5
	OpportunityStageLost  = 6
)

// stageState is the state of an opportunity_stage code.
func stageState(code uint64) string {
	switch code {
	case OpportunityStageWon:
		return OpportunityWon
	case OpportunityStageLost:
		return OpportunityLost
	}
	return OpportunityOpen
}

// StageCode is the opportunity's opportunity_stage code; a row that has
// only its state (from before stages) is at the state's code, an open one at the first.
func (o Opportunity) StageCode() uint64 {
	if o.StageID != 0 {
		return o.StageID
	}
	switch o.Stage {
	case OpportunityWon:
		return OpportunityStageWon
	case OpportunityLost:
		return OpportunityStageLost
	}
	return OpportunityStageFirst
}

// CustomFieldValues decodes the opportunity's custom fields ("" is none),
// numbers as json.Number: each keeps the text it was sent as.
func (o Opportunity) CustomFieldValues() (map[string]any, error) {
	m := map[string]any{}
	if o.CustomFields == "" {
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(o.CustomFields))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, Errorf(EINTERNAL, "opportunity %d: custom fields: %v", o.ID, err)
	}
	return m, nil
}

// NewOpportunity is the input of CreateOpportunity; UpdateOpportunity applies
// an OpportunityChange to the opportunity as one.
type NewOpportunity struct {
	ID                  uint64 // the id to keep (an import's), its lines' too: ECONFLICT when the tenant holds one; 0: a new one
	CustomerID          uint64 `name:"customer_id" validate:"required"`
	OwnerID             uint64 // 0: the caller
	DepartmentID        uint64 // 0: the owner's department
	Title               string `name:"title" validate:"required,max=255"`
	Amount              Money
	Stage               string `name:"stage" validate:"max=32"` // the state when StageID is 0; "": open
	StageID             uint64 // an opportunity_stage code; 0: Stage's
	SourceID            uint64
	KindID              uint64
	Probability         int `name:"probability" validate:"gte=0,lte=100"` // percent
	ExpectSignDate      *Date
	Note                string
	CustomerRequirement string
	CustomFields        map[string]any
	Lines               []NewContractLine `name:"lines" validate:"max=1000,dive"`
	ContactIDs          []uint64          `name:"ids" validate:"max=1000"`
	CreatedAt           time.Time         // CreateOpportunity's only; zero: now
	UpdatedAt           time.Time         // CreateOpportunity's only; zero: its CreatedAt
}

// opportunity checks in and makes o what it says (lines without their opportunity).
func (s *Service) opportunity(c Caller, in NewOpportunity, o *Opportunity) error {
	if err := s.check(in); err != nil {
		return err
	}
	if in.Amount.IsNegative() {
		return Invalidf(FieldAmount, "%s cannot be negative", FieldAmount)
	}
	if err := in.Amount.check(); err != nil {
		return Invalidf(FieldAmount, "%s: %v", FieldAmount, err)
	}
	if in.ExpectSignDate != nil {
		if err := CheckDate(FieldExpectSignDate, *in.ExpectSignDate); err != nil {
			return err
		}
	}
	if in.OwnerID == 0 {
		in.OwnerID = c.UserID
	}
	if in.StageID != 0 {
		in.Stage = stageState(in.StageID)
	} else if in.Stage == "" {
		in.Stage = OpportunityOpen
	}
	custom := ""
	if len(in.CustomFields) > 0 {
		b, err := json.Marshal(in.CustomFields)
		if err != nil {
			return Invalidf(FieldCustomFields, "custom fields are not JSON: %v", err)
		}
		custom = string(b)
	}
	o.TenantID, o.OwnerID, o.DepartmentID, o.CustomerID = c.TenantID, in.OwnerID, in.DepartmentID, in.CustomerID
	o.Title, o.Amount, o.Stage, o.StageID = in.Title, in.Amount, in.Stage, in.StageID
	o.SourceID, o.KindID, o.Probability, o.ExpectSignDate = in.SourceID, in.KindID, in.Probability, in.ExpectSignDate
	o.Note, o.CustomerRequirement, o.CustomFields = in.Note, in.CustomerRequirement, custom
	if o.StageID == 0 {
		o.StageID = o.StageCode()
	}
	o.Lines = o.Lines[:0]
	for i, l := range in.Lines {
		line, err := l.line(c.TenantID, i)
		if err != nil {
			return err
		}
		o.Lines = append(o.Lines, OpportunityLine{ID: l.ID, TenantID: c.TenantID, ProductID: line.ProductID,
			ProductName: line.ProductName, Quantity: line.Quantity, UnitPrice: line.UnitPrice,
			TotalPrice: line.TotalPrice, Remark: line.Remark})
	}
	return nil
}

// opportunityReferences checks, inside tx, that everything o and contacts
// name is the caller's tenant's, and gives o its owner's department when it has none.
func (s *Service) opportunityReferences(tx *gorm.DB, c Caller, o *Opportunity, contacts []uint64) error {
	var owner User
	if err := tx.Scopes(inTenant(c.TenantID)).Where("id = ?", o.OwnerID).Take(&owner).Error; err != nil {
		return storeError(err, "user")
	}
	if o.DepartmentID == 0 {
		o.DepartmentID = owner.DepartmentID
	} else if err := s.mustExistTx(tx, c, &Department{}, "department", o.DepartmentID); err != nil {
		return err
	}
	for _, id := range contacts {
		if err := s.checkContactOf(tx, c, o.CustomerID, id); err != nil {
			return err
		}
	}
	if len(contacts) == 0 {
		if err := s.checkContactOf(tx, c, o.CustomerID, 0); err != nil {
			return err
		}
	}
	return checkCodes(tx, c, map[string]uint64{DictOpportunityStage: o.StageID, DictSource: o.SourceID, DictOpportunityKind: o.KindID})
}

// checkCodes answers ENOTFOUND, naming the kind, for a non-zero code the
// tenant's dictionary of that kind does not have.
func checkCodes(tx *gorm.DB, c Caller, codes map[string]uint64) error {
	for _, kind := range slices.Sorted(maps.Keys(codes)) { // one order: the same one is reported every time
		code := codes[kind]
		if code == 0 {
			continue
		}
		var n int64
		if err := tx.Model(&DictEntry{}).Scopes(inTenant(c.TenantID)).Where("kind = ? AND code = ?", kind, code).Count(&n).Error; err != nil {
			return storeError(err, kind)
		}
		if n == 0 {
			return NotFoundf(kind, "%s %d not found", kind, code)
		}
	}
	return nil
}

// CreateOpportunity adds a possible sale with one of the tenant's customers,
// owned by the caller or by in.OwnerID, with its lines and contacts, in one transaction.
func (s *Service) CreateOpportunity(ctx context.Context, c Caller, in NewOpportunity) (Opportunity, error) {
	lineIDs := make([]uint64, 0, len(in.Lines))
	for _, l := range in.Lines {
		if l.ID != 0 && in.ID == 0 { // an import's lines keep theirs
			return Opportunity{}, Invalidf(FieldLines, "a new opportunity's lines have no id (got %d)", l.ID)
		}
		lineIDs = append(lineIDs, l.ID)
	}
	if err := CheckTime(FieldCreatedAt, in.CreatedAt); err != nil {
		return Opportunity{}, err
	}
	var proto Opportunity
	if err := s.opportunity(c, in, &proto); err != nil {
		return Opportunity{}, err
	}
	proto.ID, proto.CreatorID = in.ID, c.UserID
	proto.CreatedAt = in.CreatedAt.UTC().Truncate(time.Second)
	proto.UpdatedAt = proto.CreatedAt
	if !in.UpdatedAt.IsZero() {
		proto.UpdatedAt = in.UpdatedAt.UTC().Truncate(time.Second)
	}
	for i := range proto.Lines {
		proto.Lines[i].CreatedAt = proto.CreatedAt // made with the opportunity
	}
	var o Opportunity
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o = proto // what the insert and the references fill in starts again on each attempt
		o.Lines = slices.Clone(proto.Lines)
		if err := s.opportunityReferences(tx, c, &o, in.ContactIDs); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &Opportunity{}, "opportunity", in.ID); err != nil {
			return err
		}
		if err := keptIDsFree(tx, c, &OpportunityLine{}, "opportunity line", lineIDs); err != nil {
			return err
		}
		if err := storeError(tx.Create(&o).Error, "opportunity"); err != nil {
			return err
		}
		d := newUserDeltas(c.Location)
		d.opportunity(o.OwnerID, o.CreatedAt, 1)
		if err := d.apply(tx, c.TenantID); err != nil {
			return err
		}
		if err := learnCustomFields(tx, c, EntityOpportunity, in.CustomFields); err != nil {
			return err
		}
		return setOpportunityContacts(tx, o, in.ContactIDs)
	})
	return o, err
}

// setOpportunityContacts replaces the contacts of o.
func setOpportunityContacts(tx *gorm.DB, o Opportunity, ids []uint64) error {
	if err := tx.Scopes(inTenant(o.TenantID)).Where("opportunity_id = ?", o.ID).Delete(&OpportunityContact{}).Error; err != nil {
		return storeError(err, "opportunity")
	}
	rows := make([]OpportunityContact, 0, len(ids))
	for id := range uniq(ids) {
		rows = append(rows, OpportunityContact{TenantID: o.TenantID, OpportunityID: o.ID, ContactID: id})
	}
	if len(rows) == 0 {
		return nil
	}
	return storeError(tx.Create(&rows).Error, "opportunity")
}

// OpportunityChange is an update of an opportunity, read from the wire and
// checked before any transaction: each field set changes, each nil one stays.
type OpportunityChange struct {
	Title                       *string
	CustomerID, OwnerID         *uint64
	DepartmentID                *uint64
	StageID, SourceID, KindID   *uint64
	Amount                      *Money
	Probability                 *int
	ExpectSignDate              **Date // set to nil: cleared
	Note, CustomerRequirement   *string
	Lines                       []LineChange   // applied in order
	AddContacts, RemoveContacts []uint64       // contacts added, then removed
	CustomFields                map[string]any // each one set; a nil value removes it
}

// ApplyTo makes in, an opportunity as it is (empty for a new one), what ch
// asks for; it refuses only a line change of a line in does not hold.
func (ch OpportunityChange) ApplyTo(in *NewOpportunity) error {
	set(&in.Title, ch.Title)
	set(&in.CustomerID, ch.CustomerID)
	set(&in.OwnerID, ch.OwnerID)
	set(&in.DepartmentID, ch.DepartmentID)
	set(&in.StageID, ch.StageID)
	set(&in.SourceID, ch.SourceID)
	set(&in.KindID, ch.KindID)
	set(&in.Amount, ch.Amount)
	set(&in.Probability, ch.Probability)
	set(&in.ExpectSignDate, ch.ExpectSignDate)
	set(&in.Note, ch.Note)
	set(&in.CustomerRequirement, ch.CustomerRequirement)
	for i, lc := range ch.Lines {
		if lc.ID == 0 {
			if !lc.Remove {
				in.Lines = append(in.Lines, lc.applyTo(NewContractLine{}))
			}
			continue
		}
		at := slices.IndexFunc(in.Lines, func(l NewContractLine) bool { return l.ID == lc.ID })
		switch {
		case at < 0:
			e := NotFoundf("opportunity line", "line change %d: the opportunity has no line %d", i+1, lc.ID)
			e.Field, e.Index = FieldLines, i+1
			return e
		case lc.Remove:
			in.Lines = slices.Delete(in.Lines, at, at+1)
		default:
			in.Lines[at] = lc.applyTo(in.Lines[at])
		}
	}
	for _, id := range ch.AddContacts {
		if !slices.Contains(in.ContactIDs, id) {
			in.ContactIDs = append(in.ContactIDs, id)
		}
	}
	in.ContactIDs = slices.DeleteFunc(in.ContactIDs, func(id uint64) bool { return slices.Contains(ch.RemoveContacts, id) })
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
	return nil
}

// UpdateOpportunity changes one of the tenant's opportunities in one
// transaction, locked from the read to the write as UpdateContract does:
// lines with an ID replace those lines (keeping their ids), lines without
// one are added, the lines it no longer holds are removed. Its creator and
// creation time stay as they are.
func (s *Service) UpdateOpportunity(ctx context.Context, c Caller, id uint64, change OpportunityChange) (Opportunity, error) {
	var o Opportunity
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := forUpdate(tx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).
			Preload("Lines", func(db *gorm.DB) *gorm.DB { return forUpdate(db).Order("id") }).Take(&o).Error; err != nil {
			return storeError(err, "opportunity")
		}
		var contacts []uint64
		if err := forUpdate(tx).Model(&OpportunityContact{}).Scopes(inTenant(c.TenantID)).Where("opportunity_id = ?", id).
			Order("contact_id").Pluck("contact_id", &contacts).Error; err != nil {
			return storeError(err, "opportunity")
		}
		in, err := editableOpportunity(o, contacts)
		if err != nil {
			return err
		}
		wasOwner := o.OwnerID
		if err := change.ApplyTo(&in); err != nil {
			return err
		}
		if err := s.opportunity(c, in, &o); err != nil {
			return err
		}
		if err := s.opportunityReferences(tx, c, &o, in.ContactIDs); err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if err := tx.Model(&o).Select("*").Omit("ID", "Lines", "CreatedAt", "CreatorID").Updates(&o).Error; err != nil {
			return storeError(err, "opportunity")
		}
		if o.OwnerID != wasOwner {
			d := newUserDeltas(c.Location)
			d.opportunity(wasOwner, o.CreatedAt, -1)
			d.opportunity(o.OwnerID, o.CreatedAt, 1)
			if err := d.apply(tx, c.TenantID); err != nil {
				return err
			}
		}
		// Lines keep their ids: removed all, then written back with them.
		if err := tx.Scopes(inTenant(c.TenantID)).Where("opportunity_id = ?", id).Delete(&OpportunityLine{}).Error; err != nil {
			return storeError(err, "opportunity line")
		}
		for i := range o.Lines {
			o.Lines[i].OpportunityID = id
			if err := tx.Create(&o.Lines[i]).Error; err != nil {
				return storeError(err, "opportunity line")
			}
		}
		if err := learnCustomFields(tx, c, EntityOpportunity, change.CustomFields); err != nil {
			return err
		}
		return setOpportunityContacts(tx, o, in.ContactIDs)
	})
	return o, err
}

// editableOpportunity is o, with its contacts, as the input that would leave it unchanged.
func editableOpportunity(o Opportunity, contacts []uint64) (NewOpportunity, error) {
	in := NewOpportunity{CustomerID: o.CustomerID, OwnerID: o.OwnerID, DepartmentID: o.DepartmentID, Title: o.Title,
		Amount: o.Amount, Stage: o.Stage, StageID: o.StageID, SourceID: o.SourceID, KindID: o.KindID,
		Probability: o.Probability, ExpectSignDate: o.ExpectSignDate, Note: o.Note,
		CustomerRequirement: o.CustomerRequirement, ContactIDs: contacts}
	var err error
	if in.CustomFields, err = o.CustomFieldValues(); err != nil {
		return NewOpportunity{}, err
	}
	for _, l := range o.Lines {
		in.Lines = append(in.Lines, NewContractLine{ID: l.ID, ProductID: l.ProductID, ProductName: l.ProductName,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Remark: l.Remark})
	}
	return in, nil
}

// CheckOpportunity answers ENOTFOUND unless the tenant has opportunity id.
func (s *Service) CheckOpportunity(ctx context.Context, c Caller, id uint64) error {
	return s.mustExist(ctx, c, &Opportunity{}, "opportunity", []uint64{id})
}

// OpportunityListQuery selects and orders a page of opportunities.
type OpportunityListQuery struct {
	Query      string // part of the title
	StageID    uint64 // an opportunity_stage code; 0 for any
	CustomerID uint64 // 0 for any
	Sort       string // created_at, updated_at, real_revisit_at, expect_sign_date or expect_amount
	Desc       bool
	Page       int // from 1
	PerPage    int
}

// OpportunityListItem is an opportunity with its owner's and customer's
// names and the time of its last follow-up.
type OpportunityListItem struct {
	Opportunity
	OwnerName     string
	CustomerName  string
	LastContactAt *time.Time
}

// OpportunityList is one page of opportunities and the count of all that match.
type OpportunityList struct {
	Items []OpportunityListItem
	Total int64
}

var opportunitySorts = map[string]string{
	"created_at": "opportunities.created_at", "updated_at": "opportunities.updated_at",
	"real_revisit_at": "last_contact_at", "expect_sign_date": "opportunities.expect_sign_date",
	"expect_amount": "opportunities.amount",
}

// stageSQL is an opportunity's stage code, as StageCode gives it: rows
// from before stages have only their state, and are at its code.
var stageSQL = fmt.Sprintf(`(CASE WHEN opportunities.stage_id <> 0 THEN opportunities.stage_id
  WHEN opportunities.stage = '%s' THEN %d WHEN opportunities.stage = '%s' THEN %d ELSE %d END)`,
	OpportunityWon, OpportunityStageWon, OpportunityLost, OpportunityStageLost, OpportunityStageFirst)

// lastContactSQL is the time of an opportunity's last follow-up.
const lastContactSQL = `(SELECT MAX(h.contacted_at) FROM contact_histories h WHERE h.tenant_id = opportunities.tenant_id
  AND h.subject_kind = 'opportunity' AND h.subject_id = opportunities.id)`

// ListOpportunities pages through the tenant's opportunities.
func (s *Service) ListOpportunities(ctx context.Context, c Caller, q OpportunityListQuery) (OpportunityList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return OpportunityList{}, err
	}
	sort, known := opportunitySorts[q.Sort]
	if !known {
		return OpportunityList{}, Invalidf(FieldSort, "cannot sort by %q", Excerpt(q.Sort))
	}
	db := s.db.WithContext(ctx).Table("opportunities").Scopes(inTenant(c.TenantID))
	if q.Query != "" {
		like, err := containsPattern(FieldQuery, q.Query)
		if err != nil {
			return OpportunityList{}, err
		}
		db = db.Where("opportunities.title LIKE ? ESCAPE '!'", like)
	}
	if q.StageID != 0 {
		db = db.Where(stageSQL+" = ?", q.StageID)
	}
	if q.CustomerID != 0 {
		db = db.Where("opportunities.customer_id = ?", q.CustomerID)
	}
	db = db.Session(&gorm.Session{})
	var out OpportunityList
	if err := db.Count(&out.Total).Error; err != nil {
		return OpportunityList{}, storeError(err, "opportunity")
	}
	order := sort + " ASC, opportunities.id ASC"
	if q.Desc {
		order = sort + " DESC, opportunities.id DESC"
	}
	var rows []struct {
		Opportunity
		OwnerName     string
		CustomerName  string
		LastContactAt sqlTime
	}
	err := db.Select(`opportunities.*, users.real_name AS owner_name, customers.name AS customer_name, ` + lastContactSQL + ` AS last_contact_at`).
		Joins("JOIN users ON users.id = opportunities.owner_id AND users.tenant_id = opportunities.tenant_id").
		Joins("JOIN customers ON customers.id = opportunities.customer_id AND customers.tenant_id = opportunities.tenant_id").
		Order(order).Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&rows).Error
	if err != nil {
		return OpportunityList{}, storeError(err, "opportunity")
	}
	for _, r := range rows {
		out.Items = append(out.Items, OpportunityListItem{Opportunity: r.Opportunity, OwnerName: r.OwnerName,
			CustomerName: r.CustomerName, LastContactAt: r.LastContactAt.t})
	}
	return out, nil
}

// OpportunityDetail is an opportunity with everything its full view shows.
type OpportunityDetail struct {
	Opportunity
	Owner, Creator  User
	Department      Department
	Customer        Customer
	CustomerLostBy  User // the owner the customer was lost by to the public pool; zero when none
	Contacts        []Contact
	LastContactAt   *time.Time
	DepartmentNames map[uint64]string // of every department a user above is in
}

// GetOpportunity reads one of the tenant's opportunities with its lines, people, customer and contacts.
func (s *Service) GetOpportunity(ctx context.Context, c Caller, id uint64) (OpportunityDetail, error) {
	in := func() *gorm.DB { return s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)) }
	var d OpportunityDetail
	if err := in().Where("id = ?", id).Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Take(&d.Opportunity).Error; err != nil {
		return OpportunityDetail{}, storeError(err, "opportunity")
	}
	if err := in().Where("id = ?", d.CustomerID).Take(&d.Customer).Error; err != nil {
		return OpportunityDetail{}, storeError(err, "customer")
	}
	var users []User
	if err := in().Where("id IN ?", []uint64{d.OwnerID, d.CreatorID, d.Customer.LostByID}).Find(&users).Error; err != nil {
		return OpportunityDetail{}, storeError(err, "user")
	}
	byID := map[uint64]User{}
	departments := []uint64{d.DepartmentID}
	for _, u := range users {
		byID[u.ID] = u
		departments = append(departments, u.DepartmentID)
	}
	d.Owner, d.Creator, d.CustomerLostBy = byID[d.OwnerID], byID[d.CreatorID], byID[d.Customer.LostByID]
	var depts []Department
	if err := in().Where("id IN ?", departments).Find(&depts).Error; err != nil {
		return OpportunityDetail{}, storeError(err, "department")
	}
	d.DepartmentNames = map[uint64]string{}
	for _, dep := range depts {
		d.DepartmentNames[dep.ID] = dep.Name
		if dep.ID == d.DepartmentID {
			d.Department = dep
		}
	}
	if err := in().Where("id IN (?)", s.db.Model(&OpportunityContact{}).Select("contact_id").
		Where("tenant_id = ? AND opportunity_id = ?", c.TenantID, id)).Order("id").Find(&d.Contacts).Error; err != nil {
		return OpportunityDetail{}, storeError(err, "contact")
	}
	var last ContactHistory
	switch err := in().Select("contacted_at").Where("subject_kind = ? AND subject_id = ?", SubjectOpportunity, id).
		Order("contacted_at DESC").Take(&last).Error; {
	case err == nil:
		d.LastContactAt = &last.ContactedAt
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return OpportunityDetail{}, storeError(err, "contact history")
	}
	return d, nil
}

// StageCount is how many of a customer's opportunities are at a stage, and their amounts added up.
type StageCount struct {
	StageID uint64
	Count   int64
	Amount  Money
}

// OpportunityStages counts one of the tenant's customers' opportunities by
// stage, in stage order: an SQL aggregate, as every figure is.
func (s *Service) OpportunityStages(ctx context.Context, c Caller, customerID uint64) ([]StageCount, error) {
	if err := s.mustExist(ctx, c, &Customer{}, "customer", []uint64{customerID}); err != nil {
		return nil, err
	}
	var out []StageCount
	err := s.db.WithContext(ctx).Table("opportunities").Scopes(inTenant(c.TenantID)).Where("opportunities.customer_id = ?", customerID).
		Select(stageSQL + " AS stage_id, COUNT(*) AS count, COALESCE(" + s.sumCents("opportunities.amount") + ", 0) AS amount").
		Group(stageSQL).Order("stage_id").Scan(&out).Error
	return out, storeError(err, "opportunity")
}
