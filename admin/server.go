package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/risk"
)

// DefaultAddr is where the admin server listens unless configured otherwise: loopback only.
const DefaultAddr = "127.0.0.1:6060"

// Config is what the admin server serves. Every field but Addr and Logger is optional: what
// is nil is not served.
type Config struct {
	// Addr is the TCP address to listen on; empty means DefaultAddr. A non-loopback address
	// is allowed only because the caller set it explicitly, and Start logs a warning.
	Addr string
	// Stats is where the engine publishes its counters and histograms.
	Stats *Publisher
	// Risk supplies the risk state and rejection counts (an *risk.Checker).
	Risk RiskSource
	// Halt is the kill switch POST /halt calls (engine.Engine.Halt). It must be safe from any
	// goroutine. Nil answers /halt with 501.
	Halt func()
	// Feeds are the feeds whose connection counters are exported, one label value each.
	Feeds []Feed
	// Flight is the flight recorder whose counters are exported.
	Flight *FlightRecorder
	// Logger reports the listening address, warnings and kill switch use.
	Logger zerolog.Logger
}

// Server is the admin HTTP server: /debug/pprof/, /metrics, POST /halt and /healthz, on its
// own mux and its own Prometheus registry. Build it with New, then Start and Shutdown.
type Server struct {
	cfg     Config
	handler http.Handler
	reg     *prometheus.Registry

	mu    sync.Mutex // guards the fields below
	ln    net.Listener
	srv   *http.Server
	done  chan struct{} // closed when Serve has returned
	stop  func() bool   // unregisters the context watch
	watch chan struct{} // closed when the context watch has run, if it ran
	err   error         // what Serve returned, unless it was http.ErrServerClosed
}

// New builds the server's handlers and registry. It does not listen.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(newCollector(cfg.Stats, cfg.Risk, cfg.Feeds, cfg.Flight)); err != nil {
		return nil, fmt.Errorf("admin: register metrics: %w", err)
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("admin: register go metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("admin: register process metrics: %w", err)
	}
	s := &Server{cfg: cfg, reg: reg}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 2,
	}))
	mux.HandleFunc("/halt", s.serveHalt)
	mux.HandleFunc("/healthz", s.serveHealth)
	s.handler = mux
	return s, nil
}

// Handler returns the server's handler, for tests and for callers that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's Prometheus registry, for callers that add their own metrics.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Start listens on the configured address and serves in a goroutine until Shutdown, or until
// ctx is done. When it returns without error, Addr is the address listened on.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("admin: server already started")
	}
	loopback, err := isLoopback(s.cfg.Addr)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("admin: listen: %w", err)
	}
	if !loopback {
		s.cfg.Logger.Warn().Str("addr", ln.Addr().String()).
			Msg("admin server listens beyond loopback: anyone who reaches it can halt trading")
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		// No WriteTimeout: /debug/pprof/profile and /trace stream for as long as asked.
	}
	s.done = make(chan struct{})
	go s.serve(s.srv, ln, s.done)
	watch := make(chan struct{})
	s.watch = watch
	s.stop = context.AfterFunc(ctx, func() {
		defer close(watch)
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.shutdown(sctx); err != nil {
			s.cfg.Logger.Error().Err(err).Msg("admin server shutdown")
		}
	})
	s.cfg.Logger.Info().Str("addr", ln.Addr().String()).Msg("admin server listening")
	return nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener, done chan<- struct{}) {
	defer close(done)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.cfg.Logger.Error().Err(err).Msg("admin server stopped")
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
}

// Addr returns the address the server listens on, or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting connections, waits for the requests in flight until ctx is done,
// then closes whatever is left and waits for the serving goroutine to return. It is safe to
// call more than once and before Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	stop, watch := s.stop, s.watch
	s.mu.Unlock()
	err := s.shutdown(ctx)
	if stop != nil && !stop() {
		<-watch // the context was done first: its shutdown is running or has run
	}
	return err
}

// shutdown is Shutdown without waiting for the context watch, which calls it.
func (s *Server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("admin: shutdown: %w", err), srv.Close())
	}
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		err = errors.Join(err, fmt.Errorf("admin: serve: %w", s.err))
	}
	return err
}

// haltResponse is the body of a POST /halt answer.
type haltResponse struct {
	Halted bool   `json:"halted"`
	State  string `json:"state"`
}

// serveHalt pulls the kill switch on POST and answers with the risk state after it.
func (s *Server) serveHalt(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST to halt trading", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.Halt == nil {
		http.Error(w, "no kill switch configured", http.StatusNotImplemented)
		return
	}
	s.cfg.Halt()
	s.cfg.Logger.Warn().Str("remote", r.RemoteAddr).Msg("kill switch pulled over the admin server")
	state := risk.Halted
	if s.cfg.Risk != nil {
		state = s.cfg.Risk.State()
	}
	writeJSON(w, http.StatusOK, haltResponse{Halted: true, State: state.String()})
}

// healthResponse is the body of a /healthz answer.
type healthResponse struct {
	Status string `json:"status"`
	State  string `json:"state,omitempty"`
}

// serveHealth answers 200 while the process serves; the risk state is informative only.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	h := healthResponse{Status: "ok"}
	if s.cfg.Risk != nil {
		h.State = s.cfg.Risk.State().String()
	}
	writeJSON(w, http.StatusOK, h)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// isLoopback reports whether addr's host is a loopback address or "localhost". An empty
// host (":6060") listens on every interface, so it is not loopback.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("admin: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
