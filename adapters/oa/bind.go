package oa

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Parameters come from the query string or a form-encoded body; tt and vn are
// accepted anywhere and ignored.

// required returns a parameter that must be present and non-blank.
func required(c echo.Context, name string) (string, error) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return "", statusError(codeRequired, name+" 不能为空")
	}
	return v, nil
}

// optionalInt returns an integer parameter, or def when it is absent.
func optionalInt(c echo.Context, name string, def int) (int, error) {
	v := strings.TrimSpace(c.FormValue(name))
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
func idList(c echo.Context, name string) ([]uint64, error) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	ids := make([]uint64, 0, len(parts))
	for _, p := range parts {
		id, err := core.ParseID(strings.TrimSpace(p))
		if err != nil || id == 0 {
			return nil, statusError(codeType, fmt.Sprintf("%s 应为以英文逗号分隔的数字ID: %q", name, core.Excerpt(v)))
		}
		ids = append(ids, id)
	}
	return ids, nil
}
