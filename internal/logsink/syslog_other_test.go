//go:build windows || plan9

package logsink

import (
	"errors"
	"runtime"
	"testing"
)

func TestOpenSyslogUnsupported(t *testing.T) {
	s, err := OpenSyslog(SyslogConfig{}, testLogger(t))
	if s != nil || !errors.Is(err, ErrSyslogUnsupported) {
		t.Fatalf("OpenSyslog = %v, %v; want ErrSyslogUnsupported", s, err)
	}
	if want := "logsink: syslog is not supported on " + runtime.GOOS; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
