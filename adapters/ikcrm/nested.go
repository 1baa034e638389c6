package ikcrm

// The open API's request decoder: Rails-style nested keys, as Rack parses them.

import (
	"fmt"
	"net/url"
	"strings"

	"crmgw/core"
)

// Limits that keep a hostile body from costing more than a real one.
const (
	maxPairs    = 10000 // parameters in one request
	maxDepth    = 16    // brackets in one key: contract[product_assets_attributes][0][quantity] is 3
	maxElements = 1000  // items in one [] array
)

// Pair is one parameter as it arrived, in order: order decides how a[][x] groups.
type Pair struct{ Key, Value string }

// ParseForm splits an application/x-www-form-urlencoded body or query string into pairs, in order.
func ParseForm(s string) ([]Pair, error) {
	var pairs []Pair
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "&")
		if part == "" {
			continue
		}
		if len(pairs) == maxPairs {
			return nil, fmt.Errorf("more than %d parameters", maxPairs)
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("parameter name %q: %w", core.Excerpt(k), err)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("value of %s: %w", core.Excerpt(key), err)
		}
		pairs = append(pairs, Pair{key, value})
	}
	return pairs, nil
}

// KeyError reports a parameter name that cannot be nested.
type KeyError struct {
	Key    string
	Reason string
}

func (e *KeyError) Error() string { return fmt.Sprintf("parameter %q: %s", e.Key, e.Reason) }

// segment is one step of a key: a name, or [] (append to an array).
type segment struct {
	name  string
	array bool
}

// splitKey reads contract[product_assets_attributes][][quantity] as
// contract, product_assets_attributes, [], quantity. Index keys such as [0]
// stay names: *_attributes may be keyed by any numbers, so they are map keys.
func splitKey(key string) ([]segment, error) {
	head, rest, _ := strings.Cut(key, "[")
	if head == "" || strings.Contains(head, "]") {
		return nil, &KeyError{key, "does not start with a name"}
	}
	segs := []segment{{name: head}}
	if rest == "" && !strings.Contains(key, "[") {
		return segs, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, &KeyError{key, "has text outside brackets"}
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, &KeyError{key, "has an unclosed ["}
		}
		inner := rest[1:end]
		if strings.Contains(inner, "[") {
			return nil, &KeyError{key, "has a [ inside brackets"}
		}
		segs = append(segs, segment{name: inner, array: inner == ""})
		if len(segs) > maxDepth {
			return nil, &KeyError{key, fmt.Sprintf("is nested deeper than %d", maxDepth)}
		}
		rest = rest[end+1:]
	}
	return segs, nil
}

// Nest builds the nested parameters from pairs: a map[string]any whose values
// are strings, []any (of strings or maps) and map[string]any.
func Nest(pairs []Pair) (map[string]any, error) {
	if len(pairs) > maxPairs {
		return nil, fmt.Errorf("more than %d parameters", maxPairs)
	}
	root := map[string]any{}
	for _, p := range pairs {
		segs, err := splitKey(p.Key)
		if err != nil {
			return nil, err
		}
		if err := set(root, segs, p.Value, p.Key); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// set stores v under segs[0] of m, where segs[0] is a name.
func set(m map[string]any, segs []segment, v, key string) error {
	name, rest := segs[0].name, segs[1:]
	if len(rest) == 0 {
		if _, nested := m[name].(string); m[name] != nil && !nested {
			return &KeyError{key, "gives a value to what other parameters made a list or an object"}
		}
		m[name] = v
		return nil
	}
	if !rest[0].array {
		child, exists := m[name]
		if !exists {
			child = map[string]any{}
			m[name] = child
		}
		obj, ok := child.(map[string]any)
		if !ok {
			return &KeyError{key, "nests under what other parameters made a value or a list"}
		}
		return set(obj, rest, v, key)
	}
	var list []any
	if existing, exists := m[name]; exists {
		l, ok := existing.([]any)
		if !ok {
			return &KeyError{key, "appends to what other parameters made a value or an object"}
		}
		list = l
	}
	if len(list) == maxElements {
		return &KeyError{key, fmt.Sprintf("has more than %d items", maxElements)}
	}
	after := rest[1:]
	switch {
	case len(after) == 0: // a[]=v
		m[name] = append(list, v)
		return nil
	case after[0].array:
		return &KeyError{key, "nests a list directly in a list ([][])"}
	}
	// a[][x]=v: fill the last object unless it already has x, as Rack does.
	if n := len(list); n > 0 {
		if last, ok := list[n-1].(map[string]any); ok && !has(last, after) {
			return set(last, after, v, key)
		}
	}
	obj := map[string]any{}
	if err := set(obj, after, v, key); err != nil {
		return err
	}
	m[name] = append(list, obj)
	return nil
}

// has reports whether the names of segs (up to any []) already lead to a value in m.
func has(m map[string]any, segs []segment) bool {
	for i, s := range segs {
		if s.array {
			return true
		}
		v, ok := m[s.name]
		if !ok {
			return false
		}
		if i == len(segs)-1 {
			return true
		}
		if m, ok = v.(map[string]any); !ok {
			return true
		}
	}
	return false
}
