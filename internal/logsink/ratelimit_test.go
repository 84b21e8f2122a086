package logsink

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// recordingHandler keeps the suppressed count of every record (-1 if none).
type recordingHandler struct{ suppressed []int64 }

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	n := int64(-1)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "suppressed" {
			n = a.Value.Int64()
		}
		return true
	})
	h.suppressed = append(h.suppressed, n)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func TestErrorLog(t *testing.T) {
	tests := []struct {
		name string
		at   []time.Duration // when each error happens
		want []int64         // suppressed count of each logged record
	}{
		{"single", []time.Duration{0}, []int64{-1}},
		{"burst is logged once", []time.Duration{0, 1, 2, 3}, []int64{-1}},
		{"next record counts the suppressed", []time.Duration{0, time.Second, 2 * time.Second, errorLogInterval}, []int64{-1, 2}},
		{"spaced errors all logged", []time.Duration{0, errorLogInterval, 2 * errorLogInterval}, []int64{-1, -1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &recordingHandler{}
			clock := newFakeClock()
			start := clock.now()
			l := errorLog{logger: slog.New(h), now: clock.now}
			for _, at := range tc.at {
				clock.advance(start.Add(at).Sub(clock.now()))
				l.log("failed", errors.New("boom"))
			}
			if len(h.suppressed) != len(tc.want) {
				t.Fatalf("%d records, want %d", len(h.suppressed), len(tc.want))
			}
			for i := range tc.want {
				if h.suppressed[i] != tc.want[i] {
					t.Errorf("record %d: suppressed %d, want %d", i, h.suppressed[i], tc.want[i])
				}
			}
		})
	}
}
