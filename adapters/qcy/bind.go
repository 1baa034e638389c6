package qcy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// params are a request's parameters from the query string and the body
// (form-encoded or multipart), keyed in lower case: .NET handlers match names
// without regard to case. Where a name is given more than once, in any mix of
// cases, one value wins, always the same: a body value over a query value, and
// within each the first in the request's order.
type params struct {
	values  map[string]string
	address string    // the client's address, which Token/Get records
	now     time.Time // when the request came, the day of a time sent alone
}

const paramsKey = "qcy.params"

// bind reads the parameters once, before authentication needs the token, and
// keeps them for the error's answer: what could be read is kept even when the
// rest could not, so that the error still honours format.
func bind(c echo.Context) (params, error) {
	p, err := readParams(c.Request())
	p.address = c.RealIP()
	c.Set(paramsKey, p)
	if err != nil {
		return p, wireError(codeInvalid, "请求体无法解析: "+core.Excerpt(err.Error()))
	}
	return p, nil
}

// paramsOf returns the bound parameters. Where bind did not run (an unknown
// handler), it reads them as bind does, so that errors still honour format.
func paramsOf(c echo.Context) params {
	if p, ok := c.Get(paramsKey).(params); ok {
		return p
	}
	p, _ := readParams(c.Request()) // best effort: this only picks the error's format
	c.Set(paramsKey, p)
	return p
}

// readParams reads the body's parameters, then the query string's, in the
// order the client wrote them; of the names equal but for case, the first read
// wins. A malformed part is skipped and its error returned, with all the rest.
func readParams(r *http.Request) (params, error) {
	p := params{values: map[string]string{}}
	add := func(name, value string) {
		if _, seen := p.values[strings.ToLower(name)]; !seen {
			p.values[strings.ToLower(name)] = value
		}
	}
	bodyErr := readBody(r, add)
	queryErr := readQuery(r.URL.RawQuery, add)
	if bodyErr != nil {
		return p, bodyErr
	}
	return p, queryErr
}

// readBody reads a multipart body (its fields; files are no parameters) or, on
// a POST, a form-encoded one, as net/http's ParseMultipartForm and ParseForm
// would; other bodies hold no parameters.
func readBody(r *http.Request, add func(name, value string)) error {
	ct := r.Header.Get(echo.HeaderContentType)
	if strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		mr, err := r.MultipartReader()
		if err != nil {
			return err
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if part.FormName() == "" || part.FileName() != "" {
				continue
			}
			v, err := io.ReadAll(part) // the gateway has bounded the body
			if err != nil {
				return err
			}
			add(part.FormName(), string(v))
		}
	}
	if r.Method != http.MethodPost || ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return err
	}
	if mt != echo.MIMEApplicationForm {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	return readQuery(string(b), add)
}

// readQuery reads "a=1&b=2" in order, each pair unescaped and refused as
// url.ParseQuery does, which also goes on past a bad pair and returns the first error.
func readQuery(s string, add func(name, value string)) error {
	var first error
	for _, pair := range strings.Split(s, "&") {
		q, err := url.ParseQuery(pair) // one pair: at most one name, with one value
		if first == nil {
			first = err
		}
		for k, v := range q {
			add(k, v[0])
		}
	}
	return first
}

func (p params) get(name string) string { return strings.TrimSpace(p.values[strings.ToLower(name)]) }

// str returns a required string parameter.
func (p params) str(name string) (string, error) {
	v := p.get(name)
	if v == "" {
		return "", missing(name)
	}
	return v, nil
}

// int32 returns a required Int32 parameter.
func (p params) int32(name string) (int64, error) {
	v := p.get(name)
	if v == "" {
		return 0, missing(name)
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 Int32, 实为 %q", name, core.Excerpt(v)))
	}
	return n, nil
}

// id returns a required positive Int32 id.
func (p params) id(name string) (uint64, error) {
	n, err := p.int32(name)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为正整数, 实为 %d", name, n))
	}
	return uint64(n), nil
}

// flag reads a required 0/1 parameter.
func (p params) flag(name string) (bool, error) {
	n, err := p.int32(name)
	if err != nil {
		return false, err
	}
	if n != 0 && n != 1 {
		return false, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 0 或 1, 实为 %d", name, n))
	}
	return n == 1, nil
}

// ids returns a required comma-separated list of positive ids ("111,222").
func (p params) ids(name string) ([]uint64, error) {
	v, err := p.str(name)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(part), 10, 32)
		if err != nil || n == 0 {
			return nil, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为以逗号分隔的ID, 实为 %q", name, core.Excerpt(v)))
		}
		out = append(out, n)
	}
	return out, nil
}

