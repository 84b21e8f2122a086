package logsink

import "fmt"

// Reopen makes the sink write to a freshly opened file at its path, for
// SIGHUP after logrotate has renamed the old file away. Lines buffered
// before the call go to the old file; lines of events handled after it
// returns go to the new one; none is lost or written twice.
//
// Reopen is safe to call while Run is running; it waits for at most one
// batch of writes. If the new file cannot be opened, the sink keeps writing
// to the old one and Reopen returns the error.
func (j *JSON) Reopen() error {
	f, err := openAppend(j.path)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		f.Close()
		return ErrClosed
	}
	j.flushLocked()
	old := j.f
	j.f, j.midLine = f, false
	j.reopens.Add(1)
	if err := old.Close(); err != nil {
		return fmt.Errorf("logsink: closing rotated JSON log %q: %w", j.path, err)
	}
	return nil
}
