package qcy

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
)

// The one renderer of this dialect. JSON: {"value": …}. XML: the same content
// under a <root> element:
//
//	<?xml version="1.0" encoding="utf-8"?><root><value>true</value></root>
//	<root><value>3</value></root>
//	<root><value><PK_ID>7</PK_ID><CustName>…</CustName>…</value></root>
//	<root><value><Customer>…</Customer><Customer>…</Customer></value></root>
//
// Lists repeat one element per item, named after the item's object type.

// xmlList renders a list inside <value> as repeated elements named item.
type xmlList[T any] struct {
	item  string
	items []T
}

func (l xmlList[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, it := range l.items {
		if err := e.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// answer is an answer in JSON.
type answer struct {
	Value any `json:"value"`
}

type xmlValue struct {
	XMLName xml.Name `xml:"root"`
	Value   any      `xml:"value"`
}

func wantsXML(c echo.Context) bool { return strings.EqualFold(paramsOf(c).get("format"), "xml") }

// ok answers a value: a bool, a count, or an object.
func ok(c echo.Context, v any) error {
	return render(c, http.StatusOK, answer{v}, xmlValue{Value: v})
}

// okList answers a list whose items are objects of the named type.
func okList[T any](c echo.Context, item string, items []T) error {
	if items == nil {
		items = []T{}
	}
	return render(c, http.StatusOK, answer{items}, xmlValue{Value: xmlList[T]{item, items}})
}

// render writes the answer in the format asked for. Its wire code is the
// error's error_code, "value" for an answer.
func render(c echo.Context, status int, asJSON, asXML any) error {
	code := "value"
	if e, failed := asJSON.(errorBody); failed {
		code = e.ErrorCode
	}
	adapters.SetWireCode(c, code)
	w := c.Response()
	if wantsXML(c) {
		w.Header().Set(echo.HeaderContentType, "text/xml; charset=utf-8")
		w.WriteHeader(status)
		if _, err := w.Write([]byte(xml.Header)); err != nil {
			return err
		}
		return xml.NewEncoder(w).Encode(asXML)
	}
	return adapters.WriteJSON(c, status, "application/json; charset=utf-8", asJSON)
}

// dateTime is the WebApi's date layout, in the tenant's time zone (the doc's next_time example).
const dateTime = "2006-01-02 15:04:05"

func formatTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateTime) }