func missing(name string) error {
	return wireError(codeMissing, fmt.Sprintf("缺少必需的参数 (%s)", name))
}

// dateTime returns a required DateTime parameter, read as .NET's
// DateTime.Parse reads what its clients write (netDateTime), in the tenant's
// time zone unless it carries an offset.
func (p params) dateTime(name string, loc *time.Location) (time.Time, error) {
	v, err := p.str(name)
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseNetDateTime(v, p.now.In(loc))
	if !ok {
		return time.Time{}, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 yyyy-MM-dd HH:mm:ss, 实为 %q", name, core.Excerpt(v)))
	}
	// The day as written, checked as a Date: CheckTime would let 0001-01-01 00:00:00 pass in a UTC tenant, as the zero time.
	if core.CheckDate("", core.DateOf(t)) != nil {
		return time.Time{}, wireError(codeInvalid, fmt.Sprintf("参数 %s 应在 %s 到 %s 之间, 实为 %q", name, core.MinDate, core.MaxDate, core.Excerpt(v)))
	}
	return t, nil
}

// netTime is a time of day as .NET reads one: hours and minutes, seconds
// and a fraction optional, then an optional offset (Z, +08:00, +0800, +08).
const netTime = `(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?`

// netDateTime is what .NET clients send for a DateTime and DateTime.Parse
// (zh-CN, and the invariant ISO 8601 forms) takes: a year-first date with -
// or /, its month and day of one or two digits, then a time after a space or
// a T (2013/5/5 10:25:30, 2013-05-05T10:25:30.123+08:00, 2013-05-05 10:25);
// a date alone (midnight); or a time alone (today).
var netDateTime = regexp.MustCompile(`^(?:(\d{4})([-/])(\d{1,2})[-/](\d{1,2})(?:(?:T|\s+)` + netTime + `)?|` + netTime + `)$`)

