package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// peersBody is the part of GET /api/v1/peers the harness reads.
type peersBody struct {
	Peers []struct {
		PeerID string `json:"peer_id"`
	} `json:"peers"`
}

// numberList is the part of GET /api/v1/numbers the harness reads.
type numberList struct {
	Total int `json:"total"`
}

func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, nil
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	b, err := get(ctx, client, url)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// scrape reads a Prometheus text page into series → value, the series
// named as written: `name{label="value"}`.
func scrape(ctx context.Context, client *http.Client, url string) (map[string]float64, error) {
	b, err := get(ctx, client, url)
	if err != nil {
		return nil, err
	}
	return parseMetrics(string(b))
}

func parseMetrics(text string) (map[string]float64, error) {
	m := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("metrics: malformed line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: line %q: %w", line, err)
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// p2pCounters are one node's counters at the end of a run.
type p2pCounters struct {
	peers, topicPeers     int
	gossip, sync, dropped float64
	// sendDropped and validateDropped are pubsub's own drops (full
	// outbound or validation queues).
	sendDropped, validateDropped float64
	rejected                     map[string]float64 // by reason
}

func countersFrom(m map[string]float64) p2pCounters {
	c := p2pCounters{
		peers:           int(m["sentrypeer_p2p_peers"]),
		topicPeers:      int(m["sentrypeer_p2p_topic_peers"]),
		gossip:          m[`sentrypeer_p2p_records_received_total{via="gossip"}`],
		sync:            m[`sentrypeer_p2p_records_received_total{via="sync"}`],
		dropped:         m["sentrypeer_p2p_records_dropped_total"],
		sendDropped:     m["sentrypeer_p2p_gossip_send_dropped_total"],
		validateDropped: m["sentrypeer_p2p_gossip_validate_dropped_total"],
		rejected:        map[string]float64{},
	}
	const prefix = `sentrypeer_p2p_records_rejected_total{reason="`
	for k, v := range m {
		if reason, ok := strings.CutPrefix(k, prefix); ok {
			c.rejected[strings.TrimSuffix(reason, `"}`)] = v
		}
	}
	return c
}
