package live

import (
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestHub(t *testing.T) {
	h := New()
	fast, cancelFast := h.Subscribe(10)
	slow, _ := h.Subscribe(1)
	gone, cancelGone := h.Subscribe(10)
	cancelGone()
	cancelGone() // twice is fine

	q := event.NewQueue(3)
	for _, m := range []string{"A", "B", "C"} {
		q.Put(&event.Event{Method: m})
	}
	q.Close()
	if err := h.Run(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	var got string
	for e := range fast.C() { // closed by Run's end
		got += e.Method
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"fast got all", got, "ABC"},
		{"slow kept one", len(slow.C()), 1},
		{"slow dropped two", slow.Dropped(), uint64(2)},
		{"stats", h.Stats(), Stats{Subscribers: 0, Delivered: 4, Dropped: 2}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if _, ok := <-gone.C(); ok {
		t.Error("a cancelled subscription got an event")
	}
	cancelFast() // after the hub closed: no double close
	late, _ := h.Subscribe(1)
	if _, ok := <-late.C(); ok {
		t.Error("a subscription to a stopped hub is open")
	}
}
