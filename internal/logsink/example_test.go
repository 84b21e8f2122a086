package logsink_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

func ExampleOpenJSON() {
	dir, err := os.MkdirTemp("", "logsink-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sentrypeer.json")

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink, err := logsink.OpenJSON(path, logsink.AppInfo{Name: "sentrypeer", Version: "4.0.0"}, logger)
	if err != nil {
		panic(err)
	}
	defer sink.Close()

	events := event.NewQueue(1)
	events.Put(exampleEvent())
	events.Close()
	if err := sink.Run(context.Background(), events); err != nil {
		panic(err)
	}

	line, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(line))
	// Output:
	// {"app_name":"sentrypeer","app_version":"4.0.0","event_timestamp":"2024-05-06 07:08:09.123456789","event_uuid":"0b0e1c9e-5f27-4a5e-8c43-2b7a1f6c9d01","created_by_node_id":"460f30e4-ce1d-4d53-9004-dd40a1c4abc9","collected_method":"passive","transport_type":"UDP","source_ip":"203.0.113.5","destination_ip":"192.0.2.10","called_number":"100","sip_method":"OPTIONS","sip_user_agent":"friendly-scanner","sip_message":"OPTIONS sip:100@192.0.2.10 SIP/2.0\r\nUser-Agent: friendly-scanner\r\n\r\n","source_port":5060,"destination_port":5060,"sip_request_uri":"sip:100@192.0.2.10","called_number_normalised":"100","sip_from":"\"sipvicious\"<sip:100@1.1.1.1>;tag=6434","sip_to":"\"sipvicious\"<sip:100@1.1.1.1>","sip_call_id":"1234567890","sip_cseq":"1 OPTIONS","sip_contact":"","sip_via":"SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1","sip_message_truncated":false,"parse_error":""}
}

// exampleEvent is the probe shown in the example and in README.md.
func exampleEvent() *event.Event {
	id, _ := event.ParseUUID("0b0e1c9e-5f27-4a5e-8c43-2b7a1f6c9d01")
	node, _ := event.ParseUUID("460f30e4-ce1d-4d53-9004-dd40a1c4abc9")
	return &event.Event{
		Time:         time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		ID:           id,
		NodeID:       node,
		Collected:    event.Passive,
		Transport:    event.UDP,
		Source:       netip.MustParseAddrPort("203.0.113.5:5060"),
		Destination:  netip.MustParseAddrPort("192.0.2.10:5060"),
		Method:       "OPTIONS",
		RequestURI:   "sip:100@192.0.2.10",
		CalledNumber: "100", CalledNumberNorm: "100",
		From:      `"sipvicious"<sip:100@1.1.1.1>;tag=6434`,
		To:        `"sipvicious"<sip:100@1.1.1.1>`,
		CallID:    "1234567890",
		CSeq:      "1 OPTIONS",
		UserAgent: "friendly-scanner",
		Via:       "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1",
		Raw:       "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\nUser-Agent: friendly-scanner\r\n\r\n",
	}
}

// ExampleAppendOriginal shows the webhook's body: the original's thirteen
// keys, with the raw message and the honeypot's address left out by
// default.
func ExampleAppendOriginal() {
	info := logsink.AppInfo{Name: "sentrypeer", Version: "4.0.0"}
	fmt.Println(string(logsink.AppendOriginal(nil, exampleEvent(), &info, logsink.Share{})))
	// Output:
	// {"app_name":"sentrypeer","app_version":"4.0.0","event_timestamp":"2024-05-06 07:08:09.123456789","event_uuid":"0b0e1c9e-5f27-4a5e-8c43-2b7a1f6c9d01","created_by_node_id":"460f30e4-ce1d-4d53-9004-dd40a1c4abc9","collected_method":"passive","transport_type":"UDP","source_ip":"203.0.113.5","destination_ip":"","called_number":"100","sip_method":"OPTIONS","sip_user_agent":"friendly-scanner","sip_message":""}
}
