package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// Components: the value of the ComponentKey attribute, and with
// LogOptions.FilesDir the name of the file the record goes to
// (<component>.log), as Kafka's log4j setup splits server.log,
// state-change.log, controller.log and kafka-request.log.
const (
	ComponentKey         = "component"
	ComponentServer      = "server"
	ComponentStateChange = "state-change"
	ComponentController  = "controller"
	ComponentRequest     = "request"
)

var components = []string{ComponentServer, ComponentStateChange, ComponentController, ComponentRequest}

// LogOptions configures NewLogger. The zero value logs text at Info to
// stderr.
type LogOptions struct {
	// Format is "text" (or empty) or "json" (sluice.log.format).
	Format string
	// Level is the minimum level (default Info).
	Level slog.Leveler
	// FilesDir, when set (sluice.log.files.dir), sends each component's
	// records to <FilesDir>/<component>.log. Server records (and records
	// with no or an unknown component) also go to Stderr, as Kafka's
	// server.log records also go to stdout; the other components go to
	// their file only.
	FilesDir string
	// Stderr is the console stream (default os.Stderr).
	Stderr io.Writer
}

// NewLogger builds the broker's logger. Give each subsystem its own with
// Component. The closer closes the component files (no-op without FilesDir).
func NewLogger(o LogOptions) (*slog.Logger, io.Closer, error) {
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Level == nil {
		o.Level = slog.LevelInfo
	}
	newHandler, err := handlerMaker(o)
	if err != nil {
		return nil, nil, err
	}
	console := newHandler(o.Stderr)
	if o.FilesDir == "" {
		return slog.New(console), nopCloser{}, nil
	}
	if err := os.MkdirAll(o.FilesDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("obs: log files dir: %w", err)
	}
	r := &router{console: console, files: make(map[string]slog.Handler)}
	for _, c := range components {
		f, err := os.OpenFile(filepath.Join(o.FilesDir, c+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			r.closeFiles()
			return nil, nil, fmt.Errorf("obs: open %s.log: %w", c, err)
		}
		r.closers = append(r.closers, f)
		r.files[c] = newHandler(f)
	}
	return slog.New(&routeHandler{r: r, component: ""}), r, nil
}

// Component returns l with the component attribute set.
func Component(l *slog.Logger, name string) *slog.Logger { return l.With(ComponentKey, name) }

func handlerMaker(o LogOptions) (func(io.Writer) slog.Handler, error) {
	ho := &slog.HandlerOptions{Level: o.Level}
	switch o.Format {
	case "", "text":
		return func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, ho) }, nil
	case "json":
		return func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, ho) }, nil
	}
	return nil, fmt.Errorf("%w (got %q)", ErrBadLogFormat, o.Format)
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// router holds the per-component handlers shared by every routeHandler
// derived from one logger.
type router struct {
	console slog.Handler
	files   map[string]slog.Handler
	closers []io.Closer
}

func (r *router) Close() error { return r.closeFiles() }

func (r *router) closeFiles() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c.Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// routeHandler sends each record to its component's file (and server
// records to the console too). The component comes from With (remembered
// in component) or from the record's own attributes.
type routeHandler struct {
	r         *router
	component string
	// derived handlers with the same attrs/groups applied, per target
	console slog.Handler
	files   map[string]slog.Handler
}

func (h *routeHandler) consoleH() slog.Handler {
	if h.console != nil {
		return h.console
	}
	return h.r.console
}

func (h *routeHandler) fileH(c string) slog.Handler {
	if h.files != nil {
		return h.files[c]
	}
	return h.r.files[c]
}

func (h *routeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.consoleH().Enabled(ctx, l)
}

func (h *routeHandler) Handle(ctx context.Context, rec slog.Record) error {
	comp := h.component
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == ComponentKey {
			comp = a.Value.String()
			return false
		}
		return true
	})
	var errs []error
	fh := h.fileH(comp)
	if fh == nil {
		fh = h.fileH(ComponentServer)
	}
	if fh.Enabled(ctx, rec.Level) {
		errs = append(errs, fh.Handle(ctx, rec.Clone()))
	}
	if comp == "" || comp == ComponentServer || h.r.files[comp] == nil {
		errs = append(errs, h.consoleH().Handle(ctx, rec))
	}
	return errors.Join(errs...)
}

func (h *routeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := &routeHandler{r: h.r, component: h.component, console: h.consoleH().WithAttrs(as), files: make(map[string]slog.Handler)}
	for _, a := range as {
		if a.Key == ComponentKey {
			n.component = a.Value.String()
		}
	}
	for _, c := range components {
		n.files[c] = h.fileH(c).WithAttrs(as)
	}
	return n
}

func (h *routeHandler) WithGroup(name string) slog.Handler {
	n := &routeHandler{r: h.r, component: h.component, console: h.consoleH().WithGroup(name), files: make(map[string]slog.Handler)}
	for _, c := range components {
		n.files[c] = h.fileH(c).WithGroup(name)
	}
	return n
}
