package qcy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// params are a request's parameters from the query string and the body
// (form-encoded or multipart), keyed in lower case: .NET handlers match names
// without regard to case. A body value wins over a query value of the same name.
type params map[string]string

const paramsKey = "qcy.params"

// maxMultipartMemory bounds what a multipart body may hold in memory.
const maxMultipartMemory = 1 << 20

// bind reads the parameters once, before authentication needs the token.
func (a *Adapter) bind(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var err error
		if strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
			err = r.ParseMultipartForm(maxMultipartMemory)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return wireError(codeInvalid, "请求体无法解析: "+err.Error())
		}
		p := params{}
		for k, v := range r.Form { // r.Form lists body values before query values
			if _, seen := p[strings.ToLower(k)]; !seen && len(v) > 0 {
				p[strings.ToLower(k)] = v[0]
			}
		}
		c.Set(paramsKey, p)
		return next(c)
	}
}

// paramsOf returns the bound parameters. Where bind did not run (an unknown
// handler), it reads the query string and a form body, so that errors still honour format.
func paramsOf(c echo.Context) params {
	if p, ok := c.Get(paramsKey).(params); ok {
		return p
	}
	r := c.Request()
	_ = r.ParseForm() // best effort: this only picks the error's format
	p := params{}
	for k, v := range r.Form {
		if _, seen := p[strings.ToLower(k)]; !seen && len(v) > 0 {
			p[strings.ToLower(k)] = v[0]
		}
	}
	return p
}

func (p params) get(name string) string { return strings.TrimSpace(p[strings.ToLower(name)]) }

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
		return 0, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 Int32, 实为 %q", name, v))
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
			return nil, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为以逗号分隔的ID, 实为 %q", name, v))
		}
		out = append(out, n)
	}
	return out, nil
}

func missing(name string) error {
	return wireError(codeMissing, fmt.Sprintf("缺少必需的参数 (%s)", name))
}

// dateTime returns a required DateTime parameter ("2013-05-05 10:25:30"), read in the tenant's time zone.
func (p params) dateTime(name string, loc *time.Location) (time.Time, error) {
	v, err := p.str(name)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(dateTime, v, loc)
	if err != nil {
		return time.Time{}, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 yyyy-MM-dd HH:mm:ss, 实为 %q", name, v))
	}
	return t, nil
}

// object decodes a required parameter that carries a JSON object (Customer, CustomerLinkMan).
func (p params) object(name string, into any) error {
	v, err := p.str(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(v), into); err != nil {
		return wireError(codeInvalid, fmt.Sprintf("参数 %s 不是有效的 JSON 对象: %v", name, err))
	}
	return nil
}

func formatID(id uint64) string { return strconv.FormatUint(id, 10) }

// reader reads parameters and keeps the first error, so a handler with many
// parameters reads them all and checks once.
type reader struct {
	p   params
	err error
}

func read(c echo.Context) *reader { return &reader{p: paramsOf(c)} }

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
