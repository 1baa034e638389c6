package qcy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// TestRoutesDeclareWhatHandlersRead: each route's parameters are the ones its
// handler reads. With every declared parameter sent, a handler reads all it
// needs (and goes on to the service, which this test has none of); with one
// left out, it answers that this one is missing if, and only if, it is required.
func TestRoutesDeclareWhatHandlersRead(t *testing.T) {
	valid := map[string]string{"integer": "1", "string": "1", "datetime": "2015-10-20 09:30:00", "object": "{}"}
	caller := core.Caller{TenantID: 1, UserID: 1, Location: time.UTC}
	for _, r := range (&Adapter{}).routes() {
		sent := map[string]string{}
		for _, p := range r.params {
			v, known := valid[p.Type]
			if !known {
				t.Fatalf("%s: %s has no wire type the test knows: %q", r.name, p.Name, p.Type)
			}
			sent[strings.ToLower(p.Name)] = v
		}
		var we *wireErr
		if err := call(r.handler, caller, sent); errors.As(err, &we) && we.code == codeMissing {
			t.Errorf("%s: with every declared parameter sent: %v", r.name, err)
		}
		for _, p := range r.params {
			if authParam(r.auth, p.Name) {
				continue
			}
			without := map[string]string{}
			for k, v := range sent {
				if k != strings.ToLower(p.Name) {
					without[k] = v
				}
			}
			err, want := call(r.handler, caller, without), missing(p.Name)
			if p.Required && fmt.Sprint(err) != want.Error() {
				t.Errorf("%s without %s: %v, want %v", r.name, p.Name, err, want)
			}
			if !p.Required && fmt.Sprint(err) == want.Error() {
				t.Errorf("%s: %s is declared optional, but required: %v", r.name, p.Name, err)
			}
		}
	}
}

// authParam reports whether name is what auth reads, before the handler runs.
func authParam(auth adapters.Auth, name string) bool {
	return auth == adapters.AuthToken && name == "token" || auth == adapters.AuthSiteKey && name == "siteKey"
}

// call runs h, a service call reached counting as no error of the parameters.
func call(h handler, caller core.Caller, values map[string]string) (err error) {
	defer func() {
		if recover() != nil {
			err = nil // the handler read its parameters and called the service, which is nil here
		}
	}()
	_, err = h(context.Background(), caller, params{values: values})
	return err
}

// TestRoutesAuth: the ECommerce handlers know their caller by site key,
// Token/Get by a login, every other by a token; each declares the parameter
// its authentication reads.
func TestRoutesAuth(t *testing.T) {
	for _, r := range (&Adapter{}).routes() {
		want, credential := adapters.AuthToken, "token"
		switch {
		case r.name == "Token/Get":
			want, credential = adapters.AuthLogin, "password"
		case strings.HasPrefix(r.name, "CRM/ECommerce/"):
			want, credential = adapters.AuthSiteKey, "siteKey"
		}
		if r.auth != want {
			t.Errorf("%s: auth %s, want %s", r.name, r.auth, want)
		}
		declared := false
		for _, p := range r.params {
			declared = declared || p.Name == credential && p.Required
		}
		if !declared {
			t.Errorf("%s: does not declare %s as required", r.name, credential)
		}
	}
}

// TestAuthenticateUnknownKind: a route whose auth kind says no way to know its
// caller is answered as an internal error, never served to an empty caller.
func TestAuthenticateUnknownKind(t *testing.T) {
	caller, err := (&Adapter{}).authenticate(context.Background(), "", params{values: map[string]string{"token": "t"}})
	if err == nil {
		t.Fatalf("no error, caller %+v", caller)
	}
	if we, internal := toWireError(err); !internal || we.code != codeInternal {
		t.Fatalf("answered %+v (internal %v), want the internal error", we, internal)
	}
}
