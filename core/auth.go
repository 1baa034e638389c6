package core

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

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

// hashToken is what the database keeps of a token. Tokens are random or
// vendor-issued secrets, not passwords, so one SHA-256 is enough to make a
// stolen table useless, and it lets a token be found by an index.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewTokenValue makes a fresh token: base64 of a random UUID, the form the legacy OA issued.
func NewTokenValue() string {
	return base64.StdEncoding.EncodeToString([]byte(uuid.NewString()))
}

// Authenticate resolves a token to its caller. An unknown, revoked or expired
// token is EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token string) (Caller, error) {
	if token == "" {
		return Caller{}, Errorf(EUNAUTHORIZED, "token is missing")
	}
	hash := hashToken(token)
	e, cached := s.callers.get(tokenKey + hash)
	if !cached {
		var err error
		if e, err = s.lookUpToken(ctx, hash); err != nil {
			return Caller{}, err
		}
	}
	if e.expiresAt != nil && !s.clock.Now().Before(*e.expiresAt) {
		return Caller{}, Errorf(EUNAUTHORIZED, "token has expired")
	}
	// Counted once the token is known: buckets exist only for real credentials,
	// so a flood of made-up ones costs lookups, not memory.
	if wait := s.limiter.wait(hash, s.clock.Now()); wait > 0 {
		return Caller{}, limited(wait)
	}
	return e.caller, nil
}

// lookUpToken reads the caller a token's hash is, and caches it.
func (s *Service) lookUpToken(ctx context.Context, hash string) (authEntry, error) {
	generation := s.callers.generation()
	var row struct {
		Hash         string
		TenantID     uint64
		UserID       uint64
		DepartmentID uint64
		ExpiresAt    *time.Time
		TimeZone     string
		Devices      string
		Tenant       `gorm:"embedded;embeddedPrefix:n_"`
	}
	err := s.db.WithContext(ctx).Table("api_tokens AS t").
		Select("t.hash, t.tenant_id, t.user_id, t.expires_at, u.department_id, n.time_zone, n.devices, "+dialectIDsOf("n")).
		Joins("JOIN users u ON u.id = t.user_id AND u.tenant_id = t.tenant_id").
		Joins("JOIN tenants n ON n.id = t.tenant_id").
		Where("t.hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) ||
		(err == nil && subtle.ConstantTimeCompare([]byte(row.Hash), []byte(hash)) != 1) {
		return authEntry{}, Errorf(EUNAUTHORIZED, "token is unknown or revoked")
	}
	if err != nil {
		return authEntry{}, storeError(err, "token")
	}
	loc, err := s.location(row.TimeZone)
	if err != nil {
		return authEntry{}, err
	}
	e := authEntry{caller: Caller{TenantID: row.TenantID, UserID: row.UserID, DepartmentID: row.DepartmentID, Location: loc,
		Devices: splitDevices(row.Devices), Dialects: row.Tenant.DialectIDs()}, expiresAt: row.ExpiresAt, generation: generation}
	s.callers.put(tokenKey+hash, e)
	return e, nil
}

// RegisterToken stores a token for a user, one that never expires. An empty value
// makes a fresh token. Registering the same value for the same user again is a no-op;
// for another user it is ECONFLICT.
func (s *Service) RegisterToken(ctx context.Context, tenantID, userID uint64, value string) (string, error) {
	if value == "" {
		value = NewTokenValue()
	}
	if err := s.mustExist(ctx, Caller{TenantID: tenantID}, &User{}, "user", []uint64{userID}); err != nil {
		return "", err
	}
	t := APIToken{TenantID: tenantID, UserID: userID, Hash: hashToken(value), Source: TokenRegistered}
	err := s.db.WithContext(ctx).Create(&t).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		var have APIToken
		if err := s.db.WithContext(ctx).Where("hash = ?", t.Hash).Take(&have).Error; err != nil {
			return "", storeError(err, "token")
		}
		if have.TenantID == tenantID && have.UserID == userID {
			return value, nil
		}
		return "", Errorf(ECONFLICT, "that token is already registered for another user")
	}
	return value, storeError(err, "token")
}

// RevokeToken deletes a token; it stops working on the next request.
func (s *Service) RevokeToken(ctx context.Context, value string) error {
	return s.revokeSecret(ctx, &APIToken{}, "token", value)
}

// RevokeTokenByID deletes the tenant's token of that id (as ListTokens shows
// it): an operator revokes a token without knowing its value. Another
// tenant's token of that id is ENOTFOUND and stays.
func (s *Service) RevokeTokenByID(ctx context.Context, tenantID, id uint64) error {
	res := s.db.WithContext(ctx).Scopes(inTenant(tenantID)).Where("id = ?", id).Delete(&APIToken{})
	if res.Error != nil {
		return storeError(res.Error, "token")
	}
	if res.RowsAffected == 0 {
		return NotFoundf("token", "no token %d in the tenant", id)
	}
	return nil
}

// revokeSecret deletes the row of model (a token or site key) kept for value.
func (s *Service) revokeSecret(ctx context.Context, model any, entity, value string) error {
	res := s.db.WithContext(ctx).Where("hash = ?", hashToken(value)).Delete(model)
	if res.Error != nil {
		return storeError(res.Error, entity)
	}
	if res.RowsAffected == 0 {
		return NotFoundf(entity, "no such %s", entity)
	}
	return nil
}

// TokenInfo describes a token without its value.
type TokenInfo struct {
	ID        uint64
	UserName  string
	Source    string
	CreatedAt time.Time
	ExpiresAt *time.Time
}

