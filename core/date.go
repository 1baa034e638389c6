package core

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar day with no time zone: a sign date, a payment date.
// It is stored as DATE ("2006-01-02" text on SQLite), so ranges compare correctly on both engines.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (yyyy-MM-dd)", Excerpt(s))
	}
	return DateOf(t), nil
}

// DateOf is the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return d.In(time.UTC).Format(dateLayout) }

// In is the first instant of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// The days every dialect accepts, dates and times alike: what both engines'
// DATE and DATETIME hold (MySQL's start at 1000-01-01, end at 9999-12-31),
// with a day to spare at each end for the time zone an instant is read in.
var (
	MinDate = Date{1000, time.January, 2}
	MaxDate = Date{9999, time.December, 30}
)

// CheckDate refuses a day outside MinDate to MaxDate as bad input in field.
// A zero Date (not given) passes.
func CheckDate(field Field, d Date) error {
	if d.IsZero() || (!d.Before(MinDate) && !MaxDate.Before(d)) {
		return nil
	}
	return Invalidf(field, "%s is outside %s to %s", d, MinDate, MaxDate)
}

// CheckTime refuses an instant whose day, in its own location, is outside
// MinDate to MaxDate. A zero time (not given) passes.
func CheckTime(field Field, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	return CheckDate(field, DateOf(t))
}

// IsZero reports whether d was never set.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.In(time.UTC).Before(o.In(time.UTC)) }

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// Value stores the day as "2006-01-02".
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a DATE as the driver hands it back: time.Time (MySQL with parseTime), or text.
func (d *Date) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*d = DateOf(v)
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("date: cannot scan %T", v)
	}
	return nil
}

func (d *Date) scanText(s string) error {
	if len(s) > len(dateLayout) {
		s = s[:len(dateLayout)]
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// GormDataType makes every Date column a DATE.
func (Date) GormDataType() string { return "date" }

// Month is a calendar month, such as the "2015-09" of a monthly target.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2006-01".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("%q is not a month (yyyy-MM)", Excerpt(s))
	}
	return Month{t.Year(), t.Month()}, nil
}

// MonthOf is the month of t in t's own location.
func MonthOf(t time.Time) Month { return Month{t.Year(), t.Month()} }

// NewMonth checks year and month and returns the Month.
func NewMonth(year, month int) (Month, error) {
	if year < 1 || year > 9999 || month < 1 || month > 12 {
		return Month{}, fmt.Errorf("%04d-%02d is not a month", year, month)
	}
	return Month{year, time.Month(month)}, nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// FirstDay is the month's first day.
func (m Month) FirstDay() Date { return Date{m.Year, m.Month, 1} }

// Previous is the month before m.
func (m Month) Previous() Month {
	if m.Month == time.January {
		return Month{m.Year - 1, time.December}
	}
	return Month{m.Year, m.Month - 1}
}

// Next is the month after m.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{m.Year + 1, time.January}
	}
	return Month{m.Year, m.Month + 1}
}
