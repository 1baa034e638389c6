package core

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// ContactHistory is a follow-up: one contact made with a customer. It may be
// written on one of the customer's records (SubjectKind, SubjectID): it is
// still a follow-up of the customer, which every dialect counts and lists.
type ContactHistory struct {
	ID          uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID    uint64    `gorm:"primaryKey;autoIncrement:false;not null;index:ix_histories_user,priority:1;index:ix_histories_customer_at,priority:1;index:ix_histories_subject_at,priority:1;index:ix_histories_contacted,priority:1"`
	UserID      uint64    `gorm:"not null;index:ix_histories_user,priority:2"`
	CustomerID  uint64    `gorm:"not null;index:ix_histories_customer_at,priority:2"`
	ContactID   uint64    `gorm:"not null"`
	TypeID      uint64    `gorm:"not null"`
	RouteID     uint64    `gorm:"not null"`
	Title       string    `gorm:"size:255;not null"`
	Content     string    `gorm:"type:text;not null"`
	ContactedAt time.Time `gorm:"not null;index:ix_histories_user,priority:3;index:ix_histories_contacted,priority:2;index:ix_histories_customer_at,priority:3;index:ix_histories_subject_at,priority:4"` // the revisit logs' days
	CreatedAt   time.Time `gorm:"not null"`
	SubjectKind string    `gorm:"size:16;not null;default:customer;index:ix_histories_subject_at,priority:2"` // a Subject… kind
	SubjectID   uint64    `gorm:"not null;default:0;index:ix_histories_subject_at,priority:3"`                // 0 on the customer itself
	// Where a visit was made: an address line and its coordinates, in
	// degrees as the client wrote them ("" for none), so they read back exactly.
	Place string `gorm:"size:255;not null;default:''"`
	Lat   string `gorm:"size:32;not null;default:''"`
	Lng   string `gorm:"size:32;not null;default:''"`
}

// The records a follow-up is written on: the customer itself, or one of its contacts, opportunities or contracts.
const (
	SubjectCustomer    = "customer"
	SubjectContact     = "contact"
	SubjectOpportunity = "opportunity"
	SubjectContract    = "contract"
)

// NewContactHistory is the input of AddContactHistory.
type NewContactHistory struct {
	ID          uint64 // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CustomerID  uint64 `name:"customer_id" validate:"required"`
	ContactID   uint64
	TypeID      uint64
	RouteID     uint64
	Title       string    `name:"title" validate:"max=255"`
	Content     string    `name:"content"`
	ContactedAt time.Time // zero: now
	CreatedAt   time.Time // when it was written down; zero: now
}

// AddContactHistory records a follow-up the caller made with a customer.
func (s *Service) AddContactHistory(ctx context.Context, c Caller, in NewContactHistory) (ContactHistory, error) {
	proto, err := s.historyRow(c, in)
	if err != nil {
		return ContactHistory{}, err
	}
	var h ContactHistory
	err = s.tx(ctx, func(tx *gorm.DB) error {
		h = proto // what the insert fills in starts again on each attempt
		if err := s.checkContactOf(tx, c, in.CustomerID, in.ContactID); err != nil {
			return err
		}
		if err := keptIDFree(tx, c, &ContactHistory{}, "contact history", in.ID); err != nil {
			return err
		}
		if err := tx.Create(&h).Error; err != nil {
			return storeError(err, "contact history")
		}
		return countFollow(tx, c, h)
	})
	return h, err
}

// historyRow checks in, as far as it can without the database, and makes the
// follow-up record it describes, made by the caller.
func (s *Service) historyRow(c Caller, in NewContactHistory) (ContactHistory, error) {
	if err := s.check(in); err != nil {
		return ContactHistory{}, err
	}
	if err := CheckTime(FieldContactedAt, in.ContactedAt); err != nil {
		return ContactHistory{}, err
	}
	if in.ContactedAt.IsZero() {
		in.ContactedAt = s.clock.Now()
	}
	return ContactHistory{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, UserID: c.UserID, CustomerID: in.CustomerID, ContactID: in.ContactID,
		TypeID: in.TypeID, RouteID: in.RouteID, Title: in.Title, Content: in.Content,
		ContactedAt: in.ContactedAt.UTC().Truncate(time.Second)}, nil
}