// parseNetDateTime reads s as netDateTime says, in now's location, a time
// alone on now's day. A fraction of a second is dropped: the WebApi's times are to the second.
func parseNetDateTime(s string, now time.Time) (time.Time, bool) {
	m := netDateTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	year, month, day := now.Date()
	clock, zone := m[5:10], m[9]
	if m[1] != "" {
		year, month, day = n(1), time.Month(n(3)), n(4)
	} else {
		clock, zone = m[10:15], m[14]
	}
	at := func(i int) int { v, _ := strconv.Atoi(clock[i]); return v }
	hour, minute, second := at(0), at(1), at(2)
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	loc := now.Location()
	if zone != "" {
		off, ok := zoneOffset(zone)
		if !ok {
			return time.Time{}, false
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(year, month, day, hour, minute, second, 0, loc).In(now.Location()), true
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zoneOffset reads Z, +08:00, +0800 or +08 as seconds east of UTC; .NET takes offsets to ±14:00.
func zoneOffset(z string) (int, bool) {
	if z == "Z" {
		return 0, true
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, _ := strconv.Atoi(digits[:2])
	var m int
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	if m > 59 || h*60+m > 14*60 {
		return 0, false
	}
	off := (h*60 + m) * 60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// object decodes a required parameter that carries a JSON object (Customer,
// CustomerLinkMan), read as Json.NET reads it into the CLR type (netJSON).
// The object's uint64 fields are all ids: one above core.MaxID names no
// record and is refused here, before any query holds it.
func (p params) object(name string, into any) error {
	v, err := p.str(name)
	if err != nil {
		return err
	}
	doc, err := netJSON(name, []byte(v), reflect.TypeOf(into).Elem())
	if err != nil {
		return err
	}
	var te *json.UnmarshalTypeError // its Value holds a number whole, however long
	switch err := json.Unmarshal(doc, into); {
	case errors.As(err, &te) && te.Field != "":
		return wireError(codeInvalid, fmt.Sprintf("参数 %s 的字段 %s 应为 %s, 实为 %s", name, te.Field, te.Type, core.Excerpt(te.Value)))
	case errors.As(err, &te):
		return wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 JSON 对象, 实为 %s", name, core.Excerpt(te.Value)))
	case err != nil: // the decoder's other errors quote one character at most
		return wireError(codeInvalid, fmt.Sprintf("参数 %s 不是有效的 JSON 对象: %v", name, err))
	}
	o := reflect.ValueOf(into).Elem()
	for i := range o.NumField() {
		if f := o.Field(i); f.Kind() == reflect.Uint64 && f.Uint() > core.MaxID {
			return wireError(codeInvalid, fmt.Sprintf("参数 %s 的字段 %s 应为 1 到 %d 之间的 ID, 实为 %d", name, o.Type().Field(i).Name, core.MaxID, f.Uint()))
		}
	}
	return nil
}

// netJSON rewrites an object's fields as Json.NET's default settings read
// them into t's fields, for encoding/json to decode: into an integer, a
// string holding an integer (" 12", "+12"; not "1.5"); into a Boolean,
// "true" or "false" in any case, or a number (0 false, any other true); into
// a string, a number as written or a Boolean as True/False. An empty string
// into an integer or a Boolean is no value, as null is (the CLR types may be
// nullable). Anything else is left for encoding/json to refuse, as Json.NET
// does. What is not an object (or null) is left whole.
func netJSON(name string, doc []byte, t reflect.Type) ([]byte, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(doc, &fields) != nil || fields == nil {
		return doc, nil
	}
	for key, raw := range fields {
		f, ok := fieldNamed(t, key)
		if !ok || len(raw) == 0 {
			continue
		}
		var text string
		isText := raw[0] == '"' && json.Unmarshal(raw, &text) == nil
		bad := func(want string) error {
			return wireError(codeInvalid, fmt.Sprintf("参数 %s 的字段 %s 应为 %s, 实为 %q", name, f.Name, want, core.Excerpt(text)))
		}
		switch kind := f.Type.Kind(); {
		case kind == reflect.Uint64 && isText:
			switch n := strings.Trim(text, netSpace); {
			case n == "":
				delete(fields, key)
			case !integerText.MatchString(n):
				return nil, bad("Int32")
			default:
				fields[key] = json.RawMessage(jsonInteger(n))
			}
		case kind == reflect.Bool && isText:
			switch b := strings.ToLower(strings.Trim(text, netSpace)); b {
			case "":
				delete(fields, key)
			case "true", "false":
				fields[key] = json.RawMessage(b)
			default:
				return nil, bad("Boolean")
			}
		case kind == reflect.Bool && isNumber(raw):
			fields[key] = json.RawMessage(strconv.FormatBool(!zeroNumber.Match(raw)))
		case kind == reflect.String && isNumber(raw):
			text, _ := json.Marshal(string(raw))
			fields[key] = text
		case kind == reflect.String && (string(raw) == "true" || string(raw) == "false"):
			fields[key] = json.RawMessage(`"` + strings.ToUpper(string(raw[:1])) + string(raw[1:]) + `"`)
		}
	}
	return json.Marshal(fields)
}

// netSpace is the white space .NET's number and Boolean parsing skips around a value.
const netSpace = " \t\n\v\f\r"

var (
	// integerText is an integer as int.Parse reads one, white space taken off.
	integerText = regexp.MustCompile(`^[-+]?\d+$`)
	// zeroNumber is a JSON number whose value is zero (0, -0, 0.00, 0e5).
	zeroNumber = regexp.MustCompile(`^-?0*\.?0*(?:[eE][-+]?\d+)?$`)
)

// jsonInteger writes integerText as a JSON number: no plus, no leading zeros.
func jsonInteger(n string) string {
	sign, digits := "", strings.TrimPrefix(n, "+")
	if rest, negative := strings.CutPrefix(digits, "-"); negative {
		sign, digits = "-", rest
	}
	if digits = strings.TrimLeft(digits, "0"); digits == "" {
		digits = "0"
	}
	return sign + digits
}

func isNumber(raw json.RawMessage) bool { return raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' }

// fieldNamed is t's field that encoding/json decodes key into: its JSON
// name, matched without regard to case (as Json.NET matches too).
func fieldNamed(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func formatID(id uint64) string { return strconv.FormatUint(id, 10) }

// reader reads parameters and keeps the first error, so a handler with many
// parameters reads them all and checks once.
type reader struct {
	p   params
	err error
}

func read(p params) *reader { return &reader{p: p} }

func keep[T any](r *reader, get func() (T, error)) T {
	var zero T
	if r.err != nil {
		return zero
	}
	v, err := get()
	r.err = err
	return v
}

func (r *reader) str(name string) string {
	return keep(r, func() (string, error) { return r.p.str(name) })
}
func (r *reader) id(name string) uint64 {
	return keep(r, func() (uint64, error) { return r.p.id(name) })
}
func (r *reader) int32(name string) int64 {
	return keep(r, func() (int64, error) { return r.p.int32(name) })
}
func (r *reader) flag(name string) bool {
	return keep(r, func() (bool, error) { return r.p.flag(name) })
}
func (r *reader) dateTime(name string, loc *time.Location) time.Time {
	return keep(r, func() (time.Time, error) { return r.p.dateTime(name, loc) })
}
