package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandemprm/tandem/internal/jobs"
	"github.com/tandemprm/tandem/internal/store"
)

// metrics holds the process's Prometheus registry and the instruments the server
// updates. Nothing is registered globally.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(db *store.DB, q *jobs.Queue) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tandem_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "write"))
	if db.Reader() != db.SQL() {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db.Reader(), "read"))
	}
	if q != nil {
		m.reg.MustRegister(queueCollector{q})
	}
	if _, ok := db.WriterQueue(); ok {
		m.reg.MustRegister(writerCollector{db})
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// queueCollector reports the job queue's depth and lag at scrape time.
type queueCollector struct{ q *jobs.Queue }

var (
	queueReadyDesc = prometheus.NewDesc("tandem_jobs_ready", "Jobs due and waiting for a worker.", nil, nil)
	queueLagDesc   = prometheus.NewDesc("tandem_jobs_lag_seconds", "How long the oldest ready job has waited past its scheduled time.", nil, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueReadyDesc
	ch <- queueLagDesc
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.q.Stats(ctx, time.Now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueReadyDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueReadyDesc, prometheus.GaugeValue, float64(st.Ready))
	ch <- prometheus.MustNewConstMetric(queueLagDesc, prometheus.GaugeValue, st.Lag.Seconds())
}

// writerCollector reports SQLite's writer queue by class of work (request or
// background): writers waiting now, transactions admitted and time spent waiting.
type writerCollector struct{ db *store.DB }

var (
	writerWaitingDesc = prometheus.NewDesc("tandem_db_writer_waiting", "Write transactions waiting for SQLite's single writer, by class of work.", []string{"class"}, nil)
	writerTurnsDesc   = prometheus.NewDesc("tandem_db_writer_transactions_total", "Write transactions admitted to SQLite's single writer, by class of work.", []string{"class"}, nil)
	writerWaitDesc    = prometheus.NewDesc("tandem_db_writer_wait_seconds_total", "Time write transactions spent waiting for SQLite's single writer, by class of work.", []string{"class"}, nil)
	writerClasses     = [2]string{"request", "background"}
)

func (c writerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- writerWaitingDesc
	ch <- writerTurnsDesc
	ch <- writerWaitDesc
}

func (c writerCollector) Collect(ch chan<- prometheus.Metric) {
	q, _ := c.db.WriterQueue()
	for i, class := range writerClasses {
		ch <- prometheus.MustNewConstMetric(writerWaitingDesc, prometheus.GaugeValue, float64(q.Waiting[i]), class)
		ch <- prometheus.MustNewConstMetric(writerTurnsDesc, prometheus.CounterValue, float64(q.Turns[i]), class)
		ch <- prometheus.MustNewConstMetric(writerWaitDesc, prometheus.CounterValue, q.Waited[i].Seconds(), class)
	}
}
