package share

import "sync/atomic"

// Stats is a snapshot of an [Aggregator]'s counters. Every event counts in
// Events and in exactly one of Allowlisted, Private, Invalid,
// DroppedMaxKeys, New and Folded.
type Stats struct {
	Events         uint64 // events given to Add
	Allowlisted    uint64 // from a Config.Allow prefix: not shared
	Private        uint64 // from a non-public source while AllowPrivate is false: not shared
	Invalid        uint64 // nil, or no usable source address, transport or time
	DroppedMaxKeys uint64 // first sightings refused because MaxKeys keys were tracked
	New            uint64 // first sightings of a key
	Folded         uint64 // later sightings, folded into an update
	Deferred       uint64 // first sightings held for the next flush (over budget or Out full)
	Records        uint64 // records put on Out
	OutFull        uint64 // times a record was held for the next flush because Out was full
	DroppedFull    uint64 // records lost because Out was full at the final flush
	Forgotten      uint64 // keys forgotten after an idle interval
	Keys           int    // keys tracked now
}

type counters struct {
	events, allowlisted, private, invalid, droppedMaxKeys atomic.Uint64
	newKeys, folded, deferred, records, outFull           atomic.Uint64
	droppedFull, forgotten                                atomic.Uint64
	keys                                                  atomic.Int64
}

// Stats returns the counters. It does not wait for a flush in progress.
func (a *Aggregator) Stats() Stats {
	c := &a.stats
	return Stats{
		Events:         c.events.Load(),
		Allowlisted:    c.allowlisted.Load(),
		Private:        c.private.Load(),
		Invalid:        c.invalid.Load(),
		DroppedMaxKeys: c.droppedMaxKeys.Load(),
		New:            c.newKeys.Load(),
		Folded:         c.folded.Load(),
		Deferred:       c.deferred.Load(),
		Records:        c.records.Load(),
		OutFull:        c.outFull.Load(),
		DroppedFull:    c.droppedFull.Load(),
		Forgotten:      c.forgotten.Load(),
		Keys:           int(c.keys.Load()),
	}
}
