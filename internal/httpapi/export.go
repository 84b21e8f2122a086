package httpapi

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/index"
)

// exported is one IP or number in a JSON export.
type exported struct {
	IP        string    `json:"ip,omitempty"`
	Number    string    `json:"number,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Count     int64     `json:"count"`
}

type exportJSON struct {
	GeneratedAt time.Time   `json:"generated_at"`
	IPs         *[]exported `json:"ip_addresses,omitempty"`
	Numbers     *[]exported `json:"numbers,omitempty"`
}

// nftChunk: elements per "add element" line, so that no line is huge.
const nftChunk = 1000

func (a *api) export(w http.ResponseWriter, r *http.Request) {
	p := params{q: r.URL.Query()}
	p.known("format", "kind", "min_count")
	format := p.oneOf("format", "txt", "csv", "json", "nft", "ipset")
	kind := p.oneOf("kind", "ips", "numbers", "all")
	minCount := int64(p.intIn("min_count", 1, 1, 1<<31-1))
	if p.param == "" && kind != "ips" && (format == "nft" || format == "ipset") {
		p.fail("kind", "the "+format+" format holds IP addresses only")
	}
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	var ips, numbers []index.Entry
	if kind != "numbers" {
		ips = atLeast(a.cfg.Index.AllIPs(), minCount)
	}
	if kind != "ips" {
		numbers = atLeast(a.cfg.Index.AllNumbers(), minCount)
	}
	now := a.cfg.Now().UTC()
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	switch format {
	case "txt":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, e := range append(ips, numbers...) {
			bw.WriteString(e.Key + "\n")
		}
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		c := csv.NewWriter(bw)
		c.Write([]string{"kind", "value", "first_seen", "last_seen", "count"})
		for _, l := range []struct {
			kind    string
			entries []index.Entry
		}{{"ip", ips}, {"number", numbers}} {
			for _, e := range l.entries {
				c.Write([]string{l.kind, e.Key, e.First.Format(time.RFC3339Nano), e.Last.Format(time.RFC3339Nano), strconv.FormatInt(e.Count, 10)})
			}
		}
		c.Flush()
	case "json":
		out := exportJSON{GeneratedAt: now}
		if kind != "numbers" {
			out.IPs = exports(ips, true)
		}
		if kind != "ips" {
			out.Numbers = exports(numbers, false)
		}
		writeJSON(bw2w(w, bw), http.StatusOK, out)
	case "nft":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		writeNft(bw, ips, now)
	case "ipset":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		writeIPSet(bw, ips, now)
	}
}

// bw2w lets writeJSON set headers on w and write the body through bw.
func bw2w(w http.ResponseWriter, bw *bufio.Writer) http.ResponseWriter {
	return bufferedWriter{w, bw}
}

type bufferedWriter struct {
	http.ResponseWriter
	bw *bufio.Writer
}

func (b bufferedWriter) Write(p []byte) (int, error) { return b.bw.Write(p) }

func atLeast(entries []index.Entry, n int64) []index.Entry {
	if n <= 1 {
		return entries
	}
	out := entries[:0]
	for _, e := range entries {
		if e.Count >= n {
			out = append(out, e)
		}
	}
	return out
}

func exports(entries []index.Entry, isIP bool) *[]exported {
	out := make([]exported, len(entries))
	for i, e := range entries {
		out[i] = exported{FirstSeen: e.First, LastSeen: e.Last, Count: e.Count}
		if isIP {
			out[i].IP = e.Key
		} else {
			out[i].Number = e.Key
		}
	}
	return &out
}

// splitFamilies splits IPs into IPv4 and IPv6 (IPv4-mapped addresses are
// IPv6 to a firewall).
func splitFamilies(ips []index.Entry) (v4, v6 []string) {
	for _, e := range ips {
		if a, err := netip.ParseAddr(e.Key); err == nil && a.Is4() {
			v4 = append(v4, e.Key)
		} else {
			v6 = append(v6, e.Key)
		}
	}
	return v4, v6
}

// writeNft writes a script for "nft -f": it creates the sets if needed and
// replaces their contents in one transaction.
func writeNft(w *bufio.Writer, ips []index.Entry, now time.Time) {
	v4, v6 := splitFamilies(ips)
	fmt.Fprintf(w, "#!/usr/sbin/nft -f\n# SentryPeer bad actors, %s: %d IPv4, %d IPv6.\n", now.Format(time.RFC3339), len(v4), len(v6))
	w.WriteString("# Use: nft -f THIS. To drop their traffic, once: nft add chain inet sentrypeer input '{ type filter hook input priority -10; }'\n")
	w.WriteString("#   then nft add rule inet sentrypeer input ip saddr @bad_ipv4 drop; nft add rule inet sentrypeer input ip6 saddr @bad_ipv6 drop\n")
	w.WriteString("add table inet sentrypeer\n")
	w.WriteString("add set inet sentrypeer bad_ipv4 { type ipv4_addr; }\n")
	w.WriteString("add set inet sentrypeer bad_ipv6 { type ipv6_addr; }\n")
	w.WriteString("flush set inet sentrypeer bad_ipv4\n")
	w.WriteString("flush set inet sentrypeer bad_ipv6\n")
	for _, set := range []struct {
		name string
		ips  []string
	}{{"bad_ipv4", v4}, {"bad_ipv6", v6}} {
		for i := 0; i < len(set.ips); i += nftChunk {
			fmt.Fprintf(w, "add element inet sentrypeer %s { ", set.name)
			for j, ip := range set.ips[i:min(i+nftChunk, len(set.ips))] {
				if j > 0 {
					w.WriteString(", ")
				}
				w.WriteString(ip)
			}
			w.WriteString(" }\n")
		}
	}
}

// writeIPSet writes a script for "ipset restore".
func writeIPSet(w *bufio.Writer, ips []index.Entry, now time.Time) {
	v4, v6 := splitFamilies(ips)
	fmt.Fprintf(w, "# SentryPeer bad actors, %s: %d IPv4, %d IPv6. Use: ipset restore < THIS\n", now.Format(time.RFC3339), len(v4), len(v6))
	w.WriteString("create sentrypeer-v4 hash:ip family inet maxelem 1048576 -exist\n")
	w.WriteString("create sentrypeer-v6 hash:ip family inet6 maxelem 1048576 -exist\n")
	w.WriteString("flush sentrypeer-v4\nflush sentrypeer-v6\n")
	for _, ip := range v4 {
		w.WriteString("add sentrypeer-v4 " + ip + " -exist\n")
	}
	for _, ip := range v6 {
		w.WriteString("add sentrypeer-v6 " + ip + " -exist\n")
	}
}
