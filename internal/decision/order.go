package decision

// The cap needs the weakest decision at once, not by a scan: a toll-fraud
// flood dials a new number per INVITE, and past --block-max every new one
// pushes out the weakest. Decisions are kept in one list per class of
// evidence (origin, then reporters), each in the order their Until last
// moved: a list's head is the one that ends first, since Until is the
// last sighting plus --block-for.

const maxClassReporters = 7

func classOf(o Origin, reporters uint32) uint8 {
	return uint8(o.strength()*(maxClassReporters+1) + int(min(reporters, maxClassReporters)))
}

const nClasses = 5 * (maxClassReporters + 1)

// order is the lists, linking slots by id; the zero value is empty.
type order struct {
	head, tail [nClasses]uint32
}

func (o *order) push(ss *slots, id uint32) {
	s := ss.at(id)
	c := classOf(s.origin, s.reporters)
	s.class, s.prev, s.next = c, o.tail[c], 0
	if t := o.tail[c]; t != 0 {
		ss.at(t).next = id
	} else {
		o.head[c] = id
	}
	o.tail[c] = id
}

func (o *order) unlink(ss *slots, id uint32) {
	s := ss.at(id)
	c := s.class
	if s.prev != 0 {
		ss.at(s.prev).next = s.next
	} else {
		o.head[c] = s.next
	}
	if s.next != 0 {
		ss.at(s.next).prev = s.prev
	} else {
		o.tail[c] = s.prev
	}
	s.prev, s.next = 0, 0
}

// moved puts id back after its Until, origin or reporters changed.
func (o *order) moved(ss *slots, id uint32) {
	o.unlink(ss, id)
	o.push(ss, id)
}

// weakest is the decision the cap pushes out first; 0 when none.
func (o *order) weakest() uint32 {
	for _, id := range o.head {
		if id != 0 {
			return id
		}
	}
	return 0
}
