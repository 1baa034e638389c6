package core

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"gorm.io/gorm"
)

// AdminToken is an operator's credential for the console. Like an API token,
// only its SHA-256 is kept.
type AdminToken struct {
	ID        uint64    `gorm:"primaryKey"`
	Name      string    `gorm:"size:128;not null"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"not null"`
}

// AdminSession is a console login: a random id handed to the browser, kept
// here as its SHA-256 only, so that a copy of the table opens no session.
type AdminSession struct {
	ID           uint64    `gorm:"primaryKey"`
	Hash         string    `gorm:"size:64;not null;uniqueIndex"`
	AdminTokenID uint64    `gorm:"not null;index"`
	ExpiresAt    time.Time `gorm:"not null;index"`
	CreatedAt    time.Time `gorm:"not null"`
}

// AdminTokenInfo describes an admin token without its value.
type AdminTokenInfo struct {
	ID        uint64
	Name      string
	CreatedAt time.Time
}

// adminLoginName is what the login guard counts the console's failed logins
// from an address under: no user's login name holds a NUL, so they never
// share a count. The address is part of it, so that failures from everywhere
// never reach the per-name limit together and lock every operator out (an
// admin token is too long to guess; the per-address limit still holds).
func adminLoginName(address string) string { return "\x00console\x00" + address }

// AddAdminToken registers an admin token named name; an empty value makes a
// fresh one. It returns the value, which is never kept, and the token's id.
func (s *Service) AddAdminToken(ctx context.Context, name, value string) (string, uint64, error) {
	if value == "" {
		value = NewTokenValue()
	}
	if len(name) > 128 {
		return "", 0, Invalidf(FieldName, "%s is longer than 128", FieldName)
	}
	t := AdminToken{Name: name, Hash: hashToken(value)}
	err := s.db.WithContext(ctx).Create(&t).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "", 0, Errorf(ECONFLICT, "that admin token is registered already")
	}
	return value, t.ID, storeError(err, "admin token")
}

// AdminTokens lists the admin tokens, oldest first, never their values.
func (s *Service) AdminTokens(ctx context.Context) ([]AdminTokenInfo, error) {
	var out []AdminTokenInfo
	err := s.db.WithContext(ctx).Model(&AdminToken{}).Select("id, name, created_at").Order("id").Scan(&out).Error
	return out, storeError(err, "admin token")
}

// RevokeAdminToken deletes an admin token and every console session opened
// with it: they end on their next request.
func (s *Service) RevokeAdminToken(ctx context.Context, id uint64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&AdminToken{})
		if res.Error != nil {
			return storeError(res.Error, "admin token")
		}
		if res.RowsAffected == 0 {
			return NotFoundf("admin token", "no admin token %d", id)
		}
		return storeError(tx.Where("admin_token_id = ?", id).Delete(&AdminSession{}).Error, "admin session")
	})
}

// AdminLogin opens a console session of ttl for an admin token, returning the
// session's id to hand the browser. An unknown token is EUNAUTHORIZED; failed
// attempts are throttled by the same guard, and limits, as users' logins
// (address is the client's), ELIMITED of Entity "login" once over them.
// Sessions that have expired are swept on the way.
func (s *Service) AdminLogin(ctx context.Context, token, address string, ttl time.Duration) (string, error) {
	attempt := s.logins.attempt(adminLoginName(address), address)
	if wait := s.logins.begin(attempt, s.clock.Now()); wait > 0 {
		s.logins.hold(ctx)
		e := limited(wait)
		e.Entity = "login"
		return "", e
	}
	hash := hashToken(token)
	var t AdminToken
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1) {
		return "", Errorf(EUNAUTHORIZED, "admin token is unknown or revoked")
	}
	if err != nil {
		return "", storeError(err, "admin token")
	}
	s.logins.succeeded(attempt)
	now := s.now()
	if err := s.db.WithContext(ctx).Where("expires_at <= ?", now).Delete(&AdminSession{}).Error; err != nil {
		return "", storeError(err, "admin session")
	}
	id := NewTokenValue()
	sess := AdminSession{Hash: hashToken(id), AdminTokenID: t.ID, ExpiresAt: now.Add(ttl)}
	return id, storeError(s.db.WithContext(ctx).Create(&sess).Error, "admin session")
}

// AdminSessionToken is the admin token a live console session was opened
// with; an unknown, ended or expired session is EUNAUTHORIZED.
func (s *Service) AdminSessionToken(ctx context.Context, session string) (AdminTokenInfo, error) {
	if session == "" {
		return AdminTokenInfo{}, Errorf(EUNAUTHORIZED, "no console session")
	}
	var row struct {
		Hash      string
		ExpiresAt time.Time
		AdminTokenInfo
	}
	err := s.db.WithContext(ctx).Table("admin_sessions AS s").
		Select("s.hash, s.expires_at, t.id, t.name, t.created_at").
		Joins("JOIN admin_tokens t ON t.id = s.admin_token_id").
		Where("s.hash = ?", hashToken(session)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) ||
		(err == nil && subtle.ConstantTimeCompare([]byte(row.Hash), []byte(hashToken(session))) != 1) {
		return AdminTokenInfo{}, Errorf(EUNAUTHORIZED, "the console session is unknown or ended")
	}
	if err != nil {
		return AdminTokenInfo{}, storeError(err, "admin session")
	}
	if !s.clock.Now().Before(row.ExpiresAt) {
		return AdminTokenInfo{}, Errorf(EUNAUTHORIZED, "the console session has expired")
	}
	return row.AdminTokenInfo, nil
}

// AdminLogout ends a console session.
func (s *Service) AdminLogout(ctx context.Context, session string) error {
	return storeError(s.db.WithContext(ctx).Where("hash = ?", hashToken(session)).Delete(&AdminSession{}).Error, "admin session")
}
