// Package openapi writes a dialect's OpenAPI 3.1 document from its table:
// every endpoint and method, its parameters and body, the keys its callers
// may send, and its answers, the dialect's errors included.
package openapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"crmgw/adapters"
)

// Version is the OpenAPI version the documents are written in.
const Version = "3.1.0"

// errorSchema is where a document keeps the dialect's error answer.
const errorSchema = "Error"

// Document is d's OpenAPI document.
func Document(d adapters.Dialect) (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: Version,
		Info:    &openapi3.Info{Title: "crmgw: the " + d.Name + " dialect", Version: "1"},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:         openapi3.Schemas{},
			SecuritySchemes: securitySchemes(d),
		},
	}
	errs, err := errorsSchema(d.Errors)
	if err != nil {
		return nil, fmt.Errorf("%s errors: %w", d.Name, err)
	}
	doc.Components.Schemas[errorSchema] = openapi3.NewSchemaRef("", errs)
	for _, ep := range d.Endpoints {
		path := pathTemplate(ep.Path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		for _, method := range ep.Methods {
			op, err := operation(d, ep, method)
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", d.Name, method, ep.Path, err)
			}
			if item.GetOperation(method) != nil {
				return nil, fmt.Errorf("%s %s %s: two rows", d.Name, method, ep.Path)
			}
			item.SetOperation(method, op)
		}
	}
	return doc, nil
}

// pathParam is an echo path parameter (:id), written {id} in OpenAPI.
var pathParam = regexp.MustCompile(`:(\w+)`)

func pathTemplate(path string) string { return pathParam.ReplaceAllString(path, "{$1}") }

// schemeName names a key among the document's security schemes.
func schemeName(k adapters.Key) string { return string(k.In) + "." + k.Name }

func securitySchemes(d adapters.Dialect) openapi3.SecuritySchemes {
	schemes := openapi3.SecuritySchemes{}
	for _, keys := range d.Keys {
		for _, k := range keys {
			s := &openapi3.SecurityScheme{Type: "apiKey", Name: k.Name, In: string(k.In), Description: k.Doc}
			if k.Scheme != "" {
				s = &openapi3.SecurityScheme{Type: "http", Scheme: k.Scheme, Description: k.Doc}
			}
			schemes[schemeName(k)] = &openapi3.SecuritySchemeRef{Value: s}
		}
	}
	return schemes
}

func errorsSchema(shapes []any) (*openapi3.Schema, error) {
	var each []*openapi3.SchemaRef
	for _, shape := range shapes {
		s, err := schemaOf(shape)
		if err != nil {
			return nil, err
		}
		each = append(each, openapi3.NewSchemaRef("", s))
	}
	if len(each) == 1 {
		return each[0].Value, nil
	}
	return &openapi3.Schema{AnyOf: each}, nil
}

func operation(d adapters.Dialect, ep adapters.Endpoint, method string) (*openapi3.Operation, error) {
	op := &openapi3.Operation{Summary: ep.Summary, Responses: openapi3.NewResponses()}
	readsBody := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	var inBody []adapters.Param
	for _, p := range ep.Params {
		switch {
		case p.In == adapters.InBody, p.In == adapters.InForm && readsBody:
			inBody = append(inBody, p)
		default:
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: parameter(p)})
		}
	}
	if len(inBody) > 0 {
		op.RequestBody = &openapi3.RequestBodyRef{Value: requestBody(d.Bodies, inBody)}
	}
	if keys := d.Keys[ep.Auth]; len(keys) > 0 {
		security := openapi3.NewSecurityRequirements()
		for _, k := range keys {
			security.With(openapi3.NewSecurityRequirement().Authenticate(schemeName(k)))
		}
		op.Security = security
	}
	answered := ep.Result
	if d.Envelope != nil {
		answered = d.Envelope(ep.Result)
	}
	data, err := schemaOf(answered)
	if err != nil {
		return nil, err
	}
	success := openapi3.NewSchemaRef("", data)
	op.Responses.Set("200", response(d, http.StatusOK, success))
	for _, status := range d.ErrorStatuses {
		answer := errorRef()
		if status == http.StatusOK { // beside the success
			answer = openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: []*openapi3.SchemaRef{success, errorRef()}})
		}
		op.Responses.Set(strconv.Itoa(status), response(d, status, answer))
	}
	return op, nil
}

