package core

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

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
	// NameChecks counts the checks of a customer's name against the others':
	// each takes the tenant's row by adding to it, a write, so that a
	// multi-primary engine (Galera) certifies two of them on two nodes as
	// conflicting, where it would not see two locks taken by reading.
	NameChecks uint64 `gorm:"not null;default:0"`
	// Opportunities: the tenant uses opportunities (the yunzmall statistics show opportunity_count).
	Opportunities bool `gorm:"not null;default:false"`
	// Devices are the client editions (a dialect's device names) the
	// tenant's clients may log in and call with, comma-separated; empty
	// allows every one a dialect knows.
	Devices string `gorm:"size:255;not null;default:''"`
	// The tenant's ids in the dialects whose clients name it (tenant.go).
	YunzmallShopID *uint64   `gorm:"uniqueIndex"`
	QcyOrgID       *uint64   `gorm:"uniqueIndex"`
	IkcrmOrgID     *uint64   `gorm:"uniqueIndex"`
	IkcrmCorpID    *string   `gorm:"size:64;uniqueIndex"`
	CreatedAt      time.Time `gorm:"not null"`
}

// Department groups users; contracts are credited to one.
type Department struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID  uint64    `gorm:"primaryKey;autoIncrement:false;not null;uniqueIndex:ux_departments_name,priority:1"`
	Name      string    `gorm:"size:128;not null;uniqueIndex:ux_departments_name,priority:2"`
	CreatedAt time.Time `gorm:"not null"`
}

