package ikcrm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func nest(t *testing.T, form string) (string, error) {
	t.Helper()
	pairs, err := ParseForm(form)
	if err != nil {
		return "", err
	}
	m, err := Nest(pairs)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), nil
}

func TestNestAsRackDoes(t *testing.T) {
	for form, want := range map[string]string{
		"contract[title]=t&contract[sn]=x":                            `{"contract":{"sn":"x","title":"t"}}`,
		"contract[notify_user_ids][]=1&contract[notify_user_ids][]=2": `{"contract":{"notify_user_ids":["1","2"]}}`,
		"contract[product_assets_attributes][0][quantity]=200&contract[product_assets_attributes][0][product_name]=T1&contract[product_assets_attributes][7][quantity]=1": `{"contract":{"product_assets_attributes":{"0":{"product_name":"T1","quantity":"200"},"7":{"quantity":"1"}}}}`,
		"a[][x]=1&a[][y]=2&a[][x]=3":                   `{"a":[{"x":"1","y":"2"},{"x":"3"}]}`,
		"a[][x][y]=1&a[][x][z]=2&a[][x][y]=3":          `{"a":[{"x":{"y":"1","z":"2"}},{"x":{"y":"3"}}]}`,
		"title=%E5%90%88%E5%90%8C&total_amount=400000": `{"title":"合同","total_amount":"400000"}`,
		"a=1&a=2":         `{"a":"2"}`,
		"a[b]=1&&a[c]=2&": `{"a":{"b":"1","c":"2"}}`,
		"plus=a+b&empty=": `{"empty":"","plus":"a b"}`,
		"created_at[]=2024-01-01&created_at[]=2024-02-01": `{"created_at":["2024-01-01","2024-02-01"]}`,
	} {
		got, err := nest(t, form)
		if err != nil || got != want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", form, got, err, want)
		}
	}
}

func TestNestRejectsMalformedKeys(t *testing.T) {
	for _, form := range []string{
		"[a]=1", "a[b=1", "a]b=1", "a[b]c=1", "a[b[c]]=1", "=1",
		"a=1&a[b]=2", "a[b]=2&a=1", "a[]=1&a[b]=2", "a[b]=1&a[]=2", "a[][]=1",
		"a" + strings.Repeat("[b]", maxDepth) + "=1",
		"a=%zz", "%zz=1",
	} {
		if got, err := nest(t, form); err == nil {
			t.Errorf("%s: accepted as %s", form, got)
		}
	}
	var ke *KeyError
	if _, err := nest(t, "a[b=1"); !errors.As(err, &ke) || ke.Key != "a[b" {
		t.Errorf("the error does not name the key: %v", err)
	}
}

func TestNestLimits(t *testing.T) {
	many := strings.Repeat("a[]=1&", maxElements+1)
	if _, err := nest(t, many); err == nil {
		t.Errorf("an array of %d items was accepted", maxElements+1)
	}
	if _, err := ParseForm(strings.Repeat("a=1&", maxPairs+1)); err == nil {
		t.Errorf("%d parameters were accepted", maxPairs+1)
	}
}

// FuzzNest: no input panics or hangs the decoder, and what it accepts is JSON-able.
func FuzzNest(f *testing.F) {
	for _, seed := range []string{
		"contract[title]=t&contract[product_assets_attributes][][quantity]=2&contract[notify_user_ids][]=1",
		"a[][x][y]=1&a[][x][z]=2", "a[0][b]=1&a[1][b]=2", "a[b=1", "a=1&a[b]=2", "%zz", "a[][]=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, form string) {
		pairs, err := ParseForm(form)
		if err != nil {
			return
		}
		m, err := Nest(pairs)
		if err != nil {
			return
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("%q nested into something that is not JSON: %v", form, err)
		}
	})
}
