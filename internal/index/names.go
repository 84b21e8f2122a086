package index

import "strings"

// uaTable interns user agents. Ids are never reused, so an entry's list
// stays right; the table is bounded instead (ids fit an entry's uint16),
// and user agents past the bound are counted under id 0.
type uaTable struct {
	ids    map[string]uint16
	names  []string
	counts []int64
	bytes  int
}

const (
	maxUserAgents  = 1 << 16
	maxUserAgentLn = 256
)

func newUATable() uaTable {
	return uaTable{ids: make(map[string]uint16), names: []string{"(other)"}, counts: make([]int64, 1)}
}

// add counts n sightings of user agent ua and returns its id; "" is not
// tracked and gets 0.
func (t *uaTable) add(ua string, n int64) uint16 {
	if ua == "" {
		return 0
	}
	if len(ua) > maxUserAgentLn {
		ua = ua[:maxUserAgentLn]
	}
	id, ok := t.ids[ua]
	if !ok {
		if len(t.names) >= maxUserAgents {
			t.counts[0] += n
			return 0
		}
		id = uint16(len(t.names))
		name := strings.Clone(ua)
		t.ids[name] = id
		t.names = append(t.names, name)
		t.counts = append(t.counts, 0)
		t.bytes += len(name) + 64 // the string, its map slot and list entries
	}
	t.counts[id] += n
	return id
}

// reporterTable names the peers that reported records by small ids; id 0
// is this node. Ids are never reused.
type reporterTable struct {
	ids     map[[32]byte]uint32
	keys    [][32]byte
	trusted []bool
}

func newReporterTable(trusted [][32]byte) reporterTable {
	t := reporterTable{ids: make(map[[32]byte]uint32), keys: make([][32]byte, 1), trusted: make([]bool, 1)}
	for _, k := range trusted {
		t.trusted[t.add(k)] = true
	}
	return t
}

func (t *reporterTable) add(k [32]byte) uint32 {
	if id, ok := t.ids[k]; ok {
		return id
	}
	id := uint32(len(t.keys))
	t.ids[k] = id
	t.keys = append(t.keys, k)
	t.trusted = append(t.trusted, false)
	return id
}

func (t *reporterTable) bytes() int { return len(t.keys) * (32 + 4 + 1 + 48) }
