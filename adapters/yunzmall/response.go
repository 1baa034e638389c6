package yunzmall

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
)

// ok answers the framework's success envelope {"result":1,"msg":"ok","data":…}.
func ok(c echo.Context, data any) error {
	adapters.SetWireCode(c, "1")
	return write(c, http.StatusOK, success{1, "ok", data})
}

// success is the envelope of every answer but an error. Its msg is text,
// but for the mobile web login's, an object.
type success struct {
	Result  int `json:"result"`
	Message any `json:"msg" jsontype:"string,object"`
	Data    any `json:"data"`
}

// answerCode is the result an answer of the framework carries.
func answerCode(body []byte) string {
	var e struct {
		Result *int `json:"result"`
	}
	if json.Unmarshal(body, &e) != nil || e.Result == nil {
		return ""
	}
	return strconv.Itoa(*e.Result)
}

// write renders JSON as the doc's example shows it: Unicode and slashes unescaped.
func write(c echo.Context, status int, v any) error {
	return adapters.WriteJSON(c, status, "application/json; charset=utf-8", v)
}

// paginator is Laravel 6's LengthAwarePaginator as JSON, keys in its order.
type paginator struct {
	CurrentPage  int     `json:"current_page"`
	Data         any     `json:"data"`
	FirstPageURL string  `json:"first_page_url"`
	From         *int    `json:"from"`
	LastPage     int     `json:"last_page"`
	LastPageURL  string  `json:"last_page_url"`
	NextPageURL  *string `json:"next_page_url"`
	Path         string  `json:"path"`
	PerPage      int     `json:"per_page"`
	PrevPageURL  *string `json:"prev_page_url"`
	To           *int    `json:"to"`
	Total        int64   `json:"total"`
}

// paginate pages items as Laravel does, its URLs built on path: the request's
// URL without its query.
func paginate(path string, items any, count int, page, perPage int, total int64) paginator {
	pageURL := func(n int) string { return path + "?" + url.Values{"page": {strconv.Itoa(n)}}.Encode() }
	last := max(1, int((total+int64(perPage)-1)/int64(perPage)))
	p := paginator{CurrentPage: page, Data: items, FirstPageURL: pageURL(1), LastPage: last, LastPageURL: pageURL(last),
		Path: path, PerPage: perPage, Total: total}
	if count > 0 {
		from, to := (page-1)*perPage+1, (page-1)*perPage+count
		p.From, p.To = &from, &to
	}
	if page < last {
		next := pageURL(page + 1)
		p.NextPageURL = &next
	}
	if page > 1 {
		prev := pageURL(page - 1)
		p.PrevPageURL = &prev
	}
	return p
}
