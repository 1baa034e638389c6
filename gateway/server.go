// Package gateway is the HTTP server: shared middleware, the dialects mounted
// under their prefixes, health endpoints and graceful shutdown.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"crmgw/adapters"
	"crmgw/adapters/openapi"
	"crmgw/config"
	"crmgw/core"
)

// Server is crmgw's HTTP server.
type Server struct {
	cfg      config.Config
	svc      *core.Service
	log      *slog.Logger
	echo     *echo.Echo
	dialects []adapters.Dialect
	secrets  map[string]bool // lower-cased: the parameters any dialect carries credentials in
	bodies   bodyBudget
	conns    connCount
	// trusted are the proxies whose forwarding headers count.
	trusted []*net.IPNet
	metrics *metrics
	admin   *echo.Echo // the operator's: metrics and health, on admin.listen
	mirror  *mirror    // nil unless mirror.mode sends some dialect's requests to its upstream
}

// New builds the server: the same constructor serves `crmgw serve` and the tests.
func New(cfg config.Config, svc *core.Service, log *slog.Logger) *Server {
	sqlDB, _ := svc.SQLDB() // nil for a service without a database: no pool metrics
	s := &Server{cfg: cfg, svc: svc, log: log, echo: echo.New(), trusted: cfg.TrustedProxyNets(), metrics: newMetrics(sqlDB),
		secrets: map[string]bool{}}
	s.bodies.limit, s.conns.max = cfg.Limits.MaxBufferedBodyBytes, int64(cfg.Limits.MaxConnections)
	s.metrics.watch(&s.bodies, &s.conns)
	s.mirror = newMirror(s, cfg)
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.trustProxies(e)
	e.Pre(s.clientHeaders, s.canonicalPaths)
	e.Use(middleware.RequestID())
	e.Use(s.observe)
	e.Use(s.accessLog())
	e.Use(encodedSlashes)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "request_id", requestID(c), "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.requestLimits)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	for _, d := range dialects(cfg, svc, log) {
		s.mount(d)
	}
	s.admin = s.newAdmin()
	return s
}

// trustProxies has e read the client's address and scheme from the
// forwarding headers of trusted_proxies only: echo trusts private and
// loopback peers by default.
func (s *Server) trustProxies(e *echo.Echo) {
	e.IPExtractor, e.SchemeExtractor = echo.ExtractIPDirect(), echo.ExtractSchemeDirect()
	if len(s.trusted) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range s.trusted {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor, e.SchemeExtractor = echo.ExtractIPFromXFFHeader(trust...), echo.ExtractSchemeFromHeaders(trust...)
	}
}

// newAdmin is the operator's listener: Prometheus metrics, each enabled
// dialect's OpenAPI document at /openapi/<dialect>.json, the health
// endpoints (which the main listener serves too, for load balancers) and
// the console (console.go).
func (s *Server) newAdmin() *echo.Echo {
	a := echo.New()
	a.HideBanner, a.HidePort = true, true
	s.trustProxies(a)
	a.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	a.GET("/healthz", s.healthz)
	a.GET("/readyz", s.readyz)
	s.mountConsole(a)
	for _, d := range s.dialects {
		doc, err := openapi.Document(d)
		if err != nil { // the table's own fault, the same on every start: its tests fail first
			panic(err)
		}
		body, err := json.Marshal(doc)
		if err != nil {
			panic(err)
		}
		a.GET("/openapi/"+d.Name+".json", func(c echo.Context) error {
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
		})
	}
	return a
}

// AdminHandler is the admin listener's handler.
func (s *Server) AdminHandler() http.Handler { return s.admin }

// dialectOf names the dialect whose paths hold path, "none" for the gateway's own.
func (s *Server) dialectOf(path string) string {
	if d := s.owner(path); d != nil {
		return d.Name
	}
	return "none"
}

// owner is the dialect whose prefixes hold path, nil if none does.
func (s *Server) owner(path string) *adapters.Dialect {
	for i, d := range s.dialects {
		for _, p := range d.Prefixes {
			if path == p || strings.HasPrefix(path, p+"/") {
				return &s.dialects[i]
			}
		}
	}
	return nil
}

