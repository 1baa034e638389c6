package gateway

// Comparing two answers to one request, field by field: the status, the
// Content-Type, and the body walked into field paths, JSON or XML (the
// WebApi answers format=xml), anything else compared whole as "body".

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"crmgw/core"
)

// redacted stands in for a credential's value in a stored difference.
const redacted = "REDACTED"

// maxExample bounds one value kept as an example: a whole body, say.
const maxExample = 512

// diff is how b differs from a (the upstream's, then crmgw's), credentials redacted.
func diff(a, b *answer, c call) []core.FieldDiff {
	var out []core.FieldDiff
	add := func(path, up, local string) {
		out = append(out, core.FieldDiff{Path: path, Upstream: c.redact(path, up), Local: c.redact(path, local)})
	}
	if a.status != b.status {
		add("status", strconv.Itoa(a.status), strconv.Itoa(b.status))
	}
	if at, bt := a.header.Get("Content-Type"), b.header.Get("Content-Type"); at != bt {
		add("header.Content-Type", at, bt)
	}
	ab, bb := a.plain(), b.plain()
	fa, okA := flatten(a.header.Get("Content-Type"), ab)
	fb, okB := flatten(b.header.Get("Content-Type"), bb)
	if !okA || !okB {
		if !bytes.Equal(ab, bb) {
			add("body", string(ab), string(bb))
		}
		return out
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range fa {
			if !yield(k) {
				return
			}
		}
		for k := range fb {
			if _, both := fa[k]; !both && !yield(k) {
				return
			}
		}
	}) {
		la, inA := fa[k]
		lb, inB := fb[k]
		if inA && inB && la.value == lb.value {
			continue
		}
		path := la.path
		if !inA {
			path = lb.path
		}
		add(path, la.value, lb.value) // "" for the side that has no such field
	}
	return out
}

// leaf is one field of a body: its path for the report (array indices as
// []) and its value as the wire carried it.
type leaf struct{ path, value string }

// flatten walks a body into its fields by their exact paths (indices kept,
// so that rows align), false when it is neither JSON nor XML.
func flatten(contentType string, body []byte) (map[string]leaf, bool) {
	media, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case strings.Contains(media, "xml"):
		return flattenXML(body)
	// JSON, or what looks like it under another type (text/html, as some
	// servers label every answer).
	case strings.Contains(media, "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')):
		return flattenJSON(body)
	}
	return nil, false
}

func flattenJSON(body []byte) (map[string]leaf, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a number is compared as written: 2.0E7 is not 20000000 on the wire
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF { // more than one document
		return nil, false
	}
	out := map[string]leaf{}
	var walk func(exact, shown string, v any)
	walk = func(exact, shown string, v any) {
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 0 {
				out[exact] = leaf{shown, "{}"}
			}
			for k, e := range t {
				walk(join(exact, k), join(shown, k), e)
			}
		case []any:
			if len(t) == 0 {
				out[exact] = leaf{shown, "[]"}
			}
			for i, e := range t {
				walk(exact+"["+strconv.Itoa(i)+"]", shown+"[]", e)
			}
		default:
			text, _ := json.Marshal(t) // a json.Number marshals as its text
			out[exact] = leaf{shown, string(text)}
		}
	}
	walk("", "", v)
	return out, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// xmlNode is an element of an XML body.
type xmlNode struct {
	name     string
	attrs    []xml.Attr
	text     strings.Builder
	children []*xmlNode
}

func flattenXML(body []byte) (map[string]leaf, bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local, attrs: t.Attr}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text.Write(t)
		}
	}
	if len(root.children) == 0 {
		return nil, false
	}
	out := map[string]leaf{}
	var walk func(exact, shown string, n *xmlNode)
	walk = func(exact, shown string, n *xmlNode) {
		for _, a := range n.attrs {
			out[exact+"@"+a.Name.Local] = leaf{shown + "@" + a.Name.Local, a.Value}
		}
		if len(n.children) == 0 {
			out[exact] = leaf{shown, n.text.String()}
			return
		}
		// Siblings of one name are a list's rows: indexed to align them,
		// shown as [] so that they group; one alone is a field.
		count := map[string]int{}
		for _, ch := range n.children {
			count[ch.name]++
		}
		seen := map[string]int{}
		for _, ch := range n.children {
			i := seen[ch.name]
			seen[ch.name]++
			e, s := join(exact, ch.name)+"["+strconv.Itoa(i)+"]", join(shown, ch.name)
			if count[ch.name] > 1 {
				s += "[]"
			}
			walk(e, s, ch)
		}
	}
	walk("", "", root)
	return out, true
}

// passwordLike are the words whose keys hold a secret whatever the dialect.
var passwordLike = []string{"token", "password", "passwd", "secret", "sitekey", "session", "cookie", "authorization"}

func credentialKeys(names []string) map[string]bool {
	keys := map[string]bool{}
	for _, n := range names {
		keys[strings.ToLower(n)] = true
	}
	return keys
}

// isCredential tells a field whose last key names a credential.
func (c call) isCredential(path string) bool {
	key := path
	if i := strings.LastIndexAny(key, ".@"); i >= 0 {
		key = key[i+1:]
	}
	return secretKey(c.credentialKeys, strings.TrimSuffix(key, "[]"))
}

// secretKey tells a key (a parameter, a header, a field) that holds a
// secret: one of the dialect's credentials, or password-like.
func secretKey(keys map[string]bool, key string) bool {
	key = strings.ToLower(key)
	return keys[key] || slices.ContainsFunc(passwordLike, func(w string) bool { return strings.Contains(key, w) })
}

