package yunzmall

// Parameters as a Laravel controller reads them with $request->input(): the
// query string merged with the body (form, multipart or JSON), the body winning.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// params are what a handler reads of its request: the parameters, and the
// URL its paginator's links are built on.
type params struct {
	// values are the parameters, flattened to PHP's key spelling:
	// search[name], search[date][] (a list), page, token.
	values url.Values
	// path is the request's URL without its query, as Laravel's paginator
	// names it: its own scheme and host (behind a proxy too) and its path.
	path string
	// origin is path's scheme and host, on which the framework builds the
	// URLs it answers.
	origin string
	// address is the client's, which a login's throttle counts.
	address string
}

const maxMemory = 1 << 20 // multipart fields held in memory; the gateway limits bodies to 1 MiB anyway

func bind(c echo.Context) (params, error) {
	r := c.Request()
	origin := c.Scheme() + "://" + host(c)
	p := params{values: url.Values{}, path: origin + r.URL.Path, origin: origin, address: c.RealIP()}
	merge := func(v url.Values) {
		for k, vs := range v {
			p.values[k] = vs
		}
	}
	merge(r.URL.Query())
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	switch mediaType {
	case echo.MIMEApplicationJSON:
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		// An empty body is no parameters: the front end's GETs say JSON and send none.
		if err := dec.Decode(&body); err != nil && err != io.EOF {
			if tooLarge(err) {
				return params{}, echo.ErrStatusRequestEntityTooLarge
			}
			return params{}, invalid("请求体不是有效的 JSON 对象")
		}
		flat := url.Values{}
		if err := flatten(flat, "", body, 0); err != nil {
			return params{}, err
		}
		merge(flat)
	case echo.MIMEMultipartForm:
		if err := r.ParseMultipartForm(maxMemory); err != nil {
			if tooLarge(err) {
				return params{}, echo.ErrStatusRequestEntityTooLarge
			}
			return params{}, invalid("multipart 请求体格式错误")
		}
		merge(url.Values(r.MultipartForm.Value))
	case echo.MIMEApplicationForm:
		if err := r.ParseForm(); err != nil {
			if tooLarge(err) {
				return params{}, echo.ErrStatusRequestEntityTooLarge
			}
			return params{}, invalid("表单格式错误")
		}
		merge(r.PostForm)
	}
	return p, nil
}

// flatten spells a JSON body as PHP form keys: {"search":{"date":["a","b"]}} is search[date][].
func flatten(out url.Values, prefix string, v any, depth int) error {
	if depth > 8 {
		return invalid("请求体嵌套过深")
	}
	key := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "[" + k + "]"
	}
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if err := flatten(out, key(k), item, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, item := range v {
			if err := flatten(out, prefix+"[]", item, depth+1); err != nil {
				return err
			}
		}
	case nil:
		out.Add(prefix, "")
	case string:
		out.Add(prefix, v)
	default: // json.Number, bool
		out.Add(prefix, fmt.Sprint(v))
	}
	return nil
}

// get is a single parameter, trimmed.
func (p params) get(key string) string { return strings.TrimSpace(p.values.Get(key)) }

// list is key[] or key[0], key[1] … in index order, as PHP builds the array.
func (p params) list(key string) []string {
	out := append([]string(nil), p.values[key+"[]"]...)
	var indexed []int
	for k := range p.values {
		if rest, ok := strings.CutPrefix(k, key+"["); ok {
			if n, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); err == nil && strings.HasSuffix(rest, "]") {
				indexed = append(indexed, n)
			}
		}
	}
	sort.Ints(indexed)
	for _, n := range indexed {
		out = append(out, p.values.Get(fmt.Sprintf("%s[%d]", key, n)))
	}
	return out
}

// id reads an optional id: "" or 0 is none.
func (p params) id(key string) (uint64, error) {
	v := p.get(key)
	if v == "" {
		return 0, nil
	}
	n, err := core.ParseID(v)
	if err != nil {
		return 0, invalid(fmt.Sprintf("%s 应为整数 id: %q", key, core.Excerpt(v)))
	}
	return n, nil
}

// host is the host the client asked for, behind a proxy too.
func host(c echo.Context) string {
	if h := c.Request().Header.Get("X-Forwarded-Host"); h != "" {
		first, _, _ := strings.Cut(h, ",") // the client's, when proxies are chained
		return strings.TrimSpace(first)
	}
	return c.Request().Host
}

// tooLarge tells a body cut off by the gateway's size limit from a malformed one.
func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	var he *echo.HTTPError
	return errors.As(err, &mb) || errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge
}
