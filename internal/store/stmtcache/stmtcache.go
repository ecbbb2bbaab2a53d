// Package stmtcache keeps each database connection's prepared statements for reuse.
//
// database/sql prepares, runs and discards a statement for every ExecContext or
// QueryContext call when the driver runs queries directly, and SQLite spends much of a
// short write transaction parsing the same few statements again. A Connector from New
// wraps a driver so that every connection remembers up to Size statements by their
// text, least recently used first out, and runs repeated queries on the statement it
// already prepared. Nothing about results, errors, transactions or argument conversion
// changes: the wrapped connection only stops offering the direct-query shortcut, so
// database/sql goes through Prepare, which the cache answers.
//
// A statement whose rows are still being read is never handed out twice: a second use
// of the same text while the first one's rows are open gets a statement of its own,
// closed after use. Statements longer than MaxLen (bulk inserts with thousands of
// parameters, whose text differs with each batch size) are not kept.
package stmtcache

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// Defaults for New when Size or MaxLen is zero.
const (
	DefaultSize   = 256
	DefaultMaxLen = 16 << 10
)

// Options size the cache of each connection.
type Options struct {
	Size   int // statements kept per connection; DefaultSize when zero
	MaxLen int // longest statement text kept, in bytes; DefaultMaxLen when zero
}

// New returns a Connector whose connections come from open and keep their prepared
// statements as Options say. open is called once per new connection.
func New(drv driver.Driver, open func(ctx context.Context) (driver.Conn, error), o Options) driver.Connector {
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLen
	}
	return &connector{drv: drv, open: open, opt: o}
}

// DSN returns a Connector over drv that opens every connection with drv.Open(dsn).
func DSN(drv driver.Driver, dsn string, o Options) driver.Connector {
	return New(drv, func(context.Context) (driver.Conn, error) { return drv.Open(dsn) }, o)
}

type connector struct {
	drv  driver.Driver
	open func(ctx context.Context) (driver.Conn, error)
	opt  Options
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	_, prep := inner.(driver.ConnPrepareContext)
	_, begin := inner.(driver.ConnBeginTx)
	if !prep || !begin {
		inner.Close()
		return nil, errors.New("stmtcache: the driver's connections must prepare and begin with a context")
	}
	return &conn{inner: inner, opt: c.opt, byText: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// conn is one connection and its statements. database/sql uses a connection from one
// goroutine at a time, so nothing here needs a lock.
type conn struct {
	inner  driver.Conn
	opt    Options
	byText map[string]*list.Element // statement text → element of lru holding *stmt
	lru    *list.List               // most recently used at the front
}

// The interfaces conn offers. It deliberately does not offer driver.ExecerContext or
// driver.QueryerContext, so every query goes through PrepareContext.
var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's kept statement for query when it has one
// that is not in use, and otherwise prepares one, keeping it when it is short enough.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if e, ok := c.byText[query]; ok {
		s := e.Value.(*stmt)
		if !s.busy {
			c.lru.MoveToFront(e)
			return s, nil
		}
	}
	inner, err := c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &stmt{inner: inner, conn: c, text: query}
	if len(query) > c.opt.MaxLen {
		return s, nil
	}
	if _, taken := c.byText[query]; taken {
		return s, nil // the kept one is busy; this one is used once
	}
	s.kept = true
	c.byText[query] = c.lru.PushFront(s)
	for c.lru.Len() > c.opt.Size {
		c.evict(c.lru.Back())
	}
	return s, nil
}

// evict drops e's statement from the cache, closing it now or, when its rows are still
// open, as soon as they close.
func (c *conn) evict(e *list.Element) {
	s := e.Value.(*stmt)
	c.lru.Remove(e)
	delete(c.byText, s.text)
	s.kept = false
	if !s.busy {
		s.inner.Close()
	}
}

// Close closes every kept statement, then the connection.
func (c *conn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if err := e.Value.(*stmt).inner.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.lru.Init()
	clear(c.byText)
	errs = append(errs, c.inner.Close())
	return errors.Join(errs...)
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// stmt is a prepared statement, kept by its connection or used once.
type stmt struct {
	inner driver.Stmt
	conn  *conn
	text  string
	kept  bool // in the connection's cache
	busy  bool // its rows are open
}

var (
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
)

// Close closes a statement that is used once; a kept statement stays prepared.
func (s *stmt) Close() error {
	if s.kept || s.busy {
		return nil
	}
	return s.inner.Close()
}

func (s *stmt) NumInput() int { return s.inner.NumInput() }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.inner.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("stmtcache: the driver's statements must execute with a context")
	}
	return e.ExecContext(ctx, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.inner.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("stmtcache: the driver's statements must query with a context")
	}
	r, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &rows{Rows: r, stmt: s}, nil
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

// rows frees its statement for reuse when closed and passes the driver's column type
// information through.
type rows struct {
	driver.Rows
	stmt *stmt
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	s := r.stmt
	if s.busy {
		s.busy = false
		if !s.kept {
			if cerr := s.inner.Close(); err == nil {
				err = cerr
			}
		}
	}
	return err
}

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypeLength(i int) (length int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
