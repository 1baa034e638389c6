package core

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxID is the largest id a record can have: ids are BIGINT, signed on both
// engines. A larger one names nothing; adapters refuse it as bad input.
const MaxID uint64 = math.MaxInt64

// ErrIDRange is ParseID's error for digits past MaxID.
var ErrIDRange = errors.New("past the largest id")

// ParseID reads a record's id from the wire: decimal digits, at most MaxID.
// Text longer than any id, even one written with leading zeros, is refused
// before it is parsed.
func ParseID(s string) (uint64, error) {
	if len(s) > maxAmountText {
		if strings.Trim(s, "0123456789") == "" {
			return 0, ErrIDRange
		}
		return 0, strconv.ErrSyntax
	}
	id, err := strconv.ParseUint(s, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange), err == nil && id > MaxID:
		return 0, ErrIDRange
	case err != nil:
		return 0, strconv.ErrSyntax
	}
	return id, nil
}

// excerptRunes is how much of a bad value an error message repeats.
const excerptRunes = 32

// Excerpt is s as an error message may quote it: its first few characters,
// then "…" if there were more, so that a megabyte of input never comes back
// in an answer or a log line. Each run of invalid UTF-8 becomes one U+FFFD.
func Excerpt(s string) string {
	n := 0
	for i := range s {
		if n == excerptRunes {
			return strings.ToValidUTF8(s[:i], "\uFFFD") + "…"
		}
		n++
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Error codes. Every adapter keeps one table from these to its dialect's own codes.
const (
	ECONFLICT     = "conflict"     // a unique rule would be broken (duplicate sn, existing name)
	EINTERNAL     = "internal"     // anything unexpected; never shown to a client in detail
	EINVALID      = "invalid"      // bad input; Field names the offending field
	ENOTFOUND     = "not_found"    // Entity names what was looked for
	EUNAUTHORIZED = "unauthorized" // unknown, expired or revoked credentials
	EFORBIDDEN    = "forbidden"    // known caller, not allowed
	EUNAVAILABLE  = "unavailable"  // the database could not be reached or did not answer in time
	ELIMITED      = "limited"      // the caller made more requests than its rate allows
)

// Codes are all the error codes, for the tests that every adapter maps each.
var Codes = []string{ECONFLICT, EINTERNAL, EINVALID, ENOTFOUND, EUNAUTHORIZED, EFORBIDDEN, EUNAVAILABLE, ELIMITED}

// Error is the one error type core returns on purpose.
type Error struct {
	Code   string
	Field  Field  // for EINVALID, and ENOTFOUND of a reference: the input field at fault
	Index  int    // for an item of a list field at fault: its position, from 1
	Entity string // for ENOTFOUND: the kind of record looked for ("user", "department" …); for ELIMITED, "login" for failed logins; for EFORBIDDEN, "device" for a client edition the tenant does not allow
	// Message says what is wrong, naming fields as core does.
	Message string
	// RetryAfter, for EUNAVAILABLE and ELIMITED, is when asking again makes sense.
	RetryAfter time.Duration

	// format and args are what Message was made of, kept so that Worded can
	// spell the fields among args as a dialect names them.
	format string
	args   []any
	held   bool // an ECONFLICT of an id to keep that the tenant holds (IDHeld)
}

// IDHeld tells the conflict of an id to keep that the tenant holds already
// from every other error: to an import, a record it wrote before.
func IDHeld(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.held
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Worded is the message with every field it names spelt name(field): a
// dialect words core's messages with its own parameter names.
func (e *Error) Worded(name func(Field) string) string {
	if e.format == "" {
		return e.Message
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if f, ok := a.(Field); ok {
			a = name(f)
		}
		args[i] = a
	}
	return fmt.Sprintf(e.format, args...)
}

// newError makes an *Error whose message is format with args; a Field among
// args is one the message names, and Worded respells.
func newError(code string, field Field, format string, args []any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...), format: format, args: args}
}

// Errorf returns an *Error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return newError(code, "", format, args)
}

// Invalidf reports bad input in one field.
func Invalidf(field Field, format string, args ...any) *Error {
	return newError(EINVALID, field, format, args)
}

// NotFoundf reports a record of the given kind that is not in the caller's tenant.
func NotFoundf(entity, format string, args ...any) *Error {
	e := newError(ENOTFOUND, "", format, args)
	e.Entity = entity
	return e
}

// ErrorCode returns the code of err (see AsError), "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// errUnavailable is what a request learns when the database is out of reach.
var errUnavailable = &Error{Code: EUNAVAILABLE, Message: "the database is unavailable", RetryAfter: time.Second}

// AsError returns err as an *Error: EUNAVAILABLE for a database that could not
// be reached or did not answer in time, whichever path the error took, and
// otherwise an EINTERNAL one that hides err's text.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if unavailable(err) {
		return errUnavailable
	}
	return &Error{Code: EINTERNAL, Message: "internal error"}
}
