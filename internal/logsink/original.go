package logsink

// Original is the original SentryPeer's event object, its webhook's body,
// as a receiver decodes it: the thirteen keys [AppendOriginal] writes, all
// strings. A node that takes webhook events (POST /api/events) reads this.
type Original struct {
	AppName         string `json:"app_name"`
	AppVersion      string `json:"app_version"`
	EventTimestamp  string `json:"event_timestamp"`
	EventUUID       string `json:"event_uuid"`
	CreatedByNodeID string `json:"created_by_node_id"`
	CollectedMethod string `json:"collected_method"`
	TransportType   string `json:"transport_type"`
	SourceIP        string `json:"source_ip"`
	DestinationIP   string `json:"destination_ip"`
	CalledNumber    string `json:"called_number"`
	SIPMethod       string `json:"sip_method"`
	SIPUserAgent    string `json:"sip_user_agent"`
	SIPMessage      string `json:"sip_message"`
}
