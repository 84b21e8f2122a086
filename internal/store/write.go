package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/netip"
	"time"
	"unsafe"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// writeAttempts is how many times a batch is tried before its events are
// counted as lost.
const writeAttempts = 4

const insertSQL = `INSERT INTO events (
	time, event_id, node_id, collected, transport,
	source_ip, source_port, destination_ip, destination_port,
	method, request_uri, called_number, called_number_norm,
	from_header, to_header, call_id, cseq, user_agent, contact, via,
	raw, raw_truncated, parse_error
) VALUES (?,?,?,?,?, ?,?,?,?, ?,?,?,?, ?,?,?,?,?,?,?, ?,?,?)`

const insertArgs = 23

// prepareInsert prepares the INSERT on the driver connection under wconn.
// Batches bypass database/sql's per-call argument conversion and allocation,
// which measured about a fifth of the cost of a row.
func (s *Store) prepareInsert(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.wconn.Raw(func(dc any) error {
		p, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("driver connection cannot prepare with a context")
		}
		st, err := p.PrepareContext(ctx, insertSQL)
		if err != nil {
			return fmt.Errorf("preparing insert: %w", err)
		}
		if _, ok := st.(driver.StmtExecContext); !ok {
			st.Close()
			return errors.New("driver statement cannot execute with a context")
		}
		s.ins = st
		return nil
	})
}

// Run writes the events it receives in batches until events is closed, then
// writes what it still holds and returns nil. Cancelling ctx is a hard stop:
// Run returns ctx.Err() promptly, after at most finishing the batch being
// written; the events it had gathered but not written are counted as lost,
// and those still in the channel are left there.
//
// Run never returns because of a write error: see the package documentation.
// Nil events are ignored.
func (s *Store) Run(ctx context.Context, events <-chan *event.Event) error {
	batch := make([]*event.Event, 0, s.cfg.BatchSize)
	args := make([]driver.NamedValue, insertArgs)
	for i := range args {
		args[i].Ordinal = i + 1
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		// A select picks at random among ready cases: check first, so that a
		// cancelled Run does not start another batch.
		if err := ctx.Err(); err != nil {
			return err
		}
		// Wait for the first event of a batch.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-events:
			if !ok {
				return nil
			}
			if e == nil {
				continue
			}
			batch = append(batch, e)
		}
		timer.Reset(s.cfg.FlushInterval)
		open, expired := true, false
	fill:
		for len(batch) < s.cfg.BatchSize {
			select {
			case e, ok := <-events:
				if !ok {
					open = false
					break fill
				}
				if e != nil {
					batch = append(batch, e)
				}
			case <-timer.C:
				expired = true
				break fill
			case <-ctx.Done():
				s.stats.eventsLost.Add(uint64(len(batch)))
				return ctx.Err()
			}
		}
		if !expired {
			timer.Stop()
		}
		if err := s.flush(ctx, batch, args); err != nil {
			return err
		}
		clear(batch) // let the events be collected
		batch = batch[:0]
		if !open {
			return nil
		}
	}
}

// flush writes batch, retrying with backoff. It returns an error only when
// ctx is cancelled during a backoff.
func (s *Store) flush(ctx context.Context, batch []*event.Event, args []driver.NamedValue) error {
	backoff := s.retryBackoff
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := s.writeBatch(batch, args)
		d := time.Since(start)
		s.stats.writeNanos.Add(int64(d))
		if err == nil {
			s.stats.lastBatchNanos.Store(int64(d))
			s.stats.batches.Add(1)
			s.stats.eventsStored.Add(uint64(len(batch)))
			return nil
		}
		if attempt == writeAttempts || errors.Is(err, ErrClosed) {
			s.stats.failedBatches.Add(1)
			s.stats.eventsLost.Add(uint64(len(batch)))
			s.logger.Error("events lost: batch write failed", "events", len(batch), "attempts", attempt, "err", err)
			return nil
		}
		s.stats.writeRetries.Add(1)
		s.logger.Warn("batch write failed, retrying", "events", len(batch), "attempt", attempt, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			s.stats.eventsLost.Add(uint64(len(batch)))
			return ctx.Err()
		case <-t.C:
		}
		backoff *= 2
	}
}

// writeBatch inserts batch in one transaction. It deliberately ignores the
// caller's context: a cancelled context would make the driver interrupt the
// statement and roll the whole batch back, and with a context that can be
// cancelled the driver also starts a goroutine per statement.
func (s *Store) writeBatch(batch []*event.Event, args []driver.NamedValue) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return ErrClosed
	}
	ctx := context.Background()
	ins := s.ins.(driver.StmtExecContext)
	return s.wconn.Raw(func(dc any) error {
		tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return fmt.Errorf("beginning batch: %w", err)
		}
		for _, e := range batch {
			bindEvent(args, e)
			if _, err := ins.ExecContext(ctx, args); err != nil {
				clearArgs(args)
				tx.Rollback()
				return fmt.Errorf("inserting event: %w", err)
			}
		}
		clearArgs(args)
		if err := tx.Commit(); err != nil {
			// The driver rolls back a failed commit.
			return fmt.Errorf("committing batch: %w", err)
		}
		return nil
	})
}

// bindEvent fills args, which has insertArgs entries, with e's columns in
// the order of insertSQL.
func bindEvent(args []driver.NamedValue, e *event.Event) {
	args[0].Value = e.Time.UnixNano()
	args[1].Value = e.ID[:]
	args[2].Value = e.NodeID[:]
	args[3].Value = int64(e.Collected)
	args[4].Value = int64(e.Transport)
	args[5].Value = addrText(e.Source)
	args[6].Value = int64(e.Source.Port())
	args[7].Value = addrText(e.Destination)
	args[8].Value = int64(e.Destination.Port())
	args[9].Value = e.Method
	args[10].Value = e.RequestURI
	args[11].Value = e.CalledNumber
	args[12].Value = e.CalledNumberNorm
	args[13].Value = e.From
	args[14].Value = e.To
	args[15].Value = e.CallID
	args[16].Value = e.CSeq
	args[17].Value = e.UserAgent
	args[18].Value = e.Contact
	args[19].Value = e.Via
	args[20].Value = stringBytes(e.Raw)
	args[21].Value = e.RawTruncated
	args[22].Value = e.ParseError
}

// clearArgs drops the references to the last event.
func clearArgs(args []driver.NamedValue) {
	for i := range args {
		args[i].Value = nil
	}
}

func addrText(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return ""
	}
	return ap.Addr().String()
}

// stringBytes returns s's bytes without copying them. The driver only reads
// a bound []byte, copying it into SQLite's memory before the statement runs,
// so the string's immutability is kept; saving the copy matters for the
// largest column at 100k rows/s. An empty s gives a non-nil empty slice,
// because the driver binds a nil slice as NULL.
func stringBytes(s string) []byte {
	if len(s) == 0 {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
