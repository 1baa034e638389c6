package gateway

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"crmgw/adapters"
	"crmgw/core"
)

// metrics are the server's Prometheus metrics, in a registry of its own (two
// servers in one process, as in the tests, must not share the default one).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refusals *prometheus.CounterVec
	mirrored *prometheus.CounterVec
}

func newMetrics(db *sql.DB) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmgw_requests_total",
			Help: "Requests answered, by dialect, endpoint (the route), HTTP status and the code the dialect's answer carried.",
		}, []string{"dialect", "endpoint", "status", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmgw_request_duration_seconds",
			Help:    "Time to answer a request, by dialect and endpoint.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"dialect", "endpoint"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmgw_refusals_total",
			Help: "Requests refused by a limit: rate_limit (a token's rate), login (failed logins), body_budget, connections.",
		}, []string{"dialect", "reason"}),
		mirrored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmgw_mirror_compared_total",
			Help: "Requests answered by both crmgw and the upstream (mirror.mode), by dialect, endpoint and result: identical, different, error (the other side failed), skipped (mirror.concurrency full).",
		}, []string{"dialect", "endpoint", "result"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.refusals, m.mirrored,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "crmgw"))
	}
	return m
}

// watch reports, as they are read, what the shared limits hold: the body bytes
// being read and the open connections.
func (m *metrics) watch(bodies *bodyBudget, conns *connCount) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crmgw_buffered_body_bytes",
			Help: "Bytes of request bodies held while they are read, of limits.max_buffered_body_bytes."},
			func() float64 { return float64(bodies.used.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crmgw_open_connections",
			Help: "Connections open on the main listener, of limits.max_connections."},
			func() float64 { return float64(conns.open.Load()) }))
}

// handler serves the metrics in Prometheus' text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusClientGone is the status logged and counted for a request whose
// client went away before its answer (nginx's 499, "client closed
// request"): what failed then was the client's wait, not the server, and
// no 5xx alert must fire for it.
const statusClientGone = 499

// clientContextKey holds, in a request's echo context, the request's own
// context as the server gave it: requestLimits replaces the request's with
// one of its own deadline, canceled once the handler returns, which says
// nothing of the client.
const clientContextKey = "crmgw.client_context"

// answered is the status c's request is logged and counted with: the one
// answered, but statusClientGone for a failure that came of the client
// having gone away (its connection's context canceled: a query cut short, a 503).
func answered(c echo.Context) int {
	status := c.Response().Status
	client, _ := c.Get(clientContextKey).(context.Context)
	if status >= http.StatusInternalServerError && client != nil && errors.Is(client.Err(), context.Canceled) {
		return statusClientGone
	}
	return status
}

// observe counts each request once it is answered (its error rendered by the
// dialect, as the access log inside it does).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isShadow(c.Request()) { // the mirror's, no client's
			return next(c)
		}
		start := time.Now()
		c.Set(clientContextKey, c.Request().Context())
		err := next(c)
		dialect, endpoint := s.dialectOf(c.Request().URL.Path), c.Path()
		if endpoint == "" {
			endpoint = "unmatched" // any path at all: not a label value
		}
		s.metrics.requests.WithLabelValues(dialect, endpoint, strconv.Itoa(answered(c)), adapters.WireCode(c)).Inc()
		s.metrics.duration.WithLabelValues(dialect, endpoint).Observe(time.Since(start).Seconds())
		if reason := refusal(err); reason != "" {
			s.metrics.refusals.WithLabelValues(dialect, reason).Inc()
		}
		return err
	}
}

// refusal names the limit that refused a request, "" if none did.
func refusal(err error) string {
	switch e := core.AsError(err); {
	case err == nil:
		return ""
	case errors.Is(err, errBodyBudget):
		return "body_budget"
	case errors.Is(err, errConnections):
		return "connections"
	case e.Code == core.ELIMITED && e.Entity == "login":
		return "login"
	case e.Code == core.ELIMITED:
		return "rate_limit"
	}
	return ""
}
