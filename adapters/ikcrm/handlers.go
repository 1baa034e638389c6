package ikcrm

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// login answers POST /api/v2/auth/login with a user_token. A login that
// names no device is the open API's own (open_api), as the doc's clients are.
func (a *Adapter) login(ctx context.Context, p loginParams) (any, error) {
	device := p.device
	if device == "" {
		device = deviceOpenAPI
	}
	if !slices.Contains(Devices, device) {
		return nil, errDevice
	}
	if p.login == "" || p.password == "" {
		return nil, invalid("login 和 password 不能为空")
	}
	s, err := a.svc.Login(ctx, core.LoginRequest{Tenant: p.corpID, TenantRef: core.ByIkcrmCorpOrgName, UserName: p.login,
		Password: p.password, Address: p.address, Token: adapters.TokenToIssue(ctx, core.NewTokenValue), TTL: a.opts.LoginTTL, Device: device})
	switch ce := core.AsError(err); {
	case err == nil:
	case ce.Code == core.EUNAUTHORIZED:
		return nil, errLogin
	case ce.Code == core.EFORBIDDEN && ce.Entity == "device": // one the tenant does not allow
		return nil, errDevice
	default:
		return nil, err
	}
	u := s.Profile.User
	return loginData{UserToken: s.Token, UserID: u.ID, ConfirmedPhone: u.Phone != "", SetPassword: true}, nil
}

// loginData is the login's answer: the token and user id every client reads,
// then what one client's model reads besides (vendor-facts-wider.md §1.4),
// each as crmgw knows it.
type loginData struct {
	UserToken string `json:"user_token"`
	UserID    uint64 `json:"user_id"`
	AvatarURL string `json:"avatar_url"` // crmgw keeps no pictures: "", as in the contract's user objects
	IsExpired bool   `json:"is_expired"` // the token was just issued
	// ConfirmedPhone: the user has a phone number on record (crmgw confirms none by SMS).
	ConfirmedPhone bool `json:"confirmed_phone"`
	SetPassword    bool `json:"set_password"` // the user has a password: the login checked it
}

// bindLogin reads the login's parameters (login, password, corp_id, device —
// version_code is not read) from a JSON body, else from the form and query.
func bindLogin(c echo.Context) (loginParams, error) {
	names := []string{"login", "password", "corp_id", "device"}
	p := map[string]string{}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return loginParams{}, invalid("请求体不是有效的 JSON")
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
	return loginParams{login: p["login"], password: p["password"], corpID: p["corp_id"], device: p["device"],
		address: c.RealIP()}, nil
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
func (a *Adapter) contractFieldMaps(ctx context.Context, caller core.Caller, _ params) (any, error) {
	return a.fieldMaps(ctx, caller, "contract", contractFields)
}

// fieldMaps answers a field_maps endpoint: each option field of the entity with its dictionary's entries.
func (a *Adapter) fieldMaps(ctx context.Context, caller core.Caller, entity string, fields []struct{ field, kind string }) (any, error) {
	maps := make([]fieldMap, 0, len(fields))
	for _, f := range fields {
		entries, err := a.svc.Dictionary(ctx, caller, f.kind)
		if err != nil {
			return nil, err
		}
		values := make([]fieldValue, 0, len(entries))
		for _, e := range entries {
			values = append(values, fieldValue{ID: e.Code, Name: e.Name, Status: "enable"})
		}
		maps = append(maps, fieldMap{FieldName: f.field, FieldValues: values})
	}
	return map[string][]fieldMap{entity: maps}, nil
}
