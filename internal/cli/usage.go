package cli

// commonUsage describes the flags every subcommand has, and the exit status.
const commonUsage = `  --json           print the API's JSON instead of a table
` + connUsage + `
Exit status: 0 on success, 2 on a usage error or failure.
`

// connUsage describes the flags that say how to reach the API.
const connUsage = `  --api URL        API base URL (default http:// + SENTRYPEER_API_LISTEN,
                   else http://127.0.0.1:8082)
  --api-key KEY    API key, sent as Authorization: Bearer KEY
                   (default SENTRYPEER_API_KEY)
  -h, --help       show this help
`

const pagingUsage = `  --order ORDER    desc (default) or asc
  --limit N        rows per page, 1..1000 (default 100)
  --all            fetch every page, not only the first; with --json,
                   print one object holding every row
`

const ipsUsage = `sentrypeer ips [flags]

List the IP addresses of bad actors (GET /api/v1/ip-addresses).

Flags:
  --sort FIELD     last_seen (default), first_seen, count or ip
` + pagingUsage + commonUsage

const numbersUsage = `sentrypeer numbers [flags]

List the phone numbers bad actors tried to call (GET /api/v1/numbers).

Flags:
  --sort FIELD     last_seen (default), first_seen, count or number
` + pagingUsage + commonUsage

const checkUsage = `sentrypeer check [flags] IP|NUMBER

Check whether an IP address or a called number is a known bad actor
(GET /api/v1/check/ip/IP or /api/v1/check/number/NUMBER). An argument that
parses as an IP address is checked as one; anything else as a number.

Flags:
  --json           print the API's JSON instead of a table
` + connUsage + `
Exit status: 0 when the value is a bad actor, 1 when it is not,
2 on a usage error or failure.
`

const exportUsage = `sentrypeer export [flags]

Write a block list to stdout, exactly as the API sends it (GET /api/v1/export).

Flags:
  --format FORMAT  txt (default, one value per line), csv, json,
                   nft (an nft -f script) or ipset (an ipset restore script)
  --kind KIND      ips (the API's default), numbers or all;
                   nft and ipset take only ips
  --json           the same as --format json
` + connUsage + `
Exit status: 0 on success, 2 on a usage error or failure.
`

const eventsUsage = `sentrypeer events [flags]

List recent probes, newest first (GET /api/v1/events). With --follow, list
them oldest first, then print each new probe as it arrives
(GET /api/v1/events/stream) until interrupted or the stream ends.

Flags:
  --ip ADDR        only probes from this address or CIDR prefix
  --number N       only probes calling this (normalised) number
  --method M       only probes with this SIP method (any case)
  --limit N        how many recent probes to list, 1..1000 (default 100)
  --follow         keep printing new probes; with --json, one JSON object
                   per line
` + commonUsage

const bouncersUsage = `sentrypeer bouncers add NAME | list | delete NAME [flags]

Manage the keys of the CrowdSec bouncers (crowdsec-firewall-bouncer, nginx,
HAProxy...) that pull this node's decisions from its API, at
GET /v1/decisions/stream and /v1/decisions with the header X-Api-Key.
It edits the key file DATA-DIR/bouncers.json (mode 0600) directly, so the
daemon need not run; a running daemon sees a change within a second.

Actions:
  add NAME         make a key for the bouncer NAME and print it; it is shown
                   only this once, as the file keeps only its SHA-256
  list             list the bouncers: name and when each was added
  delete NAME      remove the bouncer NAME; its key stops working

Flags:
` + manageFlagsUsage
