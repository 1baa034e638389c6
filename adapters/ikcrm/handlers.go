package ikcrm

import (
	"encoding/json"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// login answers POST /api/v2/auth/login (login, password, corp_id, device,
// version_code — as form, JSON or query) with a user_token.
func (a *Adapter) login(c echo.Context) error {
	p, err := loginParams(c)
	if err != nil {
		return err
	}
	if p["device"] != "" && p["device"] != deviceOpenAPI {
		return errDevice
	}
	if p["login"] == "" || p["password"] == "" {
		return invalid("login 和 password 不能为空")
	}
	s, err := a.svc.Login(c.Request().Context(), core.LoginRequest{Tenant: p["corp_id"], UserName: p["login"],
		Password: p["password"], Address: c.RealIP(), Token: core.NewTokenValue(), TTL: a.opts.LoginTTL})
	switch core.ErrorCode(err) {
	case "":
	case core.EUNAUTHORIZED:
		return &apiError{errToken.status, errToken.Code, "用户名或密码错误", "invalid_login"}
	default:
		return err
	}
	return ok(c, struct {
		UserToken string `json:"user_token"`
		UserID    uint64 `json:"user_id"`
	}{s.Token, s.Profile.User.ID})
}

// loginParams reads the login's parameters from a JSON body, else from the form and query.
func loginParams(c echo.Context) (map[string]string, error) {
	names := []string{"login", "password", "corp_id", "device"}
	p := map[string]string{}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return nil, invalid("请求体不是有效的 JSON")
		}
		for _, n := range names {
			if v, ok := body[n]; ok && v != nil {
				p[n] = strings.TrimSpace(strings.Trim(jsonText(v), `"`))
			}
		}
	}
	for _, n := range names {
		if p[n] == "" {
			p[n] = strings.TrimSpace(c.FormValue(n))
		}
	}
	return p, nil
}

// jsonText writes a JSON scalar as text: numbers as digits, strings as they are.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v) // a decoded JSON value always marshals
	return string(b)
}

// fieldMap is one field's option list, as clients read data.contract.
type fieldMap struct {
	FieldName   string       `json:"field_name"`
	FieldValues []fieldValue `json:"field_values"`
}

type fieldValue struct {
	ID     uint64 `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// contractFields are the contract's option fields and the tenant dictionaries behind them
// (the same dictionaries as the WebApi's BaseType).
var contractFields = []struct{ field, kind string }{
	{"category", core.DictContractCategory},
	{"payment_type", core.DictPaymentType},
	{"status", core.DictContractStatus},
}

// contractFieldMaps answers GET /api/v2/field_maps/contract.
func (a *Adapter) contractFieldMaps(c echo.Context) error {
	maps := make([]fieldMap, 0, len(contractFields))
	for _, f := range contractFields {
		entries, err := a.svc.Dictionary(c.Request().Context(), callerOf(c), f.kind)
		if err != nil {
			return err
		}
		values := make([]fieldValue, 0, len(entries))
		for _, e := range entries {
			values = append(values, fieldValue{ID: e.Code, Name: e.Name, Status: "enable"})
		}
		maps = append(maps, fieldMap{FieldName: f.field, FieldValues: values})
	}
	return ok(c, map[string]any{"contract": maps})
}
