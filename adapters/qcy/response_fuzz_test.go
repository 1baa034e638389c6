package qcy

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// isXMLChar reports whether r is a Char of XML 1.0 (its production [2]).
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// asRendered is s as the XML renderer writes it: each byte that is not
// UTF-8 and each character XML 1.0 cannot carry (NUL and the other C0
// controls but tab, newline and carriage return; U+FFFE, U+FFFF; surrogates,
// which are never valid UTF-8) becomes U+FFFD. Everything else is kept.
func asRendered(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

var xmlEcho = echo.New()

// renderXML answers as a handler does, with format=xml, and returns the body.
func renderXML(t *testing.T, answer func(echo.Context) error) []byte {
	t.Helper()
	e := xmlEcho
	req := httptest.NewRequest(http.MethodGet, "/WebApi/Handler/1.0/CRM/Customer/Get.ashx?format=XML", nil)
	rec := httptest.NewRecorder()
	if err := answer(e.NewContext(req, rec)); err != nil {
		t.Fatalf("render: %v", err)
	}
	if ct := rec.Header().Get(echo.HeaderContentType); ct != "text/xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	return rec.Body.Bytes()
}

// xmlWellFormed fails unless body is one XML document: a declaration, one root
// element, only XML characters, and a decoder reads it to EOF without error.
func xmlWellFormed(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte(xml.Header)) {
		t.Fatalf("no XML declaration: %q", body)
	}
	if !utf8.Valid(body) {
		t.Fatalf("not UTF-8: %q", body)
	}
	for _, r := range string(body) {
		if !isXMLChar(r) {
			t.Fatalf("character U+%04X is not allowed in XML: %q", r, body)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well formed: %v\n%q", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				t.Fatalf("text outside the root element: %q", body)
			}
		}
	}
	if depth != 0 || roots != 1 {
		t.Fatalf("%d root elements, depth %d at the end: %q", roots, depth, body)
	}
}

