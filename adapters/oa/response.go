package oa

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"crmgw/adapters"
	"crmgw/core"
)

// envelope is the OA's answer, keys in the order its examples show.
type envelope struct {
	StatusCode string `json:"statuscode"`
	StatusMsg  string `json:"statusmsg"`
	Data       any    `json:"data"`
	TotalPgs   *int64 `json:"totalpgs,omitempty"` // paged lists only
	TotalEls   *int64 `json:"totalels,omitempty"` // paged lists only
	UserMsg    string `json:"usermsg"`
}

func ok(c echo.Context, data any) error {
	return write(c, http.StatusOK, envelope{StatusCode: "0000", StatusMsg: "ok", Data: data, UserMsg: "正常"})
}

func okPage(c echo.Context, data any, total int64, size int) error {
	pages := (total + int64(size) - 1) / int64(size)
	return write(c, http.StatusOK, envelope{StatusCode: "0000", StatusMsg: "ok", Data: data,
		TotalPgs: &pages, TotalEls: &total, UserMsg: "正常"})
}

// page is a handler's answer that is one page of a list: the wrapper renders
// it with the list's totals beside data.
type page struct {
	rows  any
	total int64 // rows in the whole list
	size  int   // rows a page holds
}

// answerCode is the statuscode an answer of the OA carries.
func answerCode(body []byte) string {
	var e struct {
		StatusCode string `json:"statuscode"`
	}
	_ = json.Unmarshal(body, &e) // an answer not the OA's carries none
	return e.StatusCode
}

// write renders JSON as the OA's Java server did: UTF-8, no HTML escaping.
func write(c echo.Context, status int, e envelope) error {
	adapters.SetWireCode(c, e.StatusCode)
	return adapters.WriteJSON(c, status, "application/json;charset=UTF-8", e)
}

// homeData is the month's figures. Each is a JSON number, or "" when there is
// nothing to add up, as the doc's example shows ("monthback":"").
type homeData struct {
	MonthDeal   any `json:"monthdeal" jsontype:"number,string"`
	MonthBack   any `json:"monthback" jsontype:"number,string"`
	MonthTarget any `json:"monthtarget" jsontype:"number,string"`
}

func newHomeData(f core.MonthFigures) homeData {
	return homeData{
		MonthDeal:   orEmpty(f.Deal, javaDouble),
		MonthBack:   orEmpty(f.Back, javaDouble),
		MonthTarget: orEmpty(f.Target, plainNumber),
	}
}

func orEmpty(m *core.Money, format func(decimal.Decimal) json.Number) any {
	if m == nil {
		return ""
	}
	return format(m.Decimal)
}

func plainNumber(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// javaDouble writes a number as Java's Double.toString did, which is how the
// OA's server wrote sums: "20000.0", "86000.5", and "2.0E7" from ten million up.
func javaDouble(d decimal.Decimal) json.Number {
	f, _ := d.Float64()
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return json.Number(s)
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return json.Number(mant + "E" + strconv.Itoa(e))
}

// contractCount is one row of /crm/contracts/count, typed as the doc's table
// gives them (its "array" for name and totalout is a slip for string).
type contractCount struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Amount   string `json:"amount"`
	TotalIn  string `json:"totalin"`
	TotalOut string `json:"totalout"`
	Status   int    `json:"status"`
}

// contractStatus is the doc's 0 执行中, 1 执行中结束 (finished), 2 意外终止.
var contractStatus = map[string]int{core.ContractExecuting: 0, core.ContractFinished: 1, core.ContractTerminated: 2}

func newContractCount(f core.ContractFigure) contractCount {
	return contractCount{
		ID:       strconv.FormatUint(f.ID, 10),
		Name:     f.Title,
		Amount:   f.Amount.StringFixed(2),
		TotalIn:  f.Received.StringFixed(2),
		TotalOut: f.PaidOut.StringFixed(2),
		Status:   contractStatus[f.Status],
	}
}

type loginData struct {
	AccessToken string   `json:"access_token"`
	ID          uint64   `json:"id"`
	Username    string   `json:"username"`
	RealName    string   `json:"realname"`
	Dept        deptData `json:"dept"`
}

type deptData struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}