// countFollow counts follow-up h in its user's figures of its day.
func countFollow(tx *gorm.DB, c Caller, h ContactHistory) error {
	d := newUserDeltas(c.Location)
	d.follow(h.UserID, h.ContactedAt, 1)
	return d.apply(tx, c.TenantID)
}

// GetContactHistory returns one of the tenant's follow-up records.
func (s *Service) GetContactHistory(ctx context.Context, c Caller, id uint64) (ContactHistory, error) {
	var h ContactHistory
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Take(&h).Error
	return h, storeError(err, "contact history")
}

// NewFollowUp is the input of AddFollowUp: a follow-up on a customer or one of its records.
type NewFollowUp struct {
	ID          uint64    // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	CreatedAt   time.Time // when it was written down; zero: now
	SubjectKind string    `name:"subject" validate:"oneof=customer contact opportunity contract"`
	SubjectID   uint64    `name:"subject" validate:"required"`
	TypeID      uint64    // a contact_type code, 0 for none
	ContactID   uint64    // the customer's contact spoken to, 0 for none (on a contact: that one)
	Content     string
	Place       string    `name:"address" validate:"max=255"`
	Lat, Lng    string    // degrees, both or neither
	ContactedAt time.Time // zero: now
	RemindAt    time.Time // not zero: a contact plan is scheduled for then
	StageID     uint64    // an opportunity's follow-up moves it to this opportunity_stage code; 0: it stays
	StatusID    uint64    // a customer's follow-up gives it this customer_status code; 0: it stays
}

// checkCoordinates refuses a place's coordinates unless both or neither
// are given, each a number of degrees within its range.
func checkCoordinates(lat, lng string) error {
	if (lat == "") != (lng == "") {
		return Invalidf(FieldAddress, "lat and lng go together: %q, %q", Excerpt(lat), Excerpt(lng))
	}
	for _, c := range []struct {
		name, text string
		limit      int64
	}{{"lat", lat, 90}, {"lng", lng, 180}} {
		if c.text == "" {
			continue
		}
		d, err := decimal.NewFromString(c.text)
		if err != nil || len(c.text) > 32 || d.Abs().GreaterThan(decimal.NewFromInt(c.limit)) {
			return Invalidf(FieldAddress, "%s %q is not a number of degrees from -%d to %d", c.name, Excerpt(c.text), c.limit, c.limit)
		}
	}
	return nil
}

// remindTitle is the title of the plan a follow-up's reminder schedules when it has no content.
const remindTitle = "跟进提醒"

