package store

import (
	"os"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a [Store]'s counters, all since Open.
type Stats struct {
	// EventsStored counts events committed to the database.
	EventsStored uint64
	// EventsLost counts events the store received but did not write: their
	// batch failed every attempt, or Run was cancelled while holding them.
	EventsLost uint64
	// Batches counts committed batches.
	Batches uint64
	// FailedBatches counts batches given up after every attempt failed;
	// their events are in EventsLost.
	FailedBatches uint64
	// WriteRetries counts failed batch attempts that were retried.
	WriteRetries uint64
	// RetentionDeleted counts events deleted for being older than MaxAge.
	RetentionDeleted uint64
	// RetentionErrors counts retention passes that stopped on an error.
	RetentionErrors uint64
	// SharedDeleted counts shared records deleted for being older than
	// MaxAge.
	SharedDeleted uint64
	// LastBatchDuration is how long the last committed batch took to write.
	LastBatchDuration time.Duration
	// WriteTime is the total time spent writing batches, encoding and
	// failed attempts included.
	WriteTime time.Duration
	// FileBytes is the size on disk of the database and its write-ahead
	// log; 0 for an in-memory database.
	FileBytes int64
}

// counters are the live values behind [Stats].
type counters struct {
	eventsStored     atomic.Uint64
	eventsLost       atomic.Uint64
	batches          atomic.Uint64
	failedBatches    atomic.Uint64
	writeRetries     atomic.Uint64
	retentionDeleted atomic.Uint64
	retentionErrors  atomic.Uint64
	sharedDeleted    atomic.Uint64
	lastBatchNanos   atomic.Int64
	writeNanos       atomic.Int64
}

// Stats returns the store's counters. It is cheap and safe to call at any
// time, also after Close.
func (s *Store) Stats() Stats {
	c := &s.stats
	return Stats{
		EventsStored:      c.eventsStored.Load(),
		EventsLost:        c.eventsLost.Load(),
		Batches:           c.batches.Load(),
		FailedBatches:     c.failedBatches.Load(),
		WriteRetries:      c.writeRetries.Load(),
		RetentionDeleted:  c.retentionDeleted.Load(),
		RetentionErrors:   c.retentionErrors.Load(),
		SharedDeleted:     c.sharedDeleted.Load(),
		LastBatchDuration: time.Duration(c.lastBatchNanos.Load()),
		WriteTime:         time.Duration(c.writeNanos.Load()),
		FileBytes:         diskSize(s.path) + diskSize(s.path+"-wal"),
	}
}

func diskSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