// ListTokens lists a tenant's tokens. Values are never kept, so never shown.
func (s *Service) ListTokens(ctx context.Context, tenantID uint64) ([]TokenInfo, error) {
	var out []TokenInfo
	err := s.db.WithContext(ctx).Table("api_tokens AS t").
		Select("t.id, u.name AS user_name, t.source, t.created_at, t.expires_at").
		Joins("JOIN users u ON u.id = t.user_id AND u.tenant_id = t.tenant_id").
		Where("t.tenant_id = ?", tenantID).Order("t.id").Scan(&out).Error
	return out, storeError(err, "token")
}

// SetPassword sets a user's password, kept as a bcrypt hash.
func (s *Service) SetPassword(ctx context.Context, tenantID uint64, userName, password string) error {
	if password == "" {
		return Invalidf(FieldPassword, "%s is empty", FieldPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return Invalidf(FieldPassword, "%s is not usable: %v", FieldPassword, err)
	}
	res := s.db.WithContext(ctx).Model(&User{}).Scopes(inTenant(tenantID)).
		Where("name = ?", userName).Update("password_hash", string(hash))
	if res.Error != nil {
		return storeError(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return NotFoundf("user", "no user %q", userName)
	}
	return nil
}

// Session is what a login hands out.
type Session struct {
	Token   string
	Caller  Caller
	Profile UserProfile
}

// LoginRequest is one attempt to log in.
type LoginRequest struct {
	// Tenant, a tenant's name or id of the kind TenantRef says, may be empty
	// when the login name is unique across tenants.
	Tenant, UserName, Password string
	TenantRef                  TenantRef
	Address                    string        // the client's, for the per-address throttle
	Token                      string        // the token to issue, in the form the dialect's clients expect
	TTL                        time.Duration // how long the token works
	// Device is the client edition logging in, "" for a dialect that has
	// none: one the user's tenant does not allow (Tenant.Devices) is
	// EFORBIDDEN of Entity "device", and no token is issued.
	Device string
}

// Login checks a user's password and issues the request's token. An unknown
// login name and a wrong password are the same EUNAUTHORIZED, at the same
// cost; too many failures for the name or from the address are ELIMITED
// until the window ends (see LoginLimits). Without a tenant, a login name held
// in more than maxLoginCandidates tenants must name one (EINVALID).
func (s *Service) Login(ctx context.Context, in LoginRequest) (Session, error) {
	userName, password, token, ttl := in.UserName, in.Password, in.Token, in.TTL
	if userName == "" {
		return Session{}, Invalidf(FieldUserName, "%s is required", FieldUserName)
	}
	if password == "" {
		return Session{}, Invalidf(FieldPassword, "%s is required", FieldPassword)
	}
	attempt := s.logins.attempt(userName, in.Address)
	if wait := s.logins.begin(attempt, s.clock.Now()); wait > 0 {
		s.logins.hold(ctx)
		e := limited(wait)
		e.Entity = "login"
		return Session{}, e
	}
	q := s.db.WithContext(ctx).Where("users.name = ? AND users.password_hash <> ''", userName)
	if in.Tenant != "" {
		cond, args := tenantMatch(in.TenantRef, in.Tenant)
		q = q.Joins("JOIN tenants ON tenants.id = users.tenant_id AND "+cond, args...)
	}
	var users []User
	if err := q.Order("users.id").Limit(maxLoginCandidates + 1).Find(&users).Error; err != nil {
		return Session{}, storeError(err, "user")
	}
	if len(users) > maxLoginCandidates {
		return Session{}, Invalidf(FieldTenant, "login name %q is held in more than %d tenants: name the tenant", Excerpt(userName), maxLoginCandidates)
	}
	if len(users) == 0 {
		users = []User{{PasswordHash: dummyHash()}} // compared, and never matched: an unknown name costs a wrong password
	}
	var match *User
	for i := range users { // the same login name may exist in several tenants: the password decides
		ok, err := s.logins.matches(ctx, users[i].PasswordHash, password)
		if err != nil {
			return Session{}, storeError(err, "user")
		}
		if ok && users[i].ID != 0 {
			if match != nil {
				return Session{}, Invalidf(FieldTenant, "user %q exists in several tenants: name the tenant", Excerpt(userName))
			}
			match = &users[i]
		}
	}
	if match == nil {
		return Session{}, Errorf(EUNAUTHORIZED, "user name and password do not match")
	}
	s.logins.succeeded(attempt)
	if in.Device != "" {
		var devices string
		if err := s.db.WithContext(ctx).Model(&Tenant{}).Select("devices").Where("id = ?", match.TenantID).Scan(&devices).Error; err != nil {
			return Session{}, storeError(err, "tenant")
		}
		if !(Caller{Devices: splitDevices(devices)}).AllowsDevice(in.Device) {
			e := Errorf(EFORBIDDEN, "device %q is not allowed in the tenant", Excerpt(in.Device))
			e.Entity = "device"
			return Session{}, e
		}
	}
	if token == "" {
		return Session{}, Errorf(EINTERNAL, "no token to issue")
	}
	value := token
	expires := s.clock.Now().Add(ttl).UTC().Truncate(time.Second)
	t := APIToken{TenantID: match.TenantID, UserID: match.ID, Hash: hashToken(value), Source: TokenLogin, ExpiresAt: &expires}
	if err := s.db.WithContext(ctx).Create(&t).Error; err != nil {
		return Session{}, storeError(err, "token")
	}
	caller, err := s.Authenticate(ctx, value)
	if err != nil {
		return Session{}, err
	}
	profile, err := s.Profile(ctx, caller)
	return Session{Token: value, Caller: caller, Profile: profile}, err
}
