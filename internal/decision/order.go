package decision

// The cap needs the weakest decision at once, not by a scan: a toll-fraud
// flood dials a new number per INVITE, and past --block-max every new one
// pushes out the weakest. Decisions are kept in one list per class of
// evidence (origin, then reporters), each in the order their Until last
// moved: a list's head is the one that ends first, since Until is the
// last sighting plus --block-for.

const maxClassReporters = 7

func class(d *Decision) int {
	return d.Origin.strength()*(maxClassReporters+1) + min(d.Reporters, maxClassReporters)
}

const nClasses = 5 * (maxClassReporters + 1)

// order is the lists; the zero value is empty.
type order struct {
	head, tail [nClasses]*entry
}

func (o *order) push(en *entry) {
	c := class(&en.Decision)
	en.class, en.prev, en.next = c, o.tail[c], nil
	if o.tail[c] != nil {
		o.tail[c].next = en
	} else {
		o.head[c] = en
	}
	o.tail[c] = en
}

func (o *order) unlink(en *entry) {
	c := en.class
	if en.prev != nil {
		en.prev.next = en.next
	} else {
		o.head[c] = en.next
	}
	if en.next != nil {
		en.next.prev = en.prev
	} else {
		o.tail[c] = en.prev
	}
	en.prev, en.next = nil, nil
}

// moved puts en back after its Until, origin or reporters changed.
func (o *order) moved(en *entry) {
	o.unlink(en)
	o.push(en)
}

// weakest is the decision the cap pushes out first; nil when none.
func (o *order) weakest() *entry {
	for c := range o.head {
		if o.head[c] != nil {
			return o.head[c]
		}
	}
	return nil
}