// redact is a value to store: REDACTED for a credential's field, the
// request's own credentials cut out of any other, and bounded in length.
func (c call) redact(path, v string) string {
	if v == "" {
		return v
	}
	if c.isCredential(path) {
		return redacted
	}
	for _, s := range c.secrets {
		v = strings.ReplaceAll(v, s, redacted)
	}
	if len(v) > maxExample {
		v = strings.ToValidUTF8(v[:maxExample], "") + "…"
	}
	return v
}

// minSecret is the shortest credential cut out of examples: a shorter one
// would cut ordinary values.
const minSecret = 6

// secretsOf are the credentials r carries, as sent: the values of its
// secret parameters (query, form, multipart or JSON body) and headers, each
// token-like piece of its Authorization header, and its cookies.
func secretsOf(r *http.Request, body []byte, keys map[string]bool) []string {
	var out []string
	addValues := func(vs map[string][]string) {
		for k, v := range vs {
			if secretKey(keys, strings.TrimLeft(k, "?")) {
				out = append(out, v...)
			}
		}
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		addValues(q)
	}
	media, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case media == "application/x-www-form-urlencoded":
		if f, err := url.ParseQuery(string(body)); err == nil {
			addValues(f)
		}
	case media == "multipart/form-data" && params["boundary"] != "":
		if f, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(int64(len(body)) + 1); err == nil {
			addValues(f.Value)
			_ = f.RemoveAll()
		}
	case len(body) > 0:
		out = append(out, jsonSecrets(body, keys)...) // a JSON body whatever its type says: clients mislabel it
	}
	for k, vs := range r.Header {
		switch {
		case k == "Authorization":
			for _, v := range vs {
				out = append(out, authorizationSecrets(v, keys)...)
			}
		case k == "Cookie":
			// Leniently, as the servers read them: one malformed pair must not hide the others.
			for _, c := range (&http.Request{Header: http.Header{"Cookie": vs}}).Cookies() {
				out = append(out, c.Value)
			}
		case secretKey(keys, k):
			out = append(out, vs...)
		}
	}
	kept := out[:0]
	for _, s := range out {
		if len(s) >= minSecret {
			kept = append(kept, s)
		}
	}
	// The longest first, so that a token is cut whole before a part of it.
	slices.SortFunc(kept, func(a, b string) int { return len(b) - len(a) })
	return kept
}

// authorizationSecrets are the secrets of an Authorization header: what
// follows its scheme (Bearer X, Basic X), or the values of its secret
// parameters (ikcrm's Token token="X",device="open_api": X).
func authorizationSecrets(v string, keys map[string]bool) []string {
	scheme, creds, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found { // a token sent bare, as some clients do
		creds = scheme
	}
	creds = strings.TrimSpace(creds)
	if !strings.EqualFold(scheme, "Token") || !strings.Contains(creds, "=") { // Bearer X, Basic X: X whole, padding and all
		return []string{creds}
	}
	var out []string
	for _, p := range strings.Split(creds, ",") {
		if k, v, ok := strings.Cut(p, "="); ok && secretKey(keys, strings.TrimSpace(k)) {
			out = append(out, strings.Trim(strings.TrimSpace(v), `"`))
		}
	}
	return out
}

// jsonSecrets are the strings under secret keys anywhere in a JSON body.
func jsonSecrets(body []byte, keys map[string]bool) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any, secret bool)
	walk = func(v any, secret bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, secret || secretKey(keys, k))
			}
		case []any:
			for _, x := range v {
				walk(x, secret)
			}
		case string:
			if secret {
				out = append(out, v)
			}
		}
	}
	walk(v, false)
	return out
}

// idAt is the id at path ("data.id") in a JSON answer, a number or a
// string of digits; 0 when there is none.
func idAt(body []byte, path string) uint64 {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return 0
	}
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = m[key]
	}
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = t
	}
	id, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// noise is, per endpoint, the fields that differed between two answers of
// the upstream to one request (timestamps, tokens, counters): they differ
// whatever crmgw answers, so they are never reported. Kept in memory: each
// process learns its own from its first comparisons.
type noise struct {
	mu   sync.Mutex
	seen map[string]*endpointNoise
}

type endpointNoise struct {
	compared int
	paths    map[string]bool
}

func (n *noise) of(dialect, endpoint string) *endpointNoise {
	key := dialect + " " + endpoint
	e := n.seen[key]
	if e == nil {
		e = &endpointNoise{paths: map[string]bool{}}
		n.seen[key] = e
	}
	return e
}

// learning counts a comparison of the endpoint and tells whether to ask the
// upstream again for it: the first learnFirst, then one in learnEvery.
func (n *noise) learning(dialect, endpoint string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.of(dialect, endpoint)
	e.compared++
	return e.compared <= learnFirst || e.compared%learnEvery == 0
}

// learn adds the fields two upstream answers differed in.
func (n *noise) learn(dialect, endpoint string, between []core.FieldDiff) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.of(dialect, endpoint)
	for _, d := range between {
		e.paths[d.Path] = true
	}
}

// without is diffs less the endpoint's noise.
func (n *noise) without(dialect, endpoint string, diffs []core.FieldDiff) []core.FieldDiff {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.of(dialect, endpoint)
	return slices.DeleteFunc(diffs, func(d core.FieldDiff) bool { return e.paths[d.Path] })
}
