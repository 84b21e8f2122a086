package crowdsec

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// decisions serves GET /v1/decisions, which live-mode bouncers ask about
// each client: ?ip=ADDR or ?range=CIDR, with contains=true (the default:
// decisions that hold the address or range, so an address inside a Range
// decision matches) or contains=false (decisions inside the range). The
// body is a JSON array, or null when nothing matches, as LAPI sends.
func (h *Handler) decisions(w http.ResponseWriter, r *http.Request) {
	p, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	f, err := parseFilter(r.URL.Query(), false)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	now := h.cfg.Now()
	cur := h.current(now, &f)
	var out []wireDecision // stays nil, encoded as null, when nothing matches
	for i := range cur {
		out = append(out, cur[i].wire(now))
	}
	body, err := json.Marshal(out)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, "encoding decisions failed")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
	h.record(p, r, now, -1)
}
