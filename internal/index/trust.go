package index

// SetTrusted makes keys, besides [Config].Trusted, the reporters whose
// report alone is enough, replacing the keys of the last call: API
// clients marked trusted come and go while the node runs. Entries are
// judged by the new set from their next query on.
func (x *Index) SetTrusted(keys [][32]byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	clear(x.reporters.trusted)
	for _, k := range x.cfg.Trusted {
		x.reporters.trusted[x.reporters.add(k)] = true
	}
	for _, k := range keys {
		x.reporters.trusted[x.reporters.add(k)] = true
	}
}
