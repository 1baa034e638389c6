package ikcrm

// The tenant's own fields, as the open API carries them: flat keys of the
// record (text_asset_<hex>, numeric_asset_<hex>, text_area_asset_<hex>;
// a select's values sel_<hex>), each answered with a <key>_display beside it.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"crmgw/core"
)

// CustomFieldValues are the custom fields of a request's object: the keys
// core.IsCustomFieldKey names. Any other key it does not know is not kept,
// as Rails' strong parameters drop them: a client may send back the object
// it read, <key>_display and the computed fields included.
func CustomFieldValues(m map[string]any) map[string]any {
	var out map[string]any
	for k, v := range m {
		if core.IsCustomFieldKey(k) {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// WithCustomFields is the marshalled object b followed by the record's
// custom fields, stored as core keeps them: see AppendCustomFields.
func WithCustomFields(b []byte, stored string, catalogue []core.CustomField) ([]byte, error) {
	values, err := core.DecodeCustomFields(stored)
	if err != nil {
		return nil, err
	}
	return AppendCustomFields(b, values, catalogue)
}

// AppendCustomFields is the marshalled object b followed by values in key
// order, each custom field's with its <key>_display: a select option's label
// from the catalogue, the value itself otherwise.
func AppendCustomFields(b []byte, values map[string]any, catalogue []core.CustomField) ([]byte, error) {
	if len(values) == 0 {
		return b, nil
	}
	byKey := map[string]core.CustomField{}
	for _, f := range catalogue {
		byKey[f.Key] = f
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.Write(b[:len(b)-1]) // without the closing brace
	add := func(k string, v any) error {
		kb, _ := marshal(k)
		vb, err := marshal(v)
		if err != nil {
			return err
		}
		sb.WriteByte(',')
		sb.Write(kb)
		sb.WriteByte(':')
		sb.Write(vb)
		return nil
	}
	for _, k := range keys {
		if err := add(k, values[k]); err != nil {
			return nil, err
		}
		if !core.IsCustomFieldKey(k) {
			continue
		}
		display := fmt.Sprint(values[k])
		if f, known := byKey[k]; known {
			display = f.Display(display)
		}
		if err := add(k+"_display", display); err != nil {
			return nil, err
		}
	}
	sb.WriteByte('}')
	return []byte(sb.String()), nil
}

// customFieldEntities are the entities the vendor keeps custom fields of;
// crmgw's catalogue has fields for those of core's records, none for the others.
var customFieldEntities = map[string]bool{"lead": true, "customer": true, "contact": true, "opportunity": true,
	"contract": true, "received_payment": true, "product": true}

type customFieldGroups struct {
	Groups []customFieldGroup `json:"custom_field_groups"`
}

type customFieldGroup struct {
	ID           uint64            `json:"id"`
	Label        string            `json:"label"`
	Status       string            `json:"status"`
	CustomFields []customFieldView `json:"custom_fields"`
}

type customFieldView struct {
	ID                uint64 `json:"id"`
	Name              string `json:"name"`
	Label             string `json:"label"`
	FieldType         string `json:"field_type"`
	InputFieldOptions struct {
		CollectionOptions []core.CustomFieldOption `json:"collection_options"`
	} `json:"input_field_options"`
	Status   string `json:"status"`
	Required bool   `json:"required"`
}

// customFieldsByGroup answers GET /api/v2/custom_fields/:entity/by_group:
// the catalogue's fields of the entity, by group, a group's id its first field's.
func (a *Adapter) customFieldsByGroup(ctx context.Context, caller core.Caller, p params) (any, error) {
	entity := p.entity
	if !customFieldEntities[entity] {
		return nil, invalid(fmt.Sprintf("entity 应为 lead、customer、contact、opportunity、contract、received_payment 或 product: %q", core.Excerpt(entity)))
	}
	fields, err := a.svc.CustomFields(ctx, caller, entity)
	if err != nil {
		return nil, err
	}
	out := customFieldGroups{Groups: []customFieldGroup{}}
	for _, f := range fields {
		if n := len(out.Groups); n == 0 || out.Groups[n-1].Label != f.GroupName {
			out.Groups = append(out.Groups, customFieldGroup{ID: f.ID, Label: f.GroupName, Status: "enable", CustomFields: []customFieldView{}})
		}
		g := &out.Groups[len(out.Groups)-1]
		v := customFieldView{ID: f.ID, Name: f.Key, Label: f.Label, FieldType: f.FieldType, Status: "enable", Required: f.Required}
		v.InputFieldOptions.CollectionOptions = append([]core.CustomFieldOption{}, f.OptionList()...)
		g.CustomFields = append(g.CustomFields, v)
	}
	return out, nil
}