// FuzzXMLWellFormed: whatever a stored string holds — control characters,
// bytes that are not UTF-8, "]]>", markup, U+FFFE, surrogates — every value
// the dialect renders in XML (an object, a list, an error) is well-formed, and
// its strings read back as written, but for what XML 1.0 cannot carry at all,
// which reads back as U+FFFD.
func FuzzXMLWellFormed(f *testing.F) {
	for _, seed := range []struct{ a, b string }{
		{"杭州云帆科技有限公司", "杭州市西湖区 <A&B> 大厦"},
		{"首次拜访", "介绍产品"},
		{"]]>", "<![CDATA[x]]>"},
		{"a\x00b\x01\x08\x0b\x0c\x1f\x7f", "tab\tnewline\ncr\rcrlf\r\n"},
		{"\uFFFE\uFFFF", "\xed\xa0\x80\xed\xbf\xbf"}, // U+FFFE, U+FFFF; the surrogates U+D800 and U+DFFF as CESU bytes
		{"\xff\xfe", "\xc3"},
		{`' OR 1=1 --`, `Robert'); DROP TABLE customers;--`},
		{`"quotes" & 'apostrophes'`, "&amp; &#0; &#xFFFE; &lt;"},
		{" leading and trailing ", "\u0085\u2028\U0001F600"},
	} {
		f.Add(seed.a, seed.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		cu := Customer{PK_ID: 7, CustName: a, Tel: b, Address: a + b, CDate: b, UDate: a}
		h := ContactHistory{PK_ID: 1, Title: a, Content: b, ContactDate: a, CDate: b}
		man := CustomerLinkMan{PK_ID: 2, LinkManName: a, Post: b, Mobile: a, Email: b, IsMainMan: true, CDate: a}
		plan := CustomerContactPlan{PK_ID: 3, Title: a, NextTime: b, DoneTime: a, CDate: b}
		bt := BaseType{PK_ID: 4, Par_ID: a, TypeName: b}
		ct := CustomerType{PK_ID: 5, TypeName: a}
		kind := CRM_Cust_T_CustKind{PK_ID: 6, KindName: b, IsDefault: true}

		// Objects: each decodes back field for field.
		roundTrip := func(what string, got []string, want ...string) {
			t.Helper()
			for i := range want {
				if got[i] != asRendered(want[i]) {
					t.Fatalf("%s field %d: wrote %q, read back %q, want %q", what, i, want[i], got[i], asRendered(want[i]))
				}
				if isXMLText(want[i]) && got[i] != want[i] {
					t.Fatalf("%s field %d: %q, all XML characters, read back as %q", what, i, want[i], got[i])
				}
			}
		}
		cu2 := xmlObject(t, cu)
		roundTrip("Customer", []string{cu2.CustName, cu2.Tel, cu2.Address, cu2.CDate, cu2.UDate}, a, b, a+b, b, a)
		if cu2.PK_ID != 7 {
			t.Fatalf("Customer PK_ID read back as %d", cu2.PK_ID)
		}
		h2 := xmlObject(t, h)
		roundTrip("ContactHistory", []string{h2.Title, h2.Content, h2.ContactDate, h2.CDate}, a, b, a, b)
		man2 := xmlObject(t, man)
		roundTrip("CustomerLinkMan", []string{man2.LinkManName, man2.Post, man2.Mobile, man2.Email, man2.CDate}, a, b, a, b, a)
		if !man2.IsMainMan {
			t.Fatalf("IsMainMan read back false")
		}
		plan2 := xmlObject(t, plan)
		roundTrip("CustomerContactPlan", []string{plan2.Title, plan2.NextTime, plan2.DoneTime, plan2.CDate}, a, b, a, b)

		// Lists: one element per item, in order.
		list := func(item string, answer func(echo.Context) error, into any) {
			t.Helper()
			body := renderXML(t, answer)
			xmlWellFormed(t, body)
			if err := xml.Unmarshal(body, into); err != nil {
				t.Fatalf("%s list: %v\n%q", item, err, body)
			}
		}
		var customers struct {
			Items []Customer `xml:"value>Customer"`
		}
		list("Customer", func(c echo.Context) error { return ok(c, listOf("Customer", []Customer{cu, cu})) }, &customers)
		if len(customers.Items) != 2 {
			t.Fatalf("%d customers read back", len(customers.Items))
		}
		roundTrip("Customer list", []string{customers.Items[1].CustName, customers.Items[1].Address}, a, a+b)
		var men struct {
			Items []CustomerLinkMan `xml:"value>LinkMan"`
		}
		list("LinkMan", func(c echo.Context) error { return ok(c, listOf("LinkMan", []CustomerLinkMan{man})) }, &men)
		if len(men.Items) != 1 {
			t.Fatalf("%d contacts read back", len(men.Items))
		}
		roundTrip("LinkMan list", []string{men.Items[0].LinkManName, men.Items[0].Post}, a, b)
		var dicts struct {
			Items []BaseType `xml:"value>BaseType"`
		}
		list("BaseType", func(c echo.Context) error { return ok(c, listOf("BaseType", []BaseType{bt})) }, &dicts)
		if len(dicts.Items) != 1 {
			t.Fatalf("%d dictionary entries read back", len(dicts.Items))
		}
		roundTrip("BaseType", []string{dicts.Items[0].Par_ID, dicts.Items[0].TypeName}, a, b)
		var types struct {
			Items []CustomerType `xml:"value>CustomerType"`
		}
		list("CustomerType", func(c echo.Context) error { return ok(c, listOf("CustomerType", []CustomerType{ct})) }, &types)
		if len(types.Items) != 1 {
			t.Fatalf("%d customer types read back", len(types.Items))
		}
		roundTrip("CustomerType", []string{types.Items[0].TypeName}, a)
		var kinds struct {
			Items []CRM_Cust_T_CustKind `xml:"value>CRM_Cust_T_CustKind"`
		}
		list("CRM_Cust_T_CustKind", func(c echo.Context) error {
			return ok(c, listOf("CRM_Cust_T_CustKind", []CRM_Cust_T_CustKind{kind}))
		}, &kinds)
		if len(kinds.Items) != 1 {
			t.Fatalf("%d kinds read back", len(kinds.Items))
		}
		roundTrip("CRM_Cust_T_CustKind", []string{kinds.Items[0].KindName}, b)

		// The error envelope: its message may quote what the client sent.
		var eb errorBody
		list("error", func(c echo.Context) error {
			body := errorBody{Request: "/" + a, ErrorCode: codeInvalid, Error: b}
			return render(c, http.StatusOK, body, body)
		}, &eb)
		roundTrip("error", []string{eb.Request, eb.ErrorCode, eb.Error}, "/"+a, codeInvalid, b)
	})
}

// xmlObject answers v as an object in XML, checks the answer is well-formed,
// and reads the object back from it.
func xmlObject[T any](t *testing.T, v T) T {
	t.Helper()
	body := renderXML(t, func(c echo.Context) error { return ok(c, v) })
	xmlWellFormed(t, body)
	var root struct {
		Value T `xml:"value"`
	}
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("%T: %v\n%q", v, err, body)
	}
	return root.Value
}

// isXMLText reports whether s is UTF-8 made only of XML characters.
func isXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !isXMLChar(r) {
			return false
		}
	}
	return true
}
