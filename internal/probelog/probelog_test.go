package probelog

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestRunRateLimits(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(1000, 0)
	s := &Sink{Logger: slog.New(slog.NewTextHandler(&buf, nil)), PerSecond: 3, Now: func() time.Time { return clock }}
	q := event.NewQueue(10)
	for range 10 {
		q.Put(&event.Event{Source: netip.MustParseAddrPort("192.0.2.1:5060"), Method: "OPTIONS", UserAgent: "friendly-scanner"})
	}
	q.Close()
	if err := s.Run(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if got := strings.Count(out, "msg=probe "); got != 3 {
		t.Errorf("%d probe lines, want 3:\n%s", got, out)
	}
	if !strings.Contains(out, "count=7") || !strings.Contains(out, "user_agent=friendly-scanner") {
		t.Errorf("missing skipped count or fields:\n%s", out)
	}
}