// AddFollowUp records, in one transaction, a follow-up the caller made on a
// customer or on one of its contacts, opportunities or contracts (a
// follow-up of that record's customer), with the stage or status it moved
// its subject to and the contact plan its reminder asks for.
func (s *Service) AddFollowUp(ctx context.Context, c Caller, in NewFollowUp) (ContactHistory, error) {
	if err := s.check(in); err != nil {
		return ContactHistory{}, err
	}
	if err := CheckTime(FieldContactedAt, in.ContactedAt); err != nil {
		return ContactHistory{}, err
	}
	if err := CheckTime(FieldPlannedAt, in.RemindAt); err != nil {
		return ContactHistory{}, err
	}
	if in.StageID != 0 && in.SubjectKind != SubjectOpportunity {
		return ContactHistory{}, Invalidf(FieldStage, "only a follow-up of an opportunity moves a %s", FieldStage)
	}
	if in.StatusID != 0 && in.SubjectKind != SubjectCustomer {
		return ContactHistory{}, Invalidf(FieldStatus, "only a follow-up of a customer sets its %s", FieldStatus)
	}
	if err := checkCoordinates(in.Lat, in.Lng); err != nil {
		return ContactHistory{}, err
	}
	if in.ContactedAt.IsZero() {
		in.ContactedAt = s.clock.Now()
	}
	proto := ContactHistory{TenantID: c.TenantID, ID: in.ID, CreatedAt: in.CreatedAt, UserID: c.UserID, TypeID: in.TypeID, Content: in.Content,
		ContactedAt: in.ContactedAt.UTC().Truncate(time.Second), SubjectKind: in.SubjectKind, ContactID: in.ContactID,
		Place: in.Place, Lat: in.Lat, Lng: in.Lng}
	var h ContactHistory
	err := s.tx(ctx, func(tx *gorm.DB) error {
		h = proto // what the insert fills in starts again on each attempt
		scoped := func() *gorm.DB { return tx.Scopes(inTenant(c.TenantID)) }
		if err := keptIDFree(tx, c, &ContactHistory{}, "contact history", in.ID); err != nil {
			return err
		}
		var err error
		switch in.SubjectKind {
		case SubjectCustomer:
			h.CustomerID = in.SubjectID // checkContactOf finds it below
		case SubjectContact:
			var ct Contact
			err = storeError(scoped().Where("id = ?", in.SubjectID).Take(&ct).Error, "contact")
			if err == nil && in.ContactID != 0 && in.ContactID != ct.ID {
				err = Invalidf(FieldSubject, "a follow-up of contact %d is not one with contact %d", ct.ID, in.ContactID)
			}
			h.CustomerID, h.ContactID, h.SubjectID = ct.CustomerID, ct.ID, ct.ID
		case SubjectOpportunity:
			var o Opportunity
			err = storeError(scoped().Select("id", "customer_id").Where("id = ?", in.SubjectID).Take(&o).Error, "opportunity")
			h.CustomerID, h.SubjectID = o.CustomerID, o.ID
		case SubjectContract:
			var k Contract
			err = storeError(scoped().Select("id", "customer_id").Where("id = ?", in.SubjectID).Take(&k).Error, "contract")
			h.CustomerID, h.SubjectID = k.CustomerID, k.ID
		}
		if err != nil {
			return err
		}
		if err := s.checkContactOf(tx, c, h.CustomerID, h.ContactID); err != nil {
			return err
		}
		if err := checkCodes(tx, c, map[string]uint64{DictContactType: in.TypeID, DictOpportunityStage: in.StageID,
			DictCustomerStatus: in.StatusID}); err != nil {
			return err
		}
		if err := tx.Create(&h).Error; err != nil {
			return storeError(err, "contact history")
		}
		if err := countFollow(tx, c, h); err != nil {
			return err
		}
		now := s.now()
		if in.StageID != 0 {
			if err := scoped().Model(&Opportunity{}).Where("id = ?", in.SubjectID).Updates(map[string]any{
				"stage_id": in.StageID, "stage": stageState(in.StageID), "updated_at": now}).Error; err != nil {
				return storeError(err, "opportunity")
			}
		}
		if in.StatusID != 0 {
			if err := scoped().Model(&Customer{}).Where("id = ?", in.SubjectID).Updates(map[string]any{
				"status_id": in.StatusID, "updated_at": now}).Error; err != nil {
				return storeError(err, "customer")
			}
		}
		if in.RemindAt.IsZero() {
			return nil
		}
		title := []rune(in.Content)
		if len(title) > 255 {
			title = title[:255]
		}
		if len(title) == 0 {
			title = []rune(remindTitle)
		}
		_, err = s.addContactPlanTx(tx, c, NewContactPlan{CustomerID: h.CustomerID, ContactID: h.ContactID,
			TypeID: in.TypeID, HistoryID: h.ID, Title: string(title), PlannedAt: in.RemindAt})
		return err
	})
	return h, err
}

// FollowUpQuery selects a page of follow-ups, the latest first.
type FollowUpQuery struct {
	ID           uint64    // that one only; 0 for any
	From, To     time.Time // contacted from From up to (not including) To; zero: unbounded
	UserID       uint64    // 0 for anyone's
	DepartmentID uint64    // of the users of that department; 0 for any
	SubjectKind  string    // a Subject… kind; "" for any
	SubjectID    uint64    // with SubjectKind: that record's (for a customer, its own); 0 for any
	Visits       bool      // only those made at a place: the visits (check-ins)
	Place        string    // part of the place; "" for any
	Page         int       // from 1
	PerPage      int
}

// FollowUpItem is a follow-up with its user's name, its subject's, its
// customer's and the time its reminder is for.
type FollowUpItem struct {
	ContactHistory
	UserName         string
	SubjectName      string // the customer's or contact's name, the opportunity's or contract's title
	CustomerName     string
	CustomerStatusID uint64
	RemindAt         *time.Time
}

// FollowUpList is one page of follow-ups and the count of all that match.
type FollowUpList struct {
	Items []FollowUpItem
	Total int64
}

