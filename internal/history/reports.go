package history

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// Report is one record a peer shared, as stored here.
type Report struct {
	Record *record.Record
	// Via is the peer it came through (not necessarily its reporter).
	Via string
	// Received is when this node stored it.
	Received time.Time
}

// Reports returns up to limit records that peers reported about ip, the
// most recently seen first. Each was validated when it arrived; a stored
// encoding that no longer decodes is skipped and logged.
func (h *History) Reports(ctx context.Context, ip netip.Addr, limit int) ([]Report, error) {
	rows, err := h.st.PeersReports(ctx, ip, limit)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := make([]Report, 0, len(rows))
	for _, row := range rows {
		r, err := record.Unmarshal(row.Data)
		if err != nil {
			h.logger.Warn("skipping a stored record that does not decode", "seq", row.Seq, "err", err)
			continue
		}
		out = append(out, Report{Record: r, Via: row.Via, Received: row.Received})
	}
	return out, nil
}