// User is an employee of a tenant: the owner of customers and contracts.
type User struct {
	ID           uint64    `gorm:"primaryKey;autoIncrement:false;not null"` // the tenant's own (ids.go)
	TenantID     uint64    `gorm:"primaryKey;autoIncrement:false;not null;uniqueIndex:ux_users_name,priority:1;index:ix_users_department,priority:1"`
	DepartmentID uint64    `gorm:"not null;index:ix_users_department,priority:2"`
	Name         string    `gorm:"size:128;not null;uniqueIndex:ux_users_name,priority:2"` // login name
	RealName     string    `gorm:"size:128;not null"`
	Email        string    `gorm:"size:255;not null"`
	Phone        string    `gorm:"size:64;not null"`
	PasswordHash string    `gorm:"size:255;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// EnsureTenant returns the tenant of that name, creating it (in the default time zone) when missing.
func (s *Service) EnsureTenant(ctx context.Context, name string) (Tenant, error) {
	if name == "" {
		return Tenant{}, Invalidf(FieldTenantName, "tenant name is required")
	}
	t := Tenant{Name: name, TimeZone: s.defaultTZ, CustomerSign: 1}
	err := s.db.WithContext(ctx).Where(Tenant{Name: name}).FirstOrCreate(&t).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) { // created concurrently: read the winner
		err = s.db.WithContext(ctx).Where(Tenant{Name: name}).Take(&t).Error
	}
	if err == nil && t.YunzmallShopID == nil {
		if err = fillDialectIDs(s.db.WithContext(ctx)); err == nil {
			err = s.db.WithContext(ctx).Where("id = ?", t.ID).Take(&t).Error
		}
	}
	if err == nil {
		err = seedDictionaries(s.db.WithContext(ctx), t.ID)
	}
	return t, storeError(err, "tenant")
}

// FindTenant returns the tenant of that name.
func (s *Service) FindTenant(ctx context.Context, name string) (Tenant, error) {
	var t Tenant
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&t).Error
	return t, storeError(err, "tenant")
}

// EnsureDepartment returns the tenant's department of that name, creating it when missing.
func (s *Service) EnsureDepartment(ctx context.Context, tenantID uint64, name string) (Department, error) {
	if name == "" {
		return Department{}, Invalidf(FieldDepartmentName, "department name is required")
	}
	d := Department{TenantID: tenantID, Name: name}
	err := s.db.WithContext(ctx).Scopes(inTenant(tenantID)).Where("name = ?", name).FirstOrCreate(&d).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) { // created concurrently: read the winner, on a fresh chain and row
		d = Department{}
		err = s.db.WithContext(ctx).Scopes(inTenant(tenantID)).Where("name = ?", name).Take(&d).Error
	}
	return d, storeError(err, "department")
}

// EnsureUser returns the tenant's user of that login name, creating it when missing.
// A non-zero departmentID moves an existing user there.
func (s *Service) EnsureUser(ctx context.Context, tenantID uint64, name string, departmentID uint64) (User, error) {
	if name == "" {
		return User{}, Invalidf(FieldUserName, "user name is required")
	}
	u := User{TenantID: tenantID, Name: name, RealName: name, DepartmentID: departmentID}
	err := s.db.WithContext(ctx).Scopes(inTenant(tenantID)).Where("name = ?", name).FirstOrCreate(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) { // created concurrently: read the winner, on a fresh chain and row
		u = User{}
		err = s.db.WithContext(ctx).Scopes(inTenant(tenantID)).Where("name = ?", name).Take(&u).Error
	}
	if err == nil && departmentID != 0 && u.DepartmentID != departmentID {
		u.DepartmentID = departmentID
		err = s.db.WithContext(ctx).Model(&u).Update("department_id", departmentID).Error
	}
	return u, storeError(err, "user")
}

// UserProfile is a user with the department it belongs to.
type UserProfile struct {
	User       User
	Department Department // zero when the user has none
}

// Profile returns the caller's own user and department.
func (s *Service) Profile(ctx context.Context, c Caller) (UserProfile, error) {
	var p UserProfile
	db := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID))
	if err := db.Where("id = ?", c.UserID).Take(&p.User).Error; err != nil {
		return p, storeError(err, "user")
	}
	if p.User.DepartmentID != 0 {
		err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id = ?", p.User.DepartmentID).Take(&p.Department).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return p, storeError(err, "department")
		}
	}
	return p, nil
}

// TenantSettings are what a tenant decides about its own data.
type TenantSettings struct {
	// ContractApproval: new contracts wait for approval (applying) instead of starting approved.
	ContractApproval bool
	// ContractPrefix starts the numbers of contracts created without an sn: prefix + six digits.
	ContractPrefix string `name:"contract_prefix" validate:"max=16,printascii"`
	// Opportunities: the tenant uses opportunities.
	Opportunities bool
	// Devices are the client editions its clients may use; none: any.
	Devices []string
	// IDs changes the tenant's ids in the dialects (none when zero).
	IDs TenantIDChange
}

// Settings are the tenant's settings.
func (t Tenant) Settings() TenantSettings {
	return TenantSettings{ContractApproval: t.ContractApproval, ContractPrefix: t.ContractPrefix, Opportunities: t.Opportunities,
		Devices: splitDevices(t.Devices)}
}

// splitDevices reads the Devices column: "" is none.
func splitDevices(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// AllowsDevice reports whether the caller's tenant lets its clients use device.
func (c Caller) AllowsDevice(device string) bool {
	return len(c.Devices) == 0 || slices.Contains(c.Devices, device)
}

// SetTenantSettings changes a tenant's settings; the contract sequence carries on.
func (s *Service) SetTenantSettings(ctx context.Context, tenantID uint64, in TenantSettings) error {
	if err := s.check(in); err != nil {
		return err
	}
	for _, d := range in.Devices {
		if d == "" || strings.ContainsAny(d, ", \t\r\n") {
			return Errorf(EINVALID, "device %q: a device is a name without commas or spaces", Excerpt(d))
		}
	}
	ids, err := dialectIDUpdates(in.IDs)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var t Tenant
		if err := tx.Where("id = ?", tenantID).Take(&t).Error; err != nil {
			return storeError(err, "tenant")
		}
		if err := tx.Model(&t).Updates(map[string]any{"contract_approval": in.ContractApproval,
			"contract_prefix": in.ContractPrefix, "opportunities": in.Opportunities,
			"devices": strings.Join(in.Devices, ",")}).Error; err != nil {
			return storeError(err, "tenant")
		}
		if len(ids) == 0 {
			return nil
		}
		return setDialectIDs(tx, tenantID, ids)
	})
}

// SetRealName changes the name a tenant's user is shown by.
func (s *Service) SetRealName(ctx context.Context, tenantID, userID uint64, realName string) error {
	if err := s.check(struct {
		RealName string `name:"real_name" validate:"required,max=128"`
	}{realName}); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&User{}).Scopes(inTenant(tenantID)).Where("id = ?", userID).Update("real_name", realName)
	if res.Error != nil {
		return storeError(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		var n int64 // MySQL counts a row whose value is already that as not affected
		if err := s.db.WithContext(ctx).Model(&User{}).Scopes(inTenant(tenantID)).Where("id = ?", userID).Count(&n).Error; err != nil {
			return storeError(err, "user")
		}
		if n == 0 {
			return NotFoundf("user", "user %d not found", userID)
		}
	}
	return nil
}

// CallerFor is a caller acting as user u of tenant t, without a token: for
// work the operator starts (seeding, imports) rather than a client.
func (s *Service) CallerFor(t Tenant, u User) (Caller, error) {
	if u.TenantID != t.ID {
		return Caller{}, NotFoundf("user", "user %d not found", u.ID)
	}
	loc, err := s.location(t.TimeZone)
	if err != nil {
		return Caller{}, err
	}
	return Caller{TenantID: t.ID, UserID: u.ID, DepartmentID: u.DepartmentID, Location: loc, Devices: splitDevices(t.Devices),
		Dialects: t.DialectIDs()}, nil
}

// UserListQuery selects and orders a page of the tenant's users.
type UserListQuery struct {
	Name         string // part of the name shown or the login name
	Phone        string // the phone, exactly
	UserID       uint64 // that one only; 0 for any
	ExceptUserID uint64 // all but that one; 0 for none
	DepartmentID uint64 // 0 for any
	Sort         string // id (when ""), created_at or name
	Desc         bool
	Page         int // from 1
	PerPage      int
}

// UserListItem is a user with the name of its department.
type UserListItem struct {
	User
	DepartmentName string
}

// UserList is one page of users and the count of all that match.
type UserList struct {
	Items []UserListItem
	Total int64
}

var userSorts = map[string]string{"": "users.id", "id": "users.id", "created_at": "users.created_at", "name": "users.real_name"}

// ListUsers pages through the tenant's users.
func (s *Service) ListUsers(ctx context.Context, c Caller, q UserListQuery) (UserList, error) {
	if err := s.checkPage(q.Page, 1, q.PerPage, FieldPerPage); err != nil {
		return UserList{}, err
	}
	sort, known := userSorts[q.Sort]
	if !known {
		return UserList{}, Invalidf(FieldSort, "cannot sort by %q", Excerpt(q.Sort))
	}
	db := s.db.WithContext(ctx).Table("users").Scopes(inTenant(c.TenantID))
	if q.Name != "" {
		like, err := containsPattern(FieldName, q.Name)
		if err != nil {
			return UserList{}, err
		}
		db = db.Where("(users.real_name LIKE ? ESCAPE '!' OR users.name LIKE ? ESCAPE '!')", like, like)
	}
	if q.Phone != "" {
		db = db.Where("users.phone = ?", q.Phone)
	}
	if q.UserID != 0 {
		db = db.Where("users.id = ?", q.UserID)
	}
	if q.ExceptUserID != 0 {
		db = db.Where("users.id <> ?", q.ExceptUserID)
	}
	if q.DepartmentID != 0 {
		db = db.Where("users.department_id = ?", q.DepartmentID)
	}
	db = db.Session(&gorm.Session{})
	var out UserList
	if err := db.Count(&out.Total).Error; err != nil {
		return UserList{}, storeError(err, "user")
	}
	order := sort + " ASC, users.id ASC"
	if q.Desc {
		order = sort + " DESC, users.id DESC"
	}
	err := db.Select("users.*, departments.name AS department_name").
		Joins("LEFT JOIN departments ON departments.id = users.department_id AND departments.tenant_id = users.tenant_id").
		Order(order).Limit(q.PerPage).Offset((q.Page - 1) * q.PerPage).Scan(&out.Items).Error
	return out, storeError(err, "user")
}

// Departments lists the tenant's departments in the order they were made,
// but the one except names (0 for none).
func (s *Service) Departments(ctx context.Context, c Caller, except uint64) ([]Department, error) {
	var out []Department
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("id <> ?", except).Order("id").Find(&out).Error
	return out, storeError(err, "department")
}

// AddDepartment makes a department of the tenant with the id it is given (an
// import's; 0 for a new one). Its name must be free in the tenant, as its id.
func (s *Service) AddDepartment(ctx context.Context, tenantID, id uint64, name string) (Department, error) {
	if err := s.check(struct {
		Name string `name:"department_name" validate:"required,max=128"`
	}{name}); err != nil {
		return Department{}, err
	}
	var d Department
	err := s.tx(ctx, func(tx *gorm.DB) error {
		d = Department{TenantID: tenantID, ID: id, Name: name}
		if err := s.mustExistTenant(tx, tenantID); err != nil {
			return err
		}
		if err := keptIDFree(tx, Caller{TenantID: tenantID}, &Department{}, "department", id); err != nil {
			return err
		}
		return storeError(tx.Create(&d).Error, "department")
	})
	return d, err
}

// NewUser is the input of AddUser.
type NewUser struct {
	ID           uint64    // the id to keep (an import's): ECONFLICT when the tenant holds it; 0: a new one
	Name         string    `name:"user_name" validate:"required,max=128"` // the login name, unique in the tenant
	RealName     string    `name:"real_name" validate:"max=128"`          // "": the login name
	Email        string    `name:"email" validate:"max=255"`
	Phone        string    `name:"phone" validate:"max=64"`
	DepartmentID uint64    // one of the tenant's; 0 for none
	CreatedAt    time.Time // zero: now
}

// AddUser makes a user of the tenant, with no password (it logs in once one
// is set) and the id it is given.
func (s *Service) AddUser(ctx context.Context, tenantID uint64, in NewUser) (User, error) {
	if err := s.check(in); err != nil {
		return User{}, err
	}
	if in.RealName == "" {
		in.RealName = in.Name
	}
	var u User
	c := Caller{TenantID: tenantID}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		u = User{TenantID: tenantID, ID: in.ID, Name: in.Name, RealName: in.RealName, Email: in.Email, Phone: in.Phone,
			DepartmentID: in.DepartmentID, CreatedAt: in.CreatedAt}
		if err := s.mustExistTenant(tx, tenantID); err != nil {
			return err
		}
		if in.DepartmentID != 0 {
			if err := s.mustExistTx(tx, c, &Department{}, "department", in.DepartmentID); err != nil {
				return err
			}
		}
		if err := keptIDFree(tx, c, &User{}, "user", in.ID); err != nil {
			return err
		}
		return storeError(tx.Create(&u).Error, "user")
	})
	return u, err
}
