package core

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The records that carry custom fields, as the catalogue names them.
const (
	EntityCustomer    = "customer"
	EntityContact     = "contact"
	EntityOpportunity = "opportunity"
	EntityContract    = "contract"
)

// The kinds of custom field.
const (
	FieldTypeText     = "text_field"
	FieldTypeNumber   = "number_field"
	FieldTypeTextArea = "text_area"
	FieldTypeSelect   = "select"
)

// customFieldKey is how a tenant's own fields are keyed: a kind and a hex
// suffix (text_asset_6f4e3b, numeric_asset_…, text_area_asset_…).
var customFieldKey = regexp.MustCompile(`^(text|numeric|text_area)_asset_[0-9a-f]{1,32}$`)

// IsCustomFieldKey reports whether key names a custom field.
func IsCustomFieldKey(key string) bool { return customFieldKey.MatchString(key) }

// SelectValue is how a select field's option is written: sel_ and hex.
var selectValue = regexp.MustCompile(`^sel_[0-9a-f]{1,32}$`)

// maxCustomText bounds one text custom field's value.
const maxCustomText = 1000

// CustomField is one field of a tenant's catalogue: what a key means, how it
// is shown and, for a select, its options.
type CustomField struct {
	ID        uint64    `gorm:"primaryKey"`
	TenantID  uint64    `gorm:"not null;uniqueIndex:ux_custom_fields_key,priority:1"`
	Entity    string    `gorm:"size:32;not null;uniqueIndex:ux_custom_fields_key,priority:2"`
	Key       string    `gorm:"column:field_key;size:64;not null;uniqueIndex:ux_custom_fields_key,priority:3"`
	Label     string    `gorm:"size:128;not null"`
	FieldType string    `gorm:"size:32;not null"`
	GroupName string    `gorm:"size:128;not null"`
	Options   string    `gorm:"size:4000;not null"` // a JSON list of CustomFieldOption
	Required  bool      `gorm:"not null"`
	Enabled   bool      `gorm:"not null"`
	Sort      int       `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// CustomFieldOption is one choice of a select field.
type CustomFieldOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// DefaultFieldGroup holds the fields no definition placed in a group.
const DefaultFieldGroup = "自定义字段"

// OptionList decodes the field's options.
func (f CustomField) OptionList() []CustomFieldOption {
	var out []CustomFieldOption
	_ = json.Unmarshal([]byte(f.Options), &out) // written by this file only: a list, or empty
	return out
}

// Display is how a value of the field is shown: a select option's label, the value otherwise.
func (f CustomField) Display(value string) string {
	for _, o := range f.OptionList() {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// fieldTypeOf is the kind a key's prefix gives a field first written with value.
func fieldTypeOf(key string, value any) string {
	switch {
	case strings.HasPrefix(key, "numeric_"):
		return FieldTypeNumber
	case strings.HasPrefix(key, "text_area_"):
		return FieldTypeTextArea
	}
	if s, ok := value.(string); ok && selectValue.MatchString(s) {
		return FieldTypeSelect
	}
	return FieldTypeText
}

// checkCustomValues refuses a custom field value its key's kind cannot hold,
// and gives the others the form they are kept in: a numeric field takes a
// number (or its digits as text), kept as the number as sent; the others
// text, a number or a boolean kept as its text. nil removes the field.
func checkCustomValues(values map[string]any) error {
	for key, v := range values {
		if !IsCustomFieldKey(key) {
			return Invalidf(FieldCustomFields, "%s: %q is not a custom field key", FieldCustomFields, Excerpt(key))
		}
		numeric := strings.HasPrefix(key, "numeric_")
		var text string
		switch v := v.(type) {
		case nil:
			continue
		case json.Number:
			text = v.String()
		case bool:
			text = strconv.FormatBool(v)
		case string:
			text = v
		default:
			return Invalidf(FieldCustomFields, "%s %s: a value, not a list or an object", FieldCustomFields, key)
		}
		switch {
		case numeric && text == "":
			values[key] = nil // an empty number is none
		case numeric:
			if !isCustomNumber(text) {
				return Invalidf(FieldCustomFields, "%s %s: %q is not a number", FieldCustomFields, key, Excerpt(text))
			}
			values[key] = json.Number(text)
		default:
			if n := utf8.RuneCountInString(text); n > maxCustomText {
				return Invalidf(FieldCustomFields, "%s %s is %d characters long, longer than %d", FieldCustomFields, key, n, maxCustomText)
			}
			values[key] = text
		}
	}
	return nil
}

// isCustomNumber reports whether s is a decimal number every client reads:
// digits, a sign, a point, no exponent, not too long.
func isCustomNumber(s string) bool {
	if len(s) > maxAmountText || strings.ContainsAny(s, "eE") {
		return false
	}
	_, err := decimal.NewFromString(s)
	return err == nil
}

// mergeCustom applies change to the JSON object stored, a nil value removing
// its key, and answers the object to store.
func mergeCustom(stored string, change map[string]any) (string, error) {
	if err := checkCustomValues(change); err != nil {
		return "", err
	}
	values, err := DecodeCustomFields(stored)
	if err != nil {
		return "", err
	}
	for k, v := range change {
		if v == nil {
			delete(values, k)
		} else {
			values[k] = v
		}
	}
	if len(values) == 0 {
		return "", nil
	}
	b, err := json.Marshal(values) // keys sorted
	if err != nil {
		return "", Invalidf(FieldCustomFields, "custom fields are not JSON: %v", err)
	}
	return string(b), nil
}

// DecodeCustomFields reads a stored JSON object of custom fields ("" is
// none), numbers as json.Number so each keeps the text it was sent as.
func DecodeCustomFields(stored string) (map[string]any, error) {
	values := map[string]any{}
	if stored == "" {
		return values, nil
	}
	dec := json.NewDecoder(strings.NewReader(stored))
	dec.UseNumber()
	if err := dec.Decode(&values); err != nil {
		return nil, Errorf(EINTERNAL, "custom fields: %v", err)
	}
	return values, nil
}

// learnCustomFields adds to the tenant's catalogue the keys of values it
// does not know yet, labelled by their key until a definition names them:
// a client writes the fields of its old vendor's tenant, and every key it
// ever wrote is listed by the catalogue.
func learnCustomFields(tx *gorm.DB, c Caller, entity string, values map[string]any) error {
	keys := make([]string, 0, len(values))
	for k, v := range values {
		if v != nil && IsCustomFieldKey(k) { // a contract keeps other keys too, which are no fields
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	rows := make([]CustomField, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, CustomField{TenantID: c.TenantID, Entity: entity, Key: k, Label: k,
			FieldType: fieldTypeOf(k, values[k]), GroupName: DefaultFieldGroup, Options: "[]", Enabled: true, Sort: 1000})
	}
	return storeError(tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error, "custom field")
}

// CustomFieldDefinition is a field as an operator or an import defines it.
type CustomFieldDefinition struct {
	Entity    string `name:"custom_fields" validate:"oneof=customer contact opportunity contract"`
	Key       string `name:"custom_fields" validate:"required,max=64"`
	Label     string `name:"custom_fields" validate:"required,max=128"`
	FieldType string `name:"custom_fields" validate:"omitempty,oneof=text_field number_field text_area select"` // "": by the key
	GroupName string `name:"custom_fields" validate:"max=128"`                                                  // "": DefaultFieldGroup
	Options   []CustomFieldOption
	Required  bool
	Sort      int
}

// DefineCustomField adds a field to a tenant's catalogue, or redefines it.
func (s *Service) DefineCustomField(ctx context.Context, tenantID uint64, d CustomFieldDefinition) (CustomField, error) {
	if err := s.check(d); err != nil {
		return CustomField{}, err
	}
	if !IsCustomFieldKey(d.Key) {
		return CustomField{}, Invalidf(FieldCustomFields, "%q is not a custom field key (text_asset_<hex>, numeric_asset_<hex>, text_area_asset_<hex>)", Excerpt(d.Key))
	}
	for _, o := range d.Options {
		if !selectValue.MatchString(o.Value) || o.Label == "" {
			return CustomField{}, Invalidf(FieldCustomFields, "option %q %q: a value sel_<hex> and a label", Excerpt(o.Value), Excerpt(o.Label))
		}
	}
	if d.FieldType == "" {
		d.FieldType = fieldTypeOf(d.Key, nil)
		if len(d.Options) > 0 {
			d.FieldType = FieldTypeSelect
		}
	}
	if d.GroupName == "" {
		d.GroupName = DefaultFieldGroup
	}
	options, err := json.Marshal(append([]CustomFieldOption{}, d.Options...))
	if err != nil {
		return CustomField{}, fmt.Errorf("options: %w", err)
	}
	var f CustomField
	err = s.tx(ctx, func(tx *gorm.DB) error {
		f = CustomField{TenantID: tenantID, Entity: d.Entity, Key: d.Key, Label: d.Label, FieldType: d.FieldType,
			GroupName: d.GroupName, Options: string(options), Required: d.Required, Enabled: true, Sort: d.Sort}
		if err := s.mustExistTenant(tx, tenantID); err != nil {
			return err
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "entity"}, {Name: "field_key"}},
			DoUpdates: clause.AssignmentColumns([]string{"label", "field_type", "group_name", "options", "required", "enabled", "sort"}),
		}).Create(&f).Error
		if err != nil {
			return storeError(err, "custom field")
		}
		return storeError(tx.Scopes(inTenant(tenantID)).Where("entity = ? AND field_key = ?", d.Entity, d.Key).Take(&f).Error, "custom field")
	})
	return f, err
}

func (s *Service) mustExistTenant(tx *gorm.DB, tenantID uint64) error {
	var n int64
	if err := tx.Model(&Tenant{}).Where("id = ?", tenantID).Count(&n).Error; err != nil {
		return storeError(err, "tenant")
	}
	if n == 0 {
		return NotFoundf("tenant", "tenant %d not found", tenantID)
	}
	return nil
}

// CustomFields is the tenant's catalogue of an entity's enabled fields, by group, then in their order.
func (s *Service) CustomFields(ctx context.Context, c Caller, entity string) ([]CustomField, error) {
	var out []CustomField
	err := s.db.WithContext(ctx).Scopes(inTenant(c.TenantID)).Where("entity = ? AND enabled = ?", entity, true).
		Order("group_name, sort, field_key").Find(&out).Error
	return out, storeError(err, "custom field")
}
