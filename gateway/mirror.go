package gateway

// The mirror (mirror.mode, docs/migration.md): crmgw beside the old vendors
// during a cut-over. A dialect with an upstream has its requests forwarded
// there (proxy), answered from there and compared with crmgw's answer
// (diff-proxy), or answered by crmgw and compared with the upstream's
// (diff-normal). What the client waits for is only the side that answers:
// the other runs after, in the background, bounded in number and time, and
// its failure is recorded, never returned.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

// maxAnswerBytes bounds an upstream's answer read whole: the largest page any
// vendor answers is far below it.
const maxAnswerBytes = 32 << 20

// applyQueue is how many writes may wait to be applied to crmgw (diff-proxy
// with apply_writes) before one is refused, recorded as an error.
const applyQueue = 1024

// Noise learning (noise.go): the upstream is asked a second time for the
// first learnFirst comparisons of each endpoint, and one in learnEvery after.
const (
	learnFirst = 20
	learnEvery = 10
)

// mirror is the server's part in the modes: nil when no dialect has an
// upstream or the mode is normal.
type mirror struct {
	s           *Server
	mode        string
	applyWrites bool
	timeout     time.Duration
	upstreams   map[string]string // dialect → its base URL
	client      *http.Client
	slots       chan struct{} // comparisons running: mirror.concurrency
	noise       noise
	applies     chan appliedWrite
	running     sync.WaitGroup // comparisons and the write queue, for shutdown
	closeOnce   sync.Once
}

// newMirror is the configured mirror, nil when it does nothing.
func newMirror(s *Server, cfg config.Config) *mirror {
	m := &mirror{s: s, mode: cfg.Mirror.Mode, applyWrites: cfg.Mirror.ApplyWrites, timeout: cfg.Mirror.Timeout,
		upstreams: map[string]string{}, slots: make(chan struct{}, cfg.Mirror.Concurrency), noise: noise{seen: map[string]*endpointNoise{}}}
	for name, d := range cfg.Dialects {
		if d.Enabled && d.Upstream != "" {
			m.upstreams[name] = d.Upstream
		}
	}
	if m.mode == config.MirrorNormal || len(m.upstreams) == 0 {
		return nil
	}
	// Redirects are the client's to follow, as they would be without crmgw in
	// between; idle connections are kept per upstream for the shadow load.
	m.client = &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: cfg.Mirror.Concurrency + 16, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true},
	}
	if m.mode == config.MirrorDiffProxy && m.applyWrites {
		m.applies = make(chan appliedWrite, applyQueue)
		m.running.Add(1)
		go m.applyInOrder()
	}
	return m
}

// close waits, until ctx is done, for the comparisons in flight and the
// writes queued to be applied: what a shutdown must not cut off.
func (m *mirror) close(ctx context.Context) {
	m.closeOnce.Do(func() {
		if m.applies != nil {
			close(m.applies)
		}
	})
	done := make(chan struct{})
	go func() { m.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		m.s.log.Warn("mirror: comparisons or applied writes still running at shutdown")
	}
}

// pruneInterval is how often the examples older than mirror.retention are dropped.
const pruneInterval = time.Hour

// pruneMirrorEvery drops, every interval until ctx is done, the differences'
// examples older than mirror.retention: the report's tables stay bounded,
// in normal mode too, where what the mirror found before is still kept.
func (s *Server) pruneMirrorEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.svc.PruneMirror(ctx, s.svc.Now().Add(-s.cfg.Mirror.Retention)); err != nil && ctx.Err() == nil {
			s.log.Warn("mirror: pruning the differences", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// shadowKey marks, in its context, a request the mirror runs against crmgw
// itself: no client's, so neither counted in the metrics nor logged as one.
type shadowKey struct{}

func isShadow(r *http.Request) bool { return r.Context().Value(shadowKey{}) != nil }

// bodyKey holds, in a request's echo context, its body as requestLimits read
// it: the mirror sends those bytes on, never reading the body twice.
const bodyKey = "crmgw.body"

func requestBody(c echo.Context) []byte {
	b, _ := c.Get(bodyKey).([]byte)
	return b
}

// wrap is an endpoint's handler (its middleware applied) as the mode serves it.
func (m *mirror) wrap(d *adapters.Dialect, ep adapters.Endpoint, h echo.HandlerFunc) echo.HandlerFunc {
	base, ok := m.upstreams[d.Name]
	if !ok {
		return h
	}
	return func(c echo.Context) error {
		r := c.Request()
		if isShadow(r) {
			return h(c)
		}
		if ep.Auth == adapters.AuthLogin {
			return m.login(d, ep, c, base, h)
		}
		switch m.mode {
		case config.MirrorProxy:
			return m.forward(c, base)
		case config.MirrorDiffProxy:
			up, err := m.send(r.Context(), base, r, requestBody(c), false)
			if err != nil {
				if ep.Writes && m.applyWrites {
					// The vendor may have taken it: the two sides may be out of step.
					m.record(core.Comparison{Dialect: d.Name, Endpoint: c.Path(), At: m.s.svc.Now(), Result: core.MirrorError,
						Error: "not applied to crmgw: the upstream did not answer the write (" + describe(err) + ")"})
				}
				return m.unavailable(c, err)
			}
			if err := up.writeTo(c); err != nil {
				return err
			}
			call := m.callOf(d, c, r)
			switch {
			case !ep.Writes:
				m.compareLater(call, true, func(ctx context.Context) (*answer, *answer, error) {
					return up, m.runLocal(ctx, call), nil
				})
			case m.applyWrites && up.unreadable() != "":
				m.record(m.unreadWrite(call, up))
			case m.applyWrites && took(d, up):
				m.apply(appliedWrite{call: call, upstream: up, newID: ep.NewID})
			}
			return nil
		default: // diff-normal
			if ep.Writes {
				return h(c)
			}
			tee := &teeWriter{ResponseWriter: c.Response().Writer}
			c.Response().Writer = tee
			err := h(c)
			if err != nil {
				c.Error(err) // rendered now, so that the answer compared is the one the client gets
			}
			if refusal(err) != "" { // crmgw's own limits refused it: nothing of the vendor's to compare
				return err
			}
			local := tee.answer(c.Response())
			call := m.callOf(d, c, r)
			m.compareLater(call, true, func(ctx context.Context) (*answer, *answer, error) {
				up, err := m.send(ctx, base, call.req, call.body, true)
				return up, local, err
			})
			return err // for the metrics and the access log; the dialect rendered it already
		}
	}
}

// login sends a login to the side that answers, and only there: crmgw's
// own tokens are not the vendor's, so two logins would answer two tokens
// and each side would know only its own. In diff-proxy, a login the
// upstream took is then run on crmgw too, issuing the very token the
// upstream issued (crmgw checking the password itself): the client's token
// works on both sides, for the comparisons now and after the cut-over. The
// two answers are compared; a login crmgw refused shows as that difference.
// In diff-normal crmgw answers, and its token is unknown upstream: the
// comparisons of that client's reads show the upstream's refusal.
func (m *mirror) login(d *adapters.Dialect, ep adapters.Endpoint, c echo.Context, base string, h echo.HandlerFunc) error {
	switch m.mode {
	case config.MirrorProxy:
		return m.forward(c, base)
	case config.MirrorDiffNormal:
		return h(c)
	}
	r := c.Request()
	up, err := m.send(r.Context(), base, r, requestBody(c), false)
	if err != nil {
		return m.unavailable(c, err)
	}
	if err := up.writeTo(c); err != nil {
		return err
	}
	if ep.IssuedToken != nil && up.unreadable() != "" {
		m.record(m.unreadWrite(m.callOf(d, c, r), up))
		return nil
	}
	token := ""
	if ep.IssuedToken != nil && took(d, up) {
		token = ep.IssuedToken(up.header, up.plain())
	}
	if token == "" {
		return nil
	}
	call := m.callOf(d, c, r)
	call.secrets = append(call.secrets, token) // in both answers: never stored
	slices.SortFunc(call.secrets, func(a, b string) int { return len(b) - len(a) })
	m.compareLater(call, false, func(ctx context.Context) (*answer, *answer, error) {
		local := m.runLocal(adapters.WithKeptToken(ctx, token), call)
		// A token of crmgw's own, not the upstream's, is a secret too: cut
		// out before the answers are compared and stored.
		if own := ep.IssuedToken(local.header, local.plain()); own != "" && own != token {
			local.header.Del("Content-Encoding")
			local.body = bytes.ReplaceAll(local.plain(), []byte(own), []byte(redacted))
		}
		return up, local, nil
	})
	return nil
}

// unavailable is the dialect's own unavailable error for an upstream that
// did not answer: the client retries it as any other 503. What failed is
// the operator's to read, in the log: a dial or DNS error names hosts and
// addresses behind crmgw that no client needs to learn.
func (m *mirror) unavailable(c echo.Context, err error) error {
	if c.Request().Context().Err() == nil { // else the client went away first: no upstream's failure
		m.s.log.Warn("mirror: the upstream did not answer", "request_id", requestID(c), "error", describe(err))
	}
	return &core.Error{Code: core.EUNAVAILABLE, RetryAfter: time.Second, Message: "the upstream did not answer"}
}

// forward answers the client what the upstream answers.
func (m *mirror) forward(c echo.Context, base string) error {
	r := c.Request()
	up, err := m.send(r.Context(), base, r, requestBody(c), false)
	if err != nil {
		return m.unavailable(c, err)
	}
	return up.writeTo(c)
}

// forwardUnserved is, in the modes where the upstream answers, the handler
// of every route under d's prefixes that crmgw does not serve: the clients'
// calls of the vendor's wider API keep reaching the vendor, counted under
// the prefix's wildcard route (what crmgw must serve before diff-normal).
// nil in the other modes, and on a nil mirror.
func (m *mirror) forwardUnserved(d *adapters.Dialect) echo.HandlerFunc {
	if m == nil || (m.mode != config.MirrorProxy && m.mode != config.MirrorDiffProxy) {
		return nil
	}
	base, ok := m.upstreams[d.Name]
	if !ok {
		return nil
	}
	return func(c echo.Context) error {
		// Under the prefix as routed, not past it as the upstream would
		// resolve it: /api/../internal is no path of the dialect's.
		if p := c.Request().URL.Path; path.Clean(p) != p && path.Clean(p)+"/" != p {
			return echo.ErrNotFound
		}
		return m.forward(c, base)
	}
}

// call is what a comparison needs of the client's request, kept past it.
type call struct {
	dialect, endpoint string
	base              string
	req               *http.Request // a copy: method, URI as sent, headers, remote address
	body              []byte
	secrets           []string // the credentials it carries, as sent: never in a stored difference
	credentialKeys    map[string]bool
}

func (m *mirror) callOf(d *adapters.Dialect, c echo.Context, r *http.Request) call {
	copied := &http.Request{Method: r.Method, RequestURI: r.RequestURI, URL: r.URL, Header: r.Header.Clone(),
		Host: r.Host, RemoteAddr: r.RemoteAddr, TLS: r.TLS}
	body := requestBody(c)
	keys := credentialKeys(d.Credentials)
	return call{dialect: d.Name, endpoint: c.Path(), base: m.upstreams[d.Name], req: copied, body: body,
		secrets: secretsOf(copied, body, keys), credentialKeys: keys}
}

// compareLater runs fetch and compares its two answers (upstream's, then
// crmgw's) in the background, when a slot is free: skipped otherwise. learn
// lets it ask the upstream again for noise: a read's, never a login's.
func (m *mirror) compareLater(c call, learn bool, fetch func(ctx context.Context) (up, local *answer, err error)) {
	select {
	case m.slots <- struct{}{}:
	default:
		m.s.metrics.mirrored.WithLabelValues(c.dialect, c.endpoint, "skipped").Inc()
		return
	}
	m.running.Add(1)
	go func() {
		defer m.running.Done()
		defer func() { <-m.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
		defer cancel()
		up, local, err := fetch(ctx)
		cmp := core.Comparison{Dialect: c.dialect, Endpoint: c.endpoint, At: m.s.svc.Now()}
		switch {
		case err != nil:
			cmp.Result, cmp.Error = core.MirrorError, describe(err)
		case gatewayFailure(up.status):
			cmp.Result, cmp.Error = core.MirrorError, fmt.Sprintf("upstream status %d", up.status)
		case up.unreadable() != "" || local.unreadable() != "":
			// Compared as bytes, every answer would differ (or, learnt as
			// noise, none ever would): the comparison did not happen.
			cmp.Result, cmp.Error = core.MirrorError, "an answer in a Content-Encoding the mirror does not read: "+up.unreadable()+local.unreadable()
		default:
			if learn && m.noise.learning(c.dialect, c.endpoint) {
				// Only an answer like the first teaches noise: a second one
				// refused (429, 401, 500) would make every field noise.
				if again, err := m.send(ctx, c.base, c.req, c.body, true); err == nil && again.status == up.status && again.unreadable() == "" {
					m.noise.learn(c.dialect, c.endpoint, diff(up, again, c))
				}
			}
			cmp.Diffs = m.noise.without(c.dialect, c.endpoint, diff(up, local, c))
			cmp.Result = core.MirrorIdentical
			if len(cmp.Diffs) > 0 {
				cmp.Result = core.MirrorDifferent
			}
		}
		m.record(cmp)
	}()
}

// record stores a comparison, then counts it: a count seen is in the report
// already. A store that fails is logged, the client's answer long gone.
func (m *mirror) record(cmp core.Comparison) {
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	if err := m.s.svc.RecordComparison(ctx, cmp, m.s.cfg.Mirror.MaxExamples); err != nil {
		m.s.log.Warn("mirror: recording a comparison", "dialect", cmp.Dialect, "endpoint", cmp.Endpoint, "error", err)
	}
	m.s.metrics.mirrored.WithLabelValues(cmp.Dialect, cmp.Endpoint, cmp.Result).Inc()
}

// gatewayFailure is an upstream status that is no answer of the vendor's
// application but of something in front of it: the upstream failed.
func gatewayFailure(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// describe says what failed in a call to the other side, without its URL
// (whose query may hold a credential).
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timeout"
	case errors.Is(err, errTooLarge):
		return err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		if strings.Contains(oe.Err.Error(), "refused") {
			return "connection refused"
		}
		return oe.Op + ": " + oe.Err.Error()
	}
	return err.Error()
}

var errTooLarge = fmt.Errorf("answer over %d bytes", maxAnswerBytes)

// answer is one side's answer to a request, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// hopHeaders are the connection's own, never passed on (RFC 9110 §7.6.1);
// Content-Length is the server's to write, X-Request-Id crmgw's own.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// send sends the client's request to the upstream at base: its method, path
// and query as sent, its headers (credentials included: the upstream is the
// vendor whose they are) and its body. decoded asks for an answer to compare
// (the transport undoes its compression), else for one to pass on as is.
func (m *mirror) send(ctx context.Context, base string, r *http.Request, body []byte, decoded bool) (*answer, error) {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") { // an absolute-form request line
		uri = r.URL.RequestURI()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+uri, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	for _, h := range r.Header.Values("Connection") { // the headers it names are the connection's too
		for _, name := range strings.Split(h, ",") {
			req.Header.Del(strings.TrimSpace(name))
		}
	}
	if decoded {
		req.Header.Del("Accept-Encoding")
	}
	// The upstream's own host, for its virtual hosts; the client's in the
	// forwarding headers, for the links it builds (a trusted proxy's, kept:
	// clientHeaders dropped anyone else's).
	req.Host = ""
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		req.Header.Set("X-Forwarded-For", strings.Join(append(r.Header.Values("X-Forwarded-For"), ip), ", "))
	}
	if req.Header.Get("X-Forwarded-Host") == "" {
		req.Header.Set("X-Forwarded-Host", r.Host)
	}
	if req.Header.Get("X-Forwarded-Proto") == "" {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		req.Header.Set("X-Forwarded-Proto", proto)
	}
	res, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxAnswerBytes {
		return nil, errTooLarge
	}
	return &answer{status: res.StatusCode, header: res.Header, body: b}, nil
}

// writeTo answers the client with a: its status, its headers but the
// connection's own, its body.
func (a *answer) writeTo(c echo.Context) error {
	h := c.Response().Header()
	for k, vs := range a.header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Date", echo.HeaderXRequestID:
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	c.Response().WriteHeader(a.status)
	_, err := c.Response().Write(a.body)
	return err
}

// plain is a's body without its content coding: what is compared.
// unreadable is the answer's Content-Encoding when plain cannot decode it, "" otherwise.
func (a *answer) unreadable() string {
	switch enc := a.header.Get("Content-Encoding"); strings.ToLower(enc) {
	case "", "identity", "gzip":
		return ""
	default:
		return enc
	}
}

func (a *answer) plain() []byte {
	if !strings.EqualFold(a.header.Get("Content-Encoding"), "gzip") {
		return a.body
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.body))
	if err != nil {
		return a.body
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxAnswerBytes))
	if err != nil {
		return a.body
	}
	return b
}