func errorRef() *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("#/components/schemas/"+errorSchema, nil)
}

// response is an answer with status in JSON and, where the dialect answers
// XML too, in XML: the same content under a <root> element.
func response(d adapters.Dialect, status int, s *openapi3.SchemaRef) *openapi3.ResponseRef {
	content := openapi3.NewContentWithJSONSchemaRef(s)
	if d.XML {
		content["text/xml"] = openapi3.NewMediaType().WithSchema(
			&openapi3.Schema{AllOf: []*openapi3.SchemaRef{s}, XML: &openapi3.XML{Name: "root"}})
	}
	desc := http.StatusText(status)
	return &openapi3.ResponseRef{Value: &openapi3.Response{Description: &desc, Content: content}}
}

// parameter is p outside the body: a form parameter of a request without
// one is read from the query string.
func parameter(p adapters.Param) *openapi3.Parameter {
	in := p.In
	if in == adapters.InForm {
		in = adapters.InQuery
	}
	return &openapi3.Parameter{Name: p.Name, In: string(in), Required: p.Required || p.In == adapters.InPath,
		Description: p.Doc, Schema: openapi3.NewSchemaRef("", paramSchema(p))}
}

// paramSchema is a parameter's wire type as JSON Schema.
func paramSchema(p adapters.Param) *openapi3.Schema {
	var s *openapi3.Schema
	switch p.Type {
	case "date":
		s = openapi3.NewDateTimeSchema()
		s.Format = "date"
	case "datetime":
		s = openapi3.NewDateTimeSchema()
	case "array":
		s = openapi3.NewArraySchema().WithItems(&openapi3.Schema{})
	default:
		s = &openapi3.Schema{Type: &openapi3.Types{p.Type}}
	}
	return s
}

// bodySchema is a body parameter's schema, its doc beside it.
func bodySchema(p adapters.Param) *openapi3.SchemaRef {
	s := paramSchema(p)
	s.Description = p.Doc
	return openapi3.NewSchemaRef("", s)
}

// requestBody describes the body parameters in each media type the dialect
// reads: form encodings by their flat names (contract[title]), JSON nested
// as the brackets say ({"contract":{"title":…}}).
func requestBody(mediaTypes []string, params []adapters.Param) *openapi3.RequestBody {
	flat, nested := openapi3.NewObjectSchema(), openapi3.NewObjectSchema()
	for _, p := range params {
		flat.WithPropertyRef(p.Name, bodySchema(p))
		if p.Required {
			flat.Required = append(flat.Required, p.Name)
		}
		nest(nested, strings.FieldsFunc(p.Name, func(r rune) bool { return r == '[' || r == ']' }), p)
	}
	content := openapi3.Content{}
	for _, mt := range mediaTypes {
		s := flat
		if mt == "application/json" {
			s = nested
		}
		content[mt] = openapi3.NewMediaType().WithSchema(s)
	}
	return &openapi3.RequestBody{Content: content}
}

// nest places p in obj at the path of its name's keys.
func nest(obj *openapi3.Schema, keys []string, p adapters.Param) {
	key := keys[0]
	if p.Required && !slices.Contains(obj.Required, key) {
		obj.Required = append(obj.Required, key)
	}
	if len(keys) == 1 {
		obj.WithPropertyRef(key, bodySchema(p))
		return
	}
	inner := obj.Properties[key]
	if inner == nil {
		inner = openapi3.NewSchemaRef("", openapi3.NewObjectSchema())
		obj.WithPropertyRef(key, inner)
	}
	nest(inner.Value, keys[1:], p)
}