// mount serves a dialect's endpoints; errors under its prefixes are its to render.
func (s *Server) mount(d adapters.Dialect) {
	for _, ep := range d.Endpoints {
		if s.mirror == nil {
			s.echo.Match(ep.Methods, ep.Path, ep.Handler, ep.Middleware...)
			continue
		}
		// The mirror decides before the endpoint's own middleware runs: a
		// request forwarded is neither bound nor authenticated by crmgw.
		h := ep.Handler
		for i := len(ep.Middleware) - 1; i >= 0; i-- {
			h = ep.Middleware[i](h)
		}
		s.echo.Match(ep.Methods, ep.Path, s.mirror.wrap(&d, ep, h))
	}
	if h := s.mirror.forwardUnserved(&d); h != nil {
		for _, p := range d.Prefixes {
			s.echo.Any(p+"/*", h)
		}
	}
	for _, name := range d.Credentials {
		s.secrets[strings.ToLower(name)] = true
	}
	s.dialects = append(s.dialects, d)
}

// requestIDs are the X-Request-Id values taken from a client: short, and
// nothing that could break a log line or a header. Any other is replaced.
var requestIDs = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// clientHeaders drops, before anything reads them, the headers a client may
// not set: an X-Request-Id that is not a short id (one is made instead), and
// X-Forwarded-Host unless it came from a trusted proxy (echo's extractors
// weigh X-Forwarded-For and -Proto the same way; the host is read by dialects
// that build URLs).
func (s *Server) clientHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if id := h.Get(echo.HeaderXRequestID); id != "" && !requestIDs.MatchString(id) {
			h.Del(echo.HeaderXRequestID)
		}
		if !s.fromTrustedProxy(c.Request()) {
			h.Del("X-Forwarded-Host")
		}
		return next(c)
	}
}

// fromTrustedProxy reports whether r's peer is one of trusted_proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	ip := net.ParseIP(echo.ExtractIPDirect()(r))
	for _, n := range s.trusted {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// encodedSlashes answers 404 for a path holding an encoded slash: %2F is not
// a separator, and no route of any dialect has a segment holding one, so
// "Customer%2fGet.ashx" must not reach Customer/Get.ashx (nor an id a "/").
func encodedSlashes(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); hasEncodedSlash(r) {
			// The path as sent, for the dialect's answer to name what was asked for.
			r.URL.Path = r.URL.RawPath
			return echo.ErrNotFound
		}
		return next(c)
	}
}

func hasEncodedSlash(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.URL.RawPath), "%2f")
}

// canonicalPaths respells, before routing, a path that a dialect matches in
// any case. One holding an encoded slash is left for encodedSlashes to refuse.
func (s *Server) canonicalPaths(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if hasEncodedSlash(r) {
			return next(c)
		}
		for _, d := range s.dialects {
			if d.Canonical == nil {
				continue
			}
			if p, found := d.Canonical(r.URL.Path); found {
				r.URL.Path, r.URL.RawPath = p, ""
				break
			}
		}
		return next(c)
	}
}