// runLocal runs the call against crmgw itself, as a shadow request (no
// client's: not counted, not logged), with what ctx carries (WithKeptID,
// WithKeptToken).
func (m *mirror) runLocal(ctx context.Context, c call) *answer {
	ctx = context.WithValue(ctx, shadowKey{}, true)
	uri := c.req.RequestURI
	if !strings.HasPrefix(uri, "/") {
		uri = c.req.URL.RequestURI()
	}
	req, err := http.NewRequestWithContext(ctx, c.req.Method, uri, bytes.NewReader(c.body))
	if err != nil { // the client's own request line, parsed once already
		return &answer{status: http.StatusBadRequest, header: http.Header{}}
	}
	req.Header, req.Host, req.RemoteAddr, req.RequestURI = c.req.Header.Clone(), c.req.Host, c.req.RemoteAddr, uri
	req.ContentLength = int64(len(c.body))
	rec := &recorder{header: http.Header{}}
	m.s.echo.ServeHTTP(rec, req)
	return &answer{status: rec.statusOr200(), header: rec.header, body: rec.body.Bytes()}
}

// recorder is the ResponseWriter a shadow request answers into.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
func (r *recorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// teeWriter keeps a copy of what crmgw answers the client (diff-normal).
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.body.Write(b)
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *teeWriter) answer(res *echo.Response) *answer {
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	return &answer{status: status, header: res.Header().Clone(), body: t.body.Bytes()}
}

