package oa

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// params are a request's parameters, bound before its handler runs: the
// query string and a form-encoded or multipart body, read as echo's FormValue
// reads them (the body's value first). tt and vn are accepted anywhere and
// ignored.
type params struct {
	id      string // the path's :id
	form    url.Values
	address string // the client's address, which a login records
}

// formMemory is what a multipart body may hold in memory, as Request.FormValue allows it.
const formMemory = 32 << 20

// bind reads the parameters of c's request. A body that does not parse leaves
// what did, as FormValue does: the handlers then refuse what is missing.
func bind(c echo.Context) params {
	r := c.Request()
	if r.Form == nil {
		_ = r.ParseMultipartForm(formMemory)
	}
	return params{id: c.Param("id"), form: r.Form, address: c.RealIP()}
}

// required returns a parameter that must be present and non-blank.
func (p params) required(name string) (string, error) {
	v := strings.TrimSpace(p.form.Get(name))
	if v == "" {
		return "", statusError(codeRequired, name+" 不能为空")
	}
	return v, nil
}

// optionalInt returns an integer parameter, or def when it is absent.
func (p params) optionalInt(name string, def int) (int, error) {
	v := strings.TrimSpace(p.form.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, statusError(codeType, fmt.Sprintf("%s 应为整数: %q", name, core.Excerpt(v)))
	}
	return n, nil
}

// idList reads a comma-separated list of numeric ids ("12,15").
func (p params) idList(name string) ([]uint64, error) {
	v := strings.TrimSpace(p.form.Get(name))
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	ids := make([]uint64, 0, len(parts))
	for _, part := range parts {
		id, err := core.ParseID(strings.TrimSpace(part))
		if err != nil || id == 0 {
			return nil, statusError(codeType, fmt.Sprintf("%s 应为以英文逗号分隔的数字ID: %q", name, core.Excerpt(v)))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// paging reads the OA's paging (公共翻页参数): page, 0-based (default 0), and
// size, 1 to maxSize (default 20).
func (p params) paging(maxSize int) (page, size int, err error) {
	if page, err = p.optionalInt("page", 0); err != nil {
		return 0, 0, err
	}
	if size, err = p.optionalInt("size", 20); err != nil {
		return 0, 0, err
	}
	if page < 0 {
		return 0, 0, statusError(codeFormat, fmt.Sprintf("page 从 0 开始: %d", page))
	}
	if page >= core.MaxPage { // the lists that page from 1 count one more
		return 0, 0, statusError(codeFormat, fmt.Sprintf("page 至多 %d: %d", core.MaxPage-1, page))
	}
	if size < 1 || size > maxSize {
		return 0, 0, statusError(codeFormat, fmt.Sprintf("size 应在 1 到 %d 之间: %d", maxSize, size))
	}
	return page, size, nil
}
