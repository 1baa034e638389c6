package qcy

import (
	"encoding/json"
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

// list is a value of several objects of the named type: JSON writes its items
// as an array, XML repeats one element per item, named item.
type list[T any] struct {
	item  string
	items []T
}

// listOf is a handler's value of items, each an object of the named type.
func listOf[T any](item string, items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{item, items}
}

func (l list[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
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

// jsonValue is what JSON writes of the list: its items, the names left to XML.
func (l list[T]) jsonValue() any { return l.items }

// jsonValuer is a value JSON writes as another (a list, as its items).
type jsonValuer interface{ jsonValue() any }

// answer is an answer in JSON.
type answer struct {
	Value any `json:"value"`
}

type xmlValue struct {
	XMLName xml.Name `xml:"root"`
	Value   any      `xml:"value"`
}

func wantsXML(c echo.Context) bool { return strings.EqualFold(paramsOf(c).get("format"), "xml") }

// answerCode is what render sets as an answer's wire code, read back from
// it in JSON or XML: its error_code, "value" for a value.
func answerCode(body []byte) string {
	var e struct {
		Value     json.RawMessage `json:"value"`
		ErrorCode string          `json:"error_code"`
	}
	if json.Unmarshal(body, &e) != nil {
		var x struct {
			XMLName   xml.Name  `xml:"root"`
			Value     *struct{} `xml:"value"`
			ErrorCode string    `xml:"error_code"`
		}
		if xml.Unmarshal(body, &x) != nil {
			return ""
		}
		e.ErrorCode = x.ErrorCode
		if x.Value != nil {
			e.Value = json.RawMessage("true")
		}
	}
	switch {
	case e.ErrorCode != "":
		return e.ErrorCode
	case e.Value != nil:
		return "value"
	}
	return ""
}

// issuedToken is the token Token/Get answered as its value, in JSON or XML.
func issuedToken(_ http.Header, body []byte) string {
	if answerCode(body) != "value" {
		return ""
	}
	if t := adapters.StringAt(body, "value"); t != "" {
		return t
	}
	var x struct {
		XMLName xml.Name `xml:"root"`
		Value   string   `xml:"value"`
	}
	_ = xml.Unmarshal(body, &x) // answerCode read it: it is XML
	return x.Value
}

// ok answers a value: a bool, a count, a string, an object or a list.
func ok(c echo.Context, v any) error {
	asJSON := v
	if l, isList := v.(jsonValuer); isList {
		asJSON = l.jsonValue()
	}
	return render(c, http.StatusOK, answer{asJSON}, xmlValue{Value: v})
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
