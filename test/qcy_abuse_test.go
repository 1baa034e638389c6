package test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// qcySend sends a handler request with a raw query string and, when body is
// not nil, a form-encoded or multipart body of those pairs in that order.
func (e *env) qcySend(handler, query string, body []Pair, multipart bool) []byte {
	e.t.Helper()
	path := qcyBase + handler + ".ashx?" + query
	if body == nil {
		_, b := e.get(path)
		return b
	}
	if multipart {
		b, contentType := multipartBody(e.t, body)
		_, answer := e.do(http.MethodPost, path, contentType, bytes.NewReader(b))
		return answer
	}
	_, answer := e.do(http.MethodPost, path, "application/x-www-form-urlencoded", bytes.NewReader(formBody(body)))
	return answer
}

// Parameter names equal but for case resolve one way, every time: a body value
// over a query value, and within each the first in the request's order.
func TestQCYParameterCaseResolvesOneWay(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		cust := id(o.customer.ID)
		customer := e.qcySend("Customer/Get", "token="+o.token+"&id="+cust, nil, false)
		badToken := e.qcySend("Customer/Get", "token=nope&id="+cust, nil, false)
		notFound := e.qcySend("Customer/Get", "token="+o.token+"&id=999999", nil, false)
		asXML := e.qcySend("Customer/Get", "token="+o.token+"&id="+cust+"&format=xml", nil, false)
		if !strings.Contains(string(customer), `"CustName"`) || !strings.Contains(string(badToken), `"21332"`) ||
			!strings.Contains(string(notFound), `"20003"`) || !strings.Contains(string(asXML), "<CustName>") {
			t.Fatalf("reference answers: %s %s %s %s", customer, badToken, notFound, asXML)
		}
		for _, c := range []struct {
			name  string
			query string
			body  []Pair
			want  []byte
		}{
			{"query: token first", "token=" + o.token + "&TOKEN=nope&id=" + cust, nil, customer},
			{"query: TOKEN first", "TOKEN=nope&token=" + o.token + "&id=" + cust, nil, badToken},
			{"query: Token first, then token", "Token=" + o.token + "&token=nope&id=" + cust, nil, customer},
			{"query: id first", "token=" + o.token + "&id=" + cust + "&ID=999999", nil, customer},
			{"query: ID first", "token=" + o.token + "&ID=999999&id=" + cust, nil, notFound},
			{"query: format", "token=" + o.token + "&id=" + cust + "&Format=xml&format=json", nil, asXML},
			{"body: token first", "", []Pair{{"token", o.token}, {"TOKEN", "nope"}, {"id", cust}}, customer},
			{"body: TOKEN first", "", []Pair{{"TOKEN", "nope"}, {"token", o.token}, {"id", cust}}, badToken},
			{"body: ID first", "", []Pair{{"token", o.token}, {"ID", "999999"}, {"id", cust}}, notFound},
			{"body over query: Token in the query, token in the body", "Token=nope&id=" + cust, []Pair{{"token", o.token}}, customer},
			{"body over query: token in the query, TOKEN in the body", "token=" + o.token + "&id=" + cust, []Pair{{"TOKEN", "nope"}}, badToken},
			{"body over query: id", "token=" + o.token + "&id=999999", []Pair{{"ID", cust}}, customer},
			{"body over query: format", "token=" + o.token + "&id=" + cust + "&format=json", []Pair{{"FORMAT", "xml"}}, asXML},
		} {
			for _, multipart := range []bool{false, true} {
				if c.body == nil && multipart {
					continue
				}
				for i := 0; i < 50; i++ {
					if got := e.qcySend("Customer/Get", c.query, c.body, multipart); !bytes.Equal(got, c.want) {
						t.Errorf("%s (multipart %v), request %d: %s, want %s", c.name, multipart, i+1, got, c.want)
						break
					}
				}
			}
		}
	})
}