// took reports whether the upstream took a write: a 2xx status and, in a
// dialect that answers its errors with HTTP 200 too, its success code.
func took(d *adapters.Dialect, up *answer) bool {
	if up.status < 200 || up.status > 299 {
		return false
	}
	return d.AnswerCode == nil || d.AnswerCode(up.plain()) == d.SuccessCode
}

// unreadWrite is the error comparison of a write (or a login) whose
// upstream answer comes in an encoding the mirror cannot read: whether the
// upstream took it is unknown, so it is not applied, and the report says so.
func (m *mirror) unreadWrite(c call, up *answer) core.Comparison {
	return core.Comparison{Dialect: c.dialect, Endpoint: c.endpoint, At: m.s.svc.Now(), Result: core.MirrorError,
		Error: "not applied to crmgw: the upstream answered in a Content-Encoding the mirror does not read: " + up.unreadable()}
}

// appliedWrite is a write the upstream took, to apply to crmgw (diff-proxy
// with apply_writes).
type appliedWrite struct {
	call     call
	upstream *answer
	newID    string // where the upstream's answer carries the new record's id
}

// apply queues w; a full queue refuses it, recorded: the two sides are then
// out of step, which the report must show.
func (m *mirror) apply(w appliedWrite) {
	select {
	case m.applies <- w:
	default:
		m.record(core.Comparison{Dialect: w.call.dialect, Endpoint: w.call.endpoint, At: m.s.svc.Now(),
			Result: core.MirrorError, Error: "not applied to crmgw: the queue of writes to apply is full"})
	}
}

// applyInOrder applies the queued writes one after another, in the order the
// upstream took them, each create keeping the id the upstream gave, and
// compares each one's answers (a write is not asked twice: its noise is not learnt).
func (m *mirror) applyInOrder() {
	defer m.running.Done()
	for w := range m.applies {
		ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
		if w.newID != "" {
			if kept := idAt(w.upstream.plain(), w.newID); kept != 0 {
				ctx = adapters.WithKeptID(ctx, kept)
			}
		}
		local := m.runLocal(ctx, w.call)
		cancel()
		cmp := core.Comparison{Dialect: w.call.dialect, Endpoint: w.call.endpoint, At: m.s.svc.Now(),
			Diffs: m.noise.without(w.call.dialect, w.call.endpoint, diff(w.upstream, local, w.call)), Result: core.MirrorIdentical}
		if len(cmp.Diffs) > 0 {
			cmp.Result = core.MirrorDifferent
		}
		m.record(cmp)
	}
}
