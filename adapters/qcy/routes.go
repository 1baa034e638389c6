// Package qcy speaks the 全程云 WebApi dialect (qcy-webapi-crm.md): .ashx
// handlers answering GET or POST, parameters matched without regard to case,
// and {"value": …} in JSON or its XML twin.
package qcy

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "qcy",
		// Prefix empty: the doc's /WebApi/… and /OM/WebApi/… from the root;
		// LoginTTL: how long a token issued by Token/Get.ashx works.
		Defaults: config.Dialect{Enabled: true, LoginTTL: 7 * 24 * time.Hour},
		New:      func(svc *core.Service, opts adapters.Options) adapters.Dialect { return New(svc, opts).Dialect() }})
}

// Adapter serves the WebApi dialect over core.
type Adapter struct {
	svc      *core.Service
	log      *slog.Logger
	loginTTL time.Duration
	paths    map[string]string // lower-cased path → the path as routed
	prefix   string            // where the handlers' paths start
}

// bases are where real deployments serve the handlers.
var bases = []string{"/WebApi/Handler/1.0/", "/OM/WebApi/Handler/1.0/"}

// New returns the WebApi adapter.
func New(svc *core.Service, opts adapters.Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := &Adapter{svc: svc, log: opts.Log, loginTTL: opts.LoginTTL, paths: map[string]string{}, prefix: opts.Prefix}
	for _, base := range bases {
		for name := range a.handlers() {
			p := opts.Prefix + base + "CRM/" + name + ".ashx"
			a.paths[strings.ToLower(p)] = p
		}
		p := opts.Prefix + base + "Token/Get.ashx"
		a.paths[strings.ToLower(p)] = p
	}
	return a
}

// CanonicalPath spells a path as routed, whatever its case: IIS, where the
// WebApi ran, matches paths without regard to case, and clients rely on it.
func (a *Adapter) CanonicalPath(path string) (string, bool) {
	p, ok := a.paths[strings.ToLower(path)]
	return p, ok
}

// handlers is the table of all 39 handlers, in the doc's order, by "<Module>/<Action>".
// The ECommerce ones authenticate by siteKey, the others by token.
func (a *Adapter) handlers() map[string]echo.HandlerFunc {
	return map[string]echo.HandlerFunc{
		"BaseType/GetBaseType":              a.getBaseType,
		"ContactHistory/Get":                a.getContactHistory,
		"ContactHistory/Add":                a.addContactHistory,
		"ContactPlan/SaveContactPlan":       a.saveContactPlan,
		"ContactPlan/GetContactPlan":        a.getContactPlan,
		"ContactPlan/GetContactPlanCount":   a.getContactPlanCount,
		"ContactPlan/InsertContactPlan":     a.insertContactPlan,
		"Contract/SampleGiftAuditById":      a.sampleGiftAudit,
		"Contract/SampleGiftUnAuditById":    a.sampleGiftUnAudit,
		"Contract/ContractAudit":            a.contractAudit,
		"Contract/ContractUnAudit":          a.contractUnAudit,
		"Contract/StopContract":             a.stopContract,
		"Customer/CancelShare":              a.cancelShare,
		"Customer/RemoveCollection":         a.removeCollection,
		"Customer/SetCustIdentity":          a.setCustIdentity,
		"Customer/GetAllList":               a.getAllList,
		"Customer/AddCallHistory":           a.addCallHistory,
		"Customer/IMSLock":                  a.imsLock,
		"Customer/UnIMSLock":                a.unIMSLock,
		"Customer/InsertSms":                a.insertSms,
		"Customer/UpdateCallHistory":        a.updateCallHistory,
		"Customer/NameIsRepeat":             a.nameIsRepeat,
		"Customer/Get":                      a.getCustomer,
		"Customer/Update":                   a.updateCustomer,
		"Customer/Save":                     a.saveCustomer,
		"Customer/TelIsRepeat":              a.telIsRepeat,
		"CustomerSign/GetClientSignDefault": a.getClientSignDefault,
		"CustomerSign/GetCustTypeBdefault":  a.getCustTypeBdefault,
		"CustomerType/GetTypeList":          a.getTypeList,
		"ECommerce/UpdateBaseInfoHit":       a.updateBaseInfoHit,
		"ECommerce/AddMessageBoard":         a.addMessageBoard,
		"LinkMan/GetList":                   a.getLinkManListAs("LinkMan", "custId"),
		"LinkMan/CancelMainMan":             a.cancelMainMan,
		"LinkMan/GetLinkManList":            a.getLinkManListAs("CustomerLinkMan", "cust_id"),
		"LinkMan/GetLinkMan":                a.getLinkMan,
		"LinkMan/SaveLinkMan":               a.saveLinkMan,
		"LinkMan/InsertLinkMan":             a.insertLinkMan,
		"LinkMan/DeleteLinkMan":             a.deleteLinkMan,
		"Sale/SetPublicCust":                a.setPublicCust,
	}
}

// Dialect describes the WebApi to the gateway: every handler at
// /WebApi/Handler/1.0/CRM/<Module>/<Action>.ashx and the same under /OM, as
// real deployments serve them, by GET or POST, matched in any case.
func (a *Adapter) Dialect() adapters.Dialect {
	d := adapters.Dialect{
		Name:        "qcy",
		Prefixes:    []string{a.prefix + "/WebApi", a.prefix + "/OM/WebApi"},
		Credentials: []string{"token", "siteKey", "password"},
		Canonical:   a.CanonicalPath,
		HandleError: a.HandleError,
		Keys: map[adapters.Auth][]adapters.Key{
			adapters.AuthToken:   {{Name: "token", In: adapters.InQuery, Doc: "the token, in the query string or a form body"}},
			adapters.AuthSiteKey: {{Name: "siteKey", In: adapters.InQuery, Doc: "the site's key, in the query string or a form body"}},
		},
		Bodies:        []string{echo.MIMEApplicationForm, echo.MIMEMultipartForm},
		Envelope:      func(data any) any { return answer{data} },
		Errors:        []any{errorBody{}},
		ErrorStatuses: errorStatuses,
		XML:           true,
	}
	both := []string{http.MethodGet, http.MethodPost}
	for _, base := range bases {
		d.Endpoints = append(d.Endpoints, adapters.Endpoint{Methods: both, Path: a.prefix + base + "Token/Get.ashx", // vendor-facts.md
			Auth: adapters.AuthLogin, Handler: a.getToken, Middleware: []echo.MiddlewareFunc{a.bind}})
	}
	handlers := a.handlers()
	for _, name := range slices.Sorted(maps.Keys(handlers)) {
		h := handlers[name]
		auth, kind := a.authenticate, adapters.AuthToken
		if strings.HasPrefix(name, "ECommerce/") {
			auth, kind = a.authenticateSite, adapters.AuthSiteKey
		}
		for _, base := range bases {
			d.Endpoints = append(d.Endpoints, adapters.Endpoint{Methods: both, Path: a.prefix + base + "CRM/" + name + ".ashx",
				Auth: kind, Handler: h, Middleware: []echo.MiddlewareFunc{a.bind, auth}})
		}
	}
	return d
}