// ListFollowUps pages through the tenant's follow-ups.
func (s *Service) ListFollowUps(ctx context.Context, c Caller, q FollowUpQuery) (FollowUpList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return FollowUpList{}, err
	}
	db := s.db.WithContext(ctx).Table("contact_histories h").Where("h.tenant_id = ?", c.TenantID).
		Joins("JOIN users u ON u.id = h.user_id AND u.tenant_id = h.tenant_id").
		Joins("JOIN customers cu ON cu.id = h.customer_id AND cu.tenant_id = h.tenant_id")
	if q.ID != 0 {
		db = db.Where("h.id = ?", q.ID)
	}
	if !q.From.IsZero() {
		db = db.Where("h.contacted_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("h.contacted_at < ?", q.To.UTC())
	}
	if q.UserID != 0 {
		db = db.Where("h.user_id = ?", q.UserID)
	}
	if q.DepartmentID != 0 {
		db = db.Where("u.department_id = ?", q.DepartmentID)
	}
	if q.Visits {
		db = db.Where("(h.place <> '' OR h.lat <> '')")
	}
	if q.Place != "" {
		like, err := containsPattern(FieldAddress, q.Place)
		if err != nil {
			return FollowUpList{}, err
		}
		db = db.Where("h.place LIKE ? ESCAPE '!'", like)
	}
	switch {
	case q.SubjectKind == "":
	case q.SubjectKind != SubjectCustomer && q.SubjectKind != SubjectContact && q.SubjectKind != SubjectOpportunity && q.SubjectKind != SubjectContract:
		return FollowUpList{}, Invalidf(FieldSubject, "no follow-ups are written on a %q", Excerpt(q.SubjectKind))
	case q.SubjectID != 0 && q.SubjectKind == SubjectCustomer:
		db = db.Where("h.subject_kind = ? AND h.customer_id = ?", q.SubjectKind, q.SubjectID)
	case q.SubjectID != 0:
		db = db.Where("h.subject_kind = ? AND h.subject_id = ?", q.SubjectKind, q.SubjectID)
	default:
		db = db.Where("h.subject_kind = ?", q.SubjectKind)
	}
	db = db.Session(&gorm.Session{})
	var out FollowUpList
	if err := db.Count(&out.Total).Error; err != nil {
		return FollowUpList{}, storeError(err, "contact history")
	}
	var rows []struct {
		ContactHistory
		UserName         string
		SubjectName      string
		CustomerName     string
		CustomerStatusID uint64
		RemindAt         sqlTime
	}
	name := func(table, column string) string {
		return "(SELECT x." + column + " FROM " + table + " x WHERE x.id = h.subject_id AND x.tenant_id = h.tenant_id)"
	}
	err := db.Select(`h.*, u.real_name AS user_name,
  CASE h.subject_kind WHEN 'contact' THEN ` + name("contacts", "name") + ` WHEN 'opportunity' THEN ` + name("opportunities", "title") +
		` WHEN 'contract' THEN ` + name("contracts", "title") + `
  ELSE cu.name END AS subject_name, cu.name AS customer_name, cu.status_id AS customer_status_id,
  (SELECT MIN(p.planned_at) FROM contact_plans p WHERE p.tenant_id = h.tenant_id AND p.history_id = h.id) AS remind_at`).
		Order("h.contacted_at DESC, h.id DESC").Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&rows).Error
	if err != nil {
		return FollowUpList{}, storeError(err, "contact history")
	}
	for _, r := range rows {
		out.Items = append(out.Items, FollowUpItem{ContactHistory: r.ContactHistory, UserName: r.UserName,
			SubjectName: r.SubjectName, CustomerName: r.CustomerName, CustomerStatusID: r.CustomerStatusID, RemindAt: r.RemindAt.t})
	}
	return out, nil
}

// GetFollowUp reads one of the tenant's follow-ups as ListFollowUps shows it.
func (s *Service) GetFollowUp(ctx context.Context, c Caller, id uint64) (FollowUpItem, error) {
	list, err := s.ListFollowUps(ctx, c, FollowUpQuery{ID: id, Page: 1, PerPage: 1})
	if err != nil {
		return FollowUpItem{}, err
	}
	if len(list.Items) == 0 {
		return FollowUpItem{}, NotFoundf("contact history", "contact history %d not found", id)
	}
	return list.Items[0], nil
}