// Routes lists every route served, so that tests can walk them all.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// Handler is the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// handleError hands an error to the dialect whose prefix the path is under.
// An error worth retrying (rate limited, database unavailable) says when in
// Retry-After, whatever the dialect.
func (s *Server) handleError(err error, c echo.Context) {
	if wait := core.AsError(err).RetryAfter; wait > 0 && !c.Response().Committed {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	if d := s.owner(c.Request().URL.Path); d != nil {
		d.HandleError(err, c)
		return
	}
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		code = he.Code
	case core.ErrorCode(err) == core.EUNAVAILABLE:
		code = http.StatusServiceUnavailable
	default:
		s.log.Error("internal error", "request_id", requestID(c), "error", err)
	}
	_ = c.JSON(code, map[string]string{"error": strings.ToLower(http.StatusText(code))})
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// Serve answers on ln, and with the admin handler on admin (if not nil),
// until ctx is done; then it lets in-flight requests finish for up to the
// configured grace period and returns nil.
func (s *Server) Serve(ctx context.Context, ln, admin net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.Limits.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.Limits.ReadTimeout,
		WriteTimeout:      s.cfg.Limits.WriteTimeout,
		IdleTimeout:       s.cfg.Limits.IdleTimeout,
		// Twice the limit: headers between the two get requestLimits' answer in
		// the dialect's shape, only larger ones net/http's bare 431.
		MaxHeaderBytes: 2 * s.cfg.Limits.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:    s.conns.connContext,
		ConnState:      s.conns.connState,
	}
	go s.pruneMirrorEvery(ctx, pruneInterval)
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if admin != nil {
		// The operator's: its own timeouts, none of the clients' limits.
		a := &http.Server{Handler: s.admin, ReadHeaderTimeout: s.cfg.Limits.ReadHeaderTimeout,
			WriteTimeout: s.cfg.Limits.WriteTimeout, ErrorLog: srv.ErrorLog}
		servers = append(servers, a)
		go func() { errc <- a.Serve(admin) }()
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.cfg.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			return err
		}
	}
	if s.mirror != nil {
		s.mirror.close(sctx)
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// requestLimits holds every request to the configured limits before a dialect
// sees it, so that each rejection is rendered in the dialect's shape: a
// connection past max_connections (503, and the connection closed), headers
// over max_header_bytes (431), a body over max_body_bytes (413), over what is
// left of max_buffered_body_bytes (503) or not sent within read_timeout (408).
// The body is read here, whole, so that no handler meets those errors halfway
// through binding; and the handler's work gets request_timeout, past which its
// database calls give up (503).
func (s *Server) requestLimits(next echo.HandlerFunc) echo.HandlerFunc {
	limits := s.cfg.Limits
	return func(c echo.Context) error {
		r := c.Request()
		// The health endpoints are answered whatever the load: an orchestrator
		// must not restart a process for being crowded.
		if isOverCapacity(r) && c.Path() != "/healthz" && c.Path() != "/readyz" {
			c.Response().Header().Set(echo.HeaderConnection, "close")
			return errConnections
		}
		if headerBytes(r) > limits.MaxHeaderBytes {
			return echo.NewHTTPError(http.StatusRequestHeaderFieldsTooLarge)
		}
		if r.ContentLength > limits.MaxBodyBytes {
			return echo.ErrStatusRequestEntityTooLarge
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, held, err := s.readBody(c)
			defer s.bodies.give(held)
			var tooLarge *http.MaxBytesError
			var netErr net.Error
			switch {
			case errors.Is(err, errBodyBudget):
				return err
			case errors.As(err, &tooLarge):
				return echo.ErrStatusRequestEntityTooLarge
			case errors.As(err, &netErr) && netErr.Timeout():
				return echo.NewHTTPError(http.StatusRequestTimeout)
			case err != nil: // the client went away mid-body
				return echo.NewHTTPError(http.StatusBadRequest, "the request body could not be read")
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			c.Set(bodyKey, body)
		}
		ctx, cancel := context.WithTimeout(r.Context(), limits.RequestTimeout)
		defer cancel()
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

// scratch holds what one read of a body brings, before the budget has room
// for it: a client that announces a megabyte holds only what it has sent.
var scratch = sync.Pool{New: func() any { return new([4 << 10]byte) }}

// readBody reads the request's body whole, as it arrives. Its buffer grows
// (doubling, up to the announced length or max_body_bytes) only once bytes
// come that do not fit, and every byte of it is held in the body budget
// first. held is what the request must give back when it ends, whatever err.
func (s *Server) readBody(c echo.Context) (body []byte, held int64, err error) {
	r := c.Request()
	limit := s.cfg.Limits.MaxBodyBytes
	if r.ContentLength > 0 {
		limit = r.ContentLength // checked against max_body_bytes already
	}
	src := http.MaxBytesReader(c.Response(), r.Body, s.cfg.Limits.MaxBodyBytes)
	buf := scratch.Get().(*[4 << 10]byte)
	defer scratch.Put(buf)
	for {
		// Into the buffer's room, which the budget holds already; once it is
		// full, a little into the scratch, and the buffer grows by what came.
		into, full := body[len(body):cap(body)], len(body) == cap(body)
		if full {
			into = buf[:]
		}
		n, err := src.Read(into)
		if full && n > 0 {
			grown := min(max(2*int64(cap(body)), int64(len(body)+n)), limit) // src never passes limit
			if !s.bodies.take(grown - int64(cap(body))) {
				return nil, held, errBodyBudget
			}
			held += grown - int64(cap(body))
			body = append(append(make([]byte, 0, grown), body...), buf[:n]...)
		} else if !full {
			body = body[:len(body)+n]
		}
		switch {
		case err == io.EOF:
			return body, held, nil
		case err != nil:
			return nil, held, err
		}
	}
}

// headerBytes is the size of the request line and headers, as net/http counts them.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }
