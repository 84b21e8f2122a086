package metrics

import "github.com/sentrypeer/sentrypeer/internal/block/sipagent"

// SIPAgentStats is implemented by [*sipagent.Agent].
type SIPAgentStats interface{ Stats() sipagent.Stats }

var _ SIPAgentStats = (*sipagent.Agent)(nil)

// RegisterSIPAgent reports the SIP agent's counters: only counts, never a
// customer's number or address.
func (m *Metrics) RegisterSIPAgent(src SIPAgentStats) error {
	type S = sipagent.Stats
	return m.register("sipagent", &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_sip_agent_requests_total", "Messages the SIP agent received.", func(s S) float64 { return float64(s.Requests) }),
		counter("sentrypeer_sip_agent_redirects_total", "INVITEs the SIP agent redirected (302): clean calls.", func(s S) float64 { return float64(s.Redirects) }),
		counter("sentrypeer_sip_agent_rejected_caller_total", "INVITEs rejected for their caller's address.", func(s S) float64 { return float64(s.RejectedCaller) }),
		counter("sentrypeer_sip_agent_rejected_number_total", "INVITEs rejected for their called number.", func(s S) float64 { return float64(s.RejectedNumber) }),
		counter("sentrypeer_sip_agent_options_total", "OPTIONS (the proxy's keep-alives) answered 200.", func(s S) float64 { return float64(s.Options) }),
		counter("sentrypeer_sip_agent_other_total", "Other requests answered (405, 481, 414).", func(s S) float64 { return float64(s.Others) }),
		counter("sentrypeer_sip_agent_malformed_total", "Malformed messages (answered 400 or 505, or not at all).", func(s S) float64 { return float64(s.Malformed) }),
		counter("sentrypeer_sip_agent_errors_total", "Failed reads and writes of the SIP agent.", func(s S) float64 { return float64(s.Errors) }),
	}})
}
