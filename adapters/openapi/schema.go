package openapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

// schemaOf describes v as encoding/json writes it: openapi3gen reflects its
// type, customize makes that exact, and fill describes the interface fields
// by the values v holds in them. A nil v is not described: any value fits.
func schemaOf(v any) (*openapi3.Schema, error) {
	if v == nil {
		return &openapi3.Schema{}, nil
	}
	ref, err := openapi3gen.NewSchemaRefForValue(v, nil, openapi3gen.SchemaCustomizer(customize))
	if err != nil {
		return nil, err
	}
	if err := fill(reflect.ValueOf(v), ref.Value); err != nil {
		return nil, err
	}
	return ref.Value, nil
}

var (
	numberType    = reflect.TypeFor[json.Number]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	timeType      = reflect.TypeFor[time.Time]() // a string, as openapi3gen has it
)

// customize corrects what openapi3gen leaves loose or in OpenAPI 3.0's form:
// a json.Number is a number on the wire; an interface field takes the types
// its jsontype tag names; a struct's fields are all there but its omitempty
// ones, and nothing else is, unless it writes itself (a MarshalJSON may add
// keys); a pointer is null or its value (3.1 has no nullable), or left out
// when its field is omitempty.
func customize(_ string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	switch {
	case t == numberType:
		s.Type, s.Format = &openapi3.Types{openapi3.TypeNumber}, ""
	case t.Kind() == reflect.Interface && tag.Get("jsontype") != "":
		types := openapi3.Types(strings.Split(tag.Get("jsontype"), ","))
		s.Type = &types
	case t.Kind() == reflect.Struct && t != timeType:
		s.Type = &openapi3.Types{openapi3.TypeObject}
		s.Required = requiredFields(t)
		if !reflect.PointerTo(t).Implements(marshalerType) {
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: new(false)}
		}
	}
	if s.Nullable {
		s.Nullable = false
		if s.Type != nil && !omitted(tag) {
			s.Type.With(openapi3.TypeNull)
		}
	}
	return nil
}

// omitted reports whether a field's tag leaves it out when empty.
func omitted(tag reflect.StructTag) bool {
	opts := strings.Split(tag.Get("json"), ",")[1:]
	return slices.Contains(opts, "omitempty") || slices.Contains(opts, "omitzero")
}

// requiredFields are the JSON names of t's fields that encoding/json always writes.
func requiredFields(t reflect.Type) []string {
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		if name, tagged := jsonName(f); tagged && !omitted(f.Tag) {
			names = append(names, name)
		}
	}
	return names
}

// jsonName is f's name in JSON; tagged is false for a field openapi3gen
// leaves out (no json tag, "-", or unexported).
func jsonName(f reflect.StructField) (name string, tagged bool) {
	tag, ok := f.Tag.Lookup("json")
	if !ok || tag == "-" || !f.IsExported() {
		return "", false
	}
	if name, _, _ = strings.Cut(tag, ","); name == "" {
		name = f.Name
	}
	return name, true
}

// fill describes, within s, each interface field of v by the value it holds,
// where it holds one: paginator{Data: []row{}} is a page of rows.
func fill(v reflect.Value, s *openapi3.Schema) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range reflect.VisibleFields(v.Type()) {
		name, tagged := jsonName(f)
		prop := s.Properties[name]
		if !tagged || prop == nil {
			continue
		}
		fv := v.FieldByIndex(f.Index)
		if f.Type.Kind() == reflect.Interface && !fv.IsNil() {
			held, err := schemaOf(fv.Interface())
			if err != nil {
				return err
			}
			prop.Value = held
			continue
		}
		if err := fill(fv, prop.Value); err != nil {
			return err
		}
	}
	return nil
}
