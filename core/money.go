package core

import (
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// maxMoney bounds every amount below a trillion yuan: far beyond any real
// contract, and small enough that a float64 carries it to the cent in every
// dialect's number format. Sums of amounts never overflow either (see sumCents).
var maxMoney = decimal.New(1, 12)

// maxAmountText bounds the text of an amount before it is parsed, so a
// megabyte of digits costs a length check, not seconds of arithmetic: a valid
// amount such as "-999999999999.99" or "9.9999999999999E11" is much shorter.
const maxAmountText = 40

// Money is an amount in yuan, exact to the cent. It is stored as integer cents
// (BIGINT): SQLite has no exact decimal type, and integer sums are exact on every engine.
type Money struct{ decimal.Decimal }

// MoneyFromCents returns the amount of c cents.
func MoneyFromCents(c int64) Money { return Money{decimal.New(c, -2)} }

// ErrNotANumber is ParseMoney's error for text that is no number at all, as
// against a number no amount can be.
var ErrNotANumber = errors.New("not a number")

// ParseMoney reads a decimal amount such as "19800" or "0.10", rejecting
// fractions of a cent and amounts too large to store.
func ParseMoney(s string) (Money, error) {
	if len(s) > maxAmountText {
		return Money{}, fmt.Errorf("%q is too long for an amount", Excerpt(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, fmt.Errorf("%q is %w", Excerpt(s), ErrNotANumber)
	}
	// A short text may still carry a huge exponent ("1e999999999"), whose
	// arithmetic is as slow as its digits would be.
	if e := d.Exponent(); e < -maxAmountText || e > maxAmountText {
		return Money{}, fmt.Errorf("%q is too large", Excerpt(s))
	}
	m := Money{d}
	if err := m.check(); err != nil {
		return Money{}, err
	}
	return m, nil
}

func (m Money) check() error {
	if !m.Shift(2).IsInteger() {
		return fmt.Errorf("%s has fractions of a cent", m.String())
	}
	if m.Abs().GreaterThanOrEqual(maxMoney) {
		return fmt.Errorf("%s is too large", m.String())
	}
	return nil
}

// Cents returns the amount in cents.
func (m Money) Cents() int64 { return m.Shift(2).IntPart() }

// Value stores the amount as integer cents.
func (m Money) Value() (driver.Value, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return m.Cents(), nil
}

// Scan reads integer cents, or a SUM of them (MySQL returns DECIMAL text for SUM).
func (m *Money) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*m = Money{}
	case int64:
		*m = MoneyFromCents(v)
	case []byte:
		return m.scanText(string(v))
	case string:
		return m.scanText(v)
	case float64:
		*m = Money{decimal.NewFromFloat(v).Shift(-2)}
	default:
		return fmt.Errorf("money: cannot scan %T", v)
	}
	return nil
}

func (m *Money) scanText(s string) error {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("money: %w", err)
	}
	*m = Money{d.Shift(-2)}
	return nil
}

// GormDataType makes every Money column a BIGINT of cents.
func (Money) GormDataType() string { return "bigint" }

// sumCents is the SQL of the sum of a column of cents that cannot overflow,
// however many rows it adds (every dialect's figures are such sums). MySQL's
// SUM of a BIGINT is already a DECIMAL. SQLite's SUM of integers fails past
// 2^63, so there the column is summed in two parts that each stay far from it
// (millions and the rest), put together by SQLite's decimal extension as exact
// text. Like SUM it is NULL over no rows; decimal_add is never handed a NULL
// (it fails as out of memory, which the driver turns into a panic).
func (s *Service) sumCents(column string) string {
	if s.db.Dialector.Name() == DriverMySQL {
		return "SUM(" + column + ")"
	}
	return "(CASE WHEN COUNT(" + column + ") > 0 THEN decimal_add(decimal_mul(SUM(" + column + " / 1000000), 1000000), SUM(" +
		column + " % 1000000)) END)"
}

func decimalOf(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
